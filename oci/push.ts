/**
 * Push a disk image as a vmlab template artifact (artifact.ts).
 *
 * Theory of operation: the image is cut into chunks of `chunkSize`; each
 * chunk is read in frames of `FRAME_BYTES`, every frame read and compressed
 * with zstd by a pool of worker threads (`compress_pool.ts`, one per core;
 * at most two jobs queued per worker), and the
 * frames of a chunk — concatenated, a valid zstd stream — are hashed and fed
 * to a `BlobUpload` in order while later frames are still compressing.
 * `chunkSlots` chunks move at once, so memory in flight is about
 * chunkSlots × (window × frame + patch size), whatever the image size.
 *
 * Nothing is uploaded twice: layers of an earlier push of the same image
 * (same whole-image digest and chunk size) — found in the manifest the tag
 * already holds for this arch, or in `known` layers the caller remembers —
 * are checked with HEAD and skipped when present, or mounted from another
 * repository of the same registry. Then the config blob, the manifest (by
 * digest) and the tag's image index, merged with the other arches it
 * already lists, are put.
 *
 * The caller provides the whole-image digest (the store records it), so a
 * re-push reads nothing of an unchanged image.
 */
import { open, type FileHandle } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { CodedError } from "../core/errors/mod.ts";
import type { RegistryClient } from "./client.ts";
import {
  buildManifest,
  chunkCount,
  CONFIG_MEDIA_TYPE,
  indexEntry,
  mergeIndex,
  rawSizeOf,
  readTemplateManifest,
  selectArch,
  type ChunkLayer,
  type ImageFacts,
} from "./artifact.ts";
import { CompressPool } from "./compress_pool.ts";
import { Limit, forEachLimited } from "./limit.ts";
import { MEDIA_OCI_INDEX, MEDIA_OCI_MANIFEST, sha256Digest, type Descriptor, type ImageIndex } from "./media.ts";
import type { ProgressFn } from "./progress.ts";
import { BlobUpload, PATCH_BYTES } from "./upload.ts";

/** Bytes compressed as one zstd frame. */
export const FRAME_BYTES = 16 * 1024 * 1024;
/** Frames of one chunk compressing ahead of its upload. */
export const FRAME_WINDOW = 4;
/** zstd level (3: the speed/ratio balance `zstd` itself defaults to). */
export const ZSTD_LEVEL = 3;
/** Chunks transferred at once. */
export const CHUNK_SLOTS = 2;

export interface KnownLayers {
  readonly chunkSize: number;
  readonly chunks: readonly ChunkLayer[];
  /** Repositories (same registry host) that held them: mount candidates. */
  readonly repositories: readonly string[];
}

export interface PushOptions {
  readonly client: RegistryClient;
  readonly repository: string;
  readonly tag: string;
  /** Path of the image file. */
  readonly file: string;
  readonly image: ImageFacts;
  readonly arch: string;
  /** Config blob bytes (template metadata JSON). */
  readonly config: Uint8Array;
  readonly annotations?: Record<string, string>;
  readonly known?: KnownLayers;
  readonly level?: number;
  readonly compressSlots?: number;
  readonly chunkSlots?: number;
  readonly patchBytes?: number;
  readonly onProgress?: ProgressFn;
}

export interface PushResult {
  readonly manifestDigest: string;
  readonly indexDigest: string;
  readonly chunks: readonly ChunkLayer[];
  /** Chunks compressed and uploaded in this push. */
  readonly uploaded: number;
  /** Chunks already on the registry (HEAD) or mounted. */
  readonly skipped: number;
  readonly mounted: number;
  /** Compressed bytes sent. */
  readonly wireBytes: number;
}

