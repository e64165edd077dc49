/**
 * Pull a vmlab template artifact into a file, resumably.
 *
 * Theory of operation: `resolveArtifact` reads the tag (an index → the
 * manifest for the asked arch, never assumed), refuses anything that is not
 * a vmlab template, and fetches the config blob (digest-checked).
 * `downloadImage` then fills `<dir>/image` (created at full size, so never
 * written regions stay holes): `chunkSlots` layers stream at once; each
 * layer's bytes are hashed as they arrive and cut into zstd frames
 * (`zstd_frames.ts`) by a worker per layer (`decode_worker.ts`), decoded
 * into a reused buffer (libzstd, zstd.ts) and written in place, skipping
 * all-zero blocks (sparse). A lost connection
 * resumes the layer with `Range: bytes=N-`. A finished, verified layer is
 * recorded in `<dir>/state.json`, so a pull killed half-way and run again
 * fetches only the missing layers (layers half-written by the dead process
 * are redone with their zeros written, since holes cannot be re-punched).
 * While layers finish, the assembled image is hashed in order; a layer or
 * whole-image digest that does not match throws `oci.digest_mismatch`
 * naming the digest, and the caller installs nothing.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { CodedError } from "../core/errors/mod.ts";
import { readTemplateManifest, selectArch, type ChunkLayer, type TemplateManifest } from "./artifact.ts";
import type { RegistryClient } from "./client.ts";
import { forEachLimited } from "./limit.ts";
import type { ProgressFn } from "./progress.ts";

/** Layers downloaded at once. */
export const PULL_CHUNK_SLOTS = 3;
/** Times one layer's download is resumed after a lost connection. */
export const LAYER_RESUMES = 5;

export const IMAGE_FILE = "image";
export const STATE_FILE = "state.json";

export interface ResolvedArtifact {
  readonly manifestDigest: string;
  readonly manifest: TemplateManifest;
  readonly config: Uint8Array;
  /** Index digest when the tag was an index. */
  readonly indexDigest: string | undefined;
}

/** Resolve `repo:selector` (+ arch) to a checked vmlab template manifest and its config. */
export async function resolveArtifact(client: RegistryClient, repo: string, selector: string, arch: string | undefined): Promise<ResolvedArtifact> {
  const subject = `${client.host}/${repo}${selector.includes(":") ? "@" : ":"}${selector}`;
  const top = await client.getManifest(repo, selector);
  if (!top)
    throw new CodedError("oci.not_found", `${subject} was not found`, {
      subject,
      hint: "check the reference; `vmlab template list --remote <repo>` lists its tags",
    });
  let fetched = top;
  let indexDigest: string | undefined;
  if (top.document.kind === "index") {
    indexDigest = top.digest;
    const entry = selectArch(top.document.index, arch, subject);
    const m = await client.getManifest(repo, entry.digest);
    if (!m)
      throw new CodedError("oci.not_found", `${subject} lists manifest ${entry.digest}, which the registry does not have`, {
        subject: entry.digest,
        hint: "push the template again",
      });
    fetched = m;
  }
  const manifest = readTemplateManifest(fetched.document, subject);
  if (arch !== undefined && manifest.arch !== "" && manifest.arch !== arch) {
    throw new CodedError("oci.arch_not_found", `${subject} is a ${manifest.arch} template, not ${arch}`, {
      subject,
      hint: `pull it with --arch ${manifest.arch}`,
    });
  }
  const config = await client.getSmallBlob(repo, manifest.config.digest);
  return { manifestDigest: fetched.digest, manifest, config, indexDigest };
}

export interface DownloadOptions {
  readonly client: RegistryClient;
  readonly repository: string;
  readonly artifact: ResolvedArtifact;
  /** Working directory kept between attempts (one per manifest digest). */
  readonly dir: string;
  readonly chunkSlots?: number;
  readonly onProgress?: ProgressFn;
}

export interface DownloadResult {
  /** The verified image file inside `dir`. */
  readonly file: string;
  /** Layers fetched now (the others were done by an earlier attempt). */
  readonly fetched: number;
  readonly resumed: number;
  readonly wireBytes: number;
}

interface State {
  manifest: string;
  done: number[];
}

function readState(dir: string, manifest: string): State | undefined {
  try {
    const s = JSON.parse(readFileSync(join(dir, STATE_FILE), "utf8")) as State;
    return s.manifest === manifest && Array.isArray(s.done) ? s : undefined;
  } catch {
    return undefined;
  }
}

function writeState(dir: string, s: State): void {
  const tmp = join(dir, `${STATE_FILE}.tmp`);
  writeFileSync(tmp, JSON.stringify(s));
  renameSync(tmp, join(dir, STATE_FILE));
}

export async function downloadImage(o: DownloadOptions): Promise<DownloadResult> {
  const { manifest } = o.artifact;
  const file = join(o.dir, IMAGE_FILE);
  mkdirSync(o.dir, { recursive: true });
  const prior = existsSync(file) ? readState(o.dir, o.artifact.manifestDigest) : undefined;
  const done = new Set(prior?.done ?? []);
  const dirty = prior !== undefined; // layers not recorded as done may hold stale bytes
  if (prior === undefined) {
    rmSync(file, { force: true });
    const fh = await open(file, "w");
    await fh.truncate(manifest.image.totalSize);
    await fh.close();
    writeState(o.dir, { manifest: o.artifact.manifestDigest, done: [] });
  }
  const state: State = { manifest: o.artifact.manifestDigest, done: [...done] };
  let progressDone = [...done].reduce((n, i) => n + (manifest.chunks[i]?.rawSize ?? 0), 0);
  let wire = 0;
  const report = (raw: number, bytes: number) => {
    progressDone += raw;
    wire += bytes;
    o.onProgress?.({ phase: "pull", done: progressDone, total: manifest.image.totalSize, wire });
  };
  report(0, 0);
  const hasher = new ImageHasher(file, manifest);
  const todo = manifest.chunks.filter((c) => !done.has(c.index));
  try {
    for (const i of done) hasher.complete(i);
    await forEachLimited(todo, o.chunkSlots ?? PULL_CHUNK_SLOTS, async (layer) => {
      await fetchLayer(o, file, layer, dirty, report, (n) => hasher.progress(layer.index, n));
      done.add(layer.index);
      state.done = [...done].sort((a, b) => a - b);
      writeState(o.dir, state);
      hasher.complete(layer.index);
    });
    o.onProgress?.({ phase: "verify", done: manifest.image.totalSize, total: manifest.image.totalSize, wire });
    const digest = await hasher.result();
    if (digest !== manifest.image.digest) {
      rmSync(o.dir, { recursive: true, force: true });
      throw new CodedError("oci.digest_mismatch", `the assembled image is ${digest}, but the manifest says ${manifest.image.digest}`, {
        subject: manifest.image.digest,
        hint: "the artifact on the registry is damaged; push the template again",
      });
    }
  } finally {
    await hasher.settle();
  }
  return { file, fetched: todo.length, resumed: done.size - todo.length, wireBytes: wire };
}

function decodeWorkerUrl(): string {
  if (import.meta.url.includes("$bunfs")) return "./oci/decode_worker.ts";
  return new URL("./decode_worker.ts", import.meta.url).href;
}

/**
 * Stream one layer into place: this thread reads the network and hashes the
 * compressed bytes; a worker (`decode_worker.ts`) cuts frames, decodes and
 * writes them. Resumes the stream after a lost connection.
 */