export async function pushArtifact(o: PushOptions): Promise<PushResult> {
  const { client, repository: repo } = o;
  const subject = `${client.host}/${repo}:${o.tag}`;
  const count = chunkCount(o.image.totalSize, o.image.chunkSize);
  const existing = await client.getManifest(repo, o.tag);
  let existingIndex: ImageIndex | undefined;
  const candidates = new Map<number, ChunkLayer>();
  const mountFrom: string[] = [];
  const remember = (chunks: readonly ChunkLayer[]) => chunks.forEach((c) => candidates.has(c.index) || candidates.set(c.index, c));
  if (existing) {
    const doc = existing.document;
    if (doc.kind === "index") {
      existingIndex = doc.index;
      let entry: Descriptor | undefined;
      try {
        entry = selectArch(doc.index, o.arch, subject);
      } catch {
        entry = undefined;
      }
      if (entry) {
        const m = await client.getManifest(repo, entry.digest);
        const prior = m ? tryRead(m.document, subject) : undefined;
        if (prior && prior.image.digest === o.image.digest && prior.image.chunkSize === o.image.chunkSize) remember(prior.chunks);
      }
    } else {
      const prior = tryRead(doc, subject);
      if (!prior)
        throw new CodedError("oci.tag_taken", `${subject} already holds something that is not a vmlab template`, {
          subject,
          hint: "push to another tag or repository",
        });
      existingIndex = mergeIndex(undefined, indexEntry(existing.digest, existing.bytes.length, prior.arch || o.arch), prior.arch || o.arch);
      if (prior.arch === o.arch && prior.image.digest === o.image.digest && prior.image.chunkSize === o.image.chunkSize) remember(prior.chunks);
    }
  }
  if (o.known && o.known.chunkSize === o.image.chunkSize) {
    remember(o.known.chunks);
    mountFrom.push(...o.known.repositories.filter((r) => r !== repo));
  }

  let done = 0;
  let wire = 0;
  const progress = (raw: number, bytes: number) => {
    done += raw;
    wire += bytes;
    o.onProgress?.({ phase: "push", done, total: o.image.totalSize, wire });
  };
  const chunks: ChunkLayer[] = new Array(count);
  let uploaded = 0;
  let skipped = 0;
  let mounted = 0;
  const workers = Math.max(1, o.compressSlots ?? availableParallelism());
  // two jobs queued per worker keep every core busy; this bounds memory in flight
  const compress = new Limit(workers * 2);
  const fh = await openImage(o.file, o.image.totalSize);
  const pool = new CompressPool(workers);
  try {
    await forEachLimited(
      Array.from({ length: count }, (_, i) => i),
      o.chunkSlots ?? CHUNK_SLOTS,
      async (i) => {
        const rawSize = rawSizeOf(i, o.image);
        const c = candidates.get(i);
        if (c && c.rawSize === rawSize) {
          if ((await client.headBlob(repo, c.digest)) === c.size) {
            chunks[i] = c;
            skipped++;
            progress(rawSize, 0);
            return;
          }
          for (const from of mountFrom) {
            const m = await client.mountBlob(repo, c.digest, from);
            if (m.mounted) {
              chunks[i] = c;
              mounted++;
              progress(rawSize, 0);
              return;
            }
          }
        }
        chunks[i] = await uploadChunk(o, pool, i, rawSize, compress, progress);
        uploaded++;
      },
    );
  } finally {
    pool.close();
    await fh.close();
  }

  const configDigest = sha256Digest(o.config);
  if ((await client.headBlob(repo, configDigest)) === undefined) {
    const up = new BlobUpload(client, repo);
    await up.add(o.config);
    await up.finish(configDigest);
  }
  const config: Descriptor = { mediaType: CONFIG_MEDIA_TYPE, digest: configDigest, size: o.config.length };
  const manifest = buildManifest(config, chunks, o.image, o.arch, o.annotations);
  const manifestDigest = await client.putManifest(repo, sha256Digest(manifest), MEDIA_OCI_MANIFEST, manifest);
  const index = new TextEncoder().encode(JSON.stringify(mergeIndex(existingIndex, indexEntry(manifestDigest, manifest.length, o.arch), o.arch)));
  const indexDigest = await client.putManifest(repo, o.tag, MEDIA_OCI_INDEX, index);
  return { manifestDigest, indexDigest, chunks, uploaded, skipped, mounted, wireBytes: wire };
}

function tryRead(doc: Parameters<typeof readTemplateManifest>[0], subject: string) {
  try {
    return readTemplateManifest(doc, subject);
  } catch {
    return undefined;
  }
}

async function openImage(file: string, totalSize: number): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(file, "r");
  } catch (e) {
    throw new CodedError("oci.image_unreadable", `cannot read ${file}: ${(e as Error).message}`, { subject: file });
  }
  const st = await fh.stat();
  if (st.size !== totalSize) {
    await fh.close();
    throw new CodedError("oci.image_changed", `${file} is ${st.size} bytes, expected ${totalSize}`, {
      subject: file,
      hint: "the image changed since its metadata was written",
    });
  }
  return fh;
}

/** Compress chunk `i` frame by frame and stream it up; returns its layer. */
async function uploadChunk(
  o: PushOptions,
  pool: CompressPool,
  i: number,
  rawSize: number,
  compress: Limit,
  progress: (raw: number, wire: number) => void,
): Promise<ChunkLayer> {
  const start = i * o.image.chunkSize;
  const frames = Math.max(1, Math.ceil(rawSize / FRAME_BYTES));
  const level = o.level ?? ZSTD_LEVEL;
  let next = 0;
  const launch = (): { raw: number; frame: Promise<Uint8Array> } => {
    const off = start + next * FRAME_BYTES;
    const len = Math.min(FRAME_BYTES, start + rawSize - off);
    next++;
    const frame = compress.run(() => pool.compress(o.file, off, len, level));
    frame.catch(() => undefined); // awaited below; this only silences an early rejection
    return { raw: len, frame };
  };
  const window: { raw: number; frame: Promise<Uint8Array> }[] = [];
  while (window.length < FRAME_WINDOW && next < frames) window.push(launch());
  const hasher = new Bun.CryptoHasher("sha256");
  const up = new BlobUpload(o.client, o.repository, o.patchBytes ?? PATCH_BYTES);
  let size = 0;
  try {
    for (let k = 0; k < frames; k++) {
      const head = window.shift();
      if (!head) break;
      const frame = await head.frame;
      if (next < frames) window.push(launch());
      hasher.update(frame);
      size += frame.length;
      const before = up.wire;
      await up.add(frame);
      progress(head.raw, up.wire - before);
    }
    const digest = `sha256:${hasher.digest("hex")}`;
    const before = up.wire;
    await up.finish(digest);
    progress(0, up.wire - before);
    return { index: i, digest, size, rawSize };
  } finally {
    await Promise.allSettled(window.map((w) => w.frame));
  }
}