async function fetchLayer(
  o: DownloadOptions,
  file: string,
  layer: ChunkLayer,
  dense: boolean,
  report: (raw: number, wire: number) => void,
  wrote: (written: number) => void,
): Promise<void> {
  const { client, repository: repo } = o;
  const hasher = new Bun.CryptoHasher("sha256");
  const base = layer.index * o.artifact.manifest.image.chunkSize;
  const hint = "the blob is corrupted on the registry; push the template again";
  const mismatch = (why: string) =>
    new CodedError("oci.digest_mismatch", `layer ${layer.digest} (chunk ${layer.index}) ${why}`, { subject: layer.digest, hint });
  const worker = new Worker(decodeWorkerUrl());
  let written = 0;
  let failure: CodedError | undefined;
  const finished = new Promise<number>((resolve, reject) => {
    worker.onmessage = (ev: MessageEvent<{ written?: number; done?: number; error?: { code: string; message: string } }>) => {
      const m = ev.data;
      if (m.written !== undefined) {
        report(m.written - written, 0);
        written = m.written;
        wrote(written);
      }
      if (m.done !== undefined) resolve(m.done);
      if (m.error) {
        failure = new CodedError(m.error.code, m.error.message, { subject: layer.digest, hint });
        reject(failure);
      }
    };
    worker.onerror = (ev) => {
      failure = new CodedError("oci.internal", `the decoding worker failed: ${ev.message}`, { subject: layer.digest });
      reject(failure);
    };
  });
  finished.catch(() => undefined);
  worker.postMessage({ start: { file, base, rawSize: layer.rawSize, dense, subject: layer.digest } });
  let received = 0;
  try {
    for (let attempt = 0; ; attempt++) {
      const res = await client.getBlob(repo, layer.digest, received);
      const reader = res.body?.getReader();
      if (!reader) throw new CodedError("oci.registry_error", `registry ${client.host} sent no body for ${layer.digest}`, { subject: layer.digest });
      let lost = false;
      for (;;) {
        if (failure) throw failure;
        let r: Awaited<ReturnType<typeof reader.read>>;
        try {
          r = await reader.read();
        } catch (e) {
          if (attempt >= LAYER_RESUMES)
            throw new CodedError("oci.unreachable", `lost the connection to ${client.host} while reading ${layer.digest}: ${(e as Error).message}`, {
              subject: layer.digest,
              hint: "run the pull again: it resumes",
            });
          lost = true; // connection lost mid-stream: continue from `received`
          break;
        }
        if (r.done) break;
        const value = r.value;
        if (received + value.length > layer.size) throw mismatch(`is longer than its ${layer.size} bytes`);
        received += value.length;
        hasher.update(value);
        report(0, value.length);
        // hand the piece over without a copy when it owns its buffer
        if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) worker.postMessage({ bytes: value }, [value.buffer as ArrayBuffer]);
        else worker.postMessage({ bytes: value });
      }
      if (!lost) break;
    }
    if (received !== layer.size) throw mismatch(`ended after ${received} of ${layer.size} bytes`);
    const got = `sha256:${hasher.digest("hex")}`;
    if (got !== layer.digest) throw mismatch(`has digest ${got}`);
    worker.postMessage({ end: true });
    const total = await finished;
    if (total !== layer.rawSize) throw mismatch(`decompresses to ${total} bytes, expected ${layer.rawSize}`);
  } finally {
    worker.terminate();
  }
}

function hashWorkerUrl(): string {
  if (import.meta.url.includes("$bunfs")) return "./oci/hash_worker.ts";
  return new URL("./hash_worker.ts", import.meta.url).href;
}

/**
 * The whole-image SHA-256, computed by a worker thread (`hash_worker.ts`)
 * over the longest prefix of the file that is final: complete layers, plus
 * what the first incomplete layer has written so far (layers write in order
 * within themselves).
 */
class ImageHasher {
  readonly #worker: Worker;
  readonly #complete = new Set<number>();
  readonly #written = new Map<number, number>();
  readonly #result: Promise<string>;

  constructor(
    file: string,
    private readonly m: TemplateManifest,
  ) {
    this.#worker = new Worker(hashWorkerUrl());
    this.#result = new Promise((resolve, reject) => {
      this.#worker.onmessage = (ev: MessageEvent<{ digest?: string; error?: string }>) => {
        if (ev.data.digest) resolve(ev.data.digest);
        else reject(new CodedError("oci.image_changed", `cannot hash the pulled image: ${ev.data.error ?? "unknown error"}`, { subject: file }));
      };
      this.#worker.onerror = (ev) => reject(new CodedError("oci.internal", `the hashing worker failed: ${ev.message}`, { subject: file }));
    });
    this.#result.catch(() => undefined);
    this.#worker.postMessage({ file });
  }

  /** Bytes written so far into chunk `i`. */
  progress(i: number, written: number): void {
    this.#written.set(i, written);
    this.post();
  }

  complete(i: number): void {
    this.#complete.add(i);
    this.post();
  }

  private post(): void {
    let upTo = 0;
    for (const c of this.m.chunks) {
      if (this.#complete.has(c.index)) {
        upTo += c.rawSize;
        continue;
      }
      upTo += this.#written.get(c.index) ?? 0;
      break;
    }
    this.#worker.postMessage({ upTo });
  }

  async result(): Promise<string> {
    this.#worker.postMessage({ finish: this.m.image.totalSize });
    return await this.#result;
  }

  async settle(): Promise<void> {
    this.#worker.terminate();
  }
}
