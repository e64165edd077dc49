/**
 * The template store ↔ OCI registries (PRD §6.4): push a stored template as
 * a vmlab artifact, pull one into the store.
 *
 * Contract:
 * - push sends the stored `disk.qcow2` with the template metadata (JSON of
 *   `TemplateMetadata`) as config; the whole-image digest is the recorded
 *   `disk.sha256`, so an unchanged re-push reads nothing and uploads
 *   nothing. Layer digests of every push and pull are remembered in
 *   `<cache>/oci/layers/` (keyed by image digest and chunk size) for HEAD
 *   skips and cross-repository mounts on later pushes.
 * - pull resolves the reference (arch explicit unless the tag holds one
 *   arch), zod-checks the config, downloads into `<root>/.partial/<manifest>`
 *   (kept on failure, so the next pull resumes), checks the image is a
 *   standalone qcow2, records `origin { kind = "pull", source = <ref> }`,
 *   and publishes it through the store's atomic `commit`. A template already
 *   in the store with the same disk digest is not downloaded again.
 * - Failures are coded errors (`oci.*`, `template.*`); nothing half-pulled
 *   is ever visible in the store.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CodedError } from "../errors/mod.ts";
import { downloadImage, resolveArtifact, type DownloadResult } from "../../oci/pull.ts";
import { pushArtifact, type KnownLayers, type PushResult } from "../../oci/push.ts";
import { formatReference, manifestSelector, parseReference, type Reference } from "../../oci/reference.ts";
import type { RegistryClient } from "../../oci/client.ts";
import type { ProgressFn } from "../../oci/progress.ts";
import type { ChunkLayer } from "../../oci/artifact.ts";
import { assertImageSafe } from "./image_safety.ts";
import { renderMetadata, TemplateMetadataSchema, type TemplateMetadata } from "./metadata.ts";
import { TEMPLATE_DISK, TEMPLATE_METADATA } from "./paths.ts";
import type { TemplateEntry, TemplateStore } from "./store.ts";
import { findPulled } from "./pulled.ts";

export const PARTIAL_DIR = ".partial";

export interface RemoteOptions {
  /** A client for a registry host (credentials and insecure hosts are the caller's). */
  readonly client: (host: string) => RegistryClient;
  /** `$XDG_CACHE_HOME/vmlab`; omitted: no layer memory. */
  readonly cacheDir?: string;
  readonly onProgress?: ProgressFn;
}

export function parseRemote(text: string): Reference {
  const r = parseReference(text);
  if (!r.ok) throw new CodedError("oci.invalid_reference", r.reason, { subject: text, hint: r.hint });
  return r.ref;
}

function layersFile(cacheDir: string, imageDigest: string, chunkSize: number): string {
  return join(cacheDir, "oci", "layers", `${imageDigest.replace(/^sha256:/, "")}-${chunkSize}.json`);
}

function readKnown(cacheDir: string | undefined, imageDigest: string, chunkSize: number, host: string): KnownLayers | undefined {
  if (cacheDir === undefined) return undefined;
  try {
    const k = JSON.parse(readFileSync(layersFile(cacheDir, imageDigest, chunkSize), "utf8")) as { chunks: ChunkLayer[]; repositories: string[] };
    const repositories = k.repositories.filter((r) => r.startsWith(`${host}/`)).map((r) => r.slice(host.length + 1));
    return { chunkSize, chunks: k.chunks, repositories };
  } catch {
    return undefined;
  }
}

function rememberLayers(cacheDir: string | undefined, imageDigest: string, chunkSize: number, chunks: readonly ChunkLayer[], repo: string): void {
  if (cacheDir === undefined) return;
  const file = layersFile(cacheDir, imageDigest, chunkSize);
  try {
    let repositories: string[] = [];
    try {
      repositories = (JSON.parse(readFileSync(file, "utf8")) as { repositories: string[] }).repositories;
    } catch {
      // first time
    }
    mkdirSync(join(cacheDir, "oci", "layers"), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ chunks, repositories: [...new Set([repo, ...repositories])].slice(0, 16) }));
    renameSync(tmp, file);
  } catch {
    // a cache: losing it only costs a slower push
  }
}

export interface PushTemplateResult extends PushResult {
  readonly template: TemplateEntry;
  readonly remote: string;
}

/** Push `<arch>/<name>[@<version>]` to `remote` (`host/repo:tag`). */
export async function pushTemplate(
  store: TemplateStore,
  localRef: string,
  remote: string,
  o: RemoteOptions & { readonly chunkSize: number },
): Promise<PushTemplateResult> {
  const ref = parseRemote(remote);
  if (ref.tag === undefined || ref.digest !== undefined)
    throw new CodedError("oci.invalid_reference", `push needs a tag, not a digest: ${remote}`, {
      subject: remote,
      hint: "e.g. ghcr.io/owner/linux-modern:1.0",
    });
  const entry = store.get(localRef);
  const meta = entry.metadata;
  if (!meta)
    throw new CodedError("template.metadata_invalid", `template ${entry.ref} has invalid metadata: ${entry.problem ?? "unknown"}`, {
      subject: entry.ref,
      hint: `remove it with \`vmlab template rm ${entry.ref}\` and import it again`,
    });
  const image = { totalSize: entry.size, chunkSize: o.chunkSize, digest: `sha256:${meta.disk.sha256}` };
  if (meta.disk.size !== entry.size)
    throw new CodedError("template.metadata_invalid", `template ${entry.ref}: disk.qcow2 is ${entry.size} bytes, metadata says ${meta.disk.size}`, {
      subject: entry.ref,
      hint: "the stored disk changed; import the template again",
    });
  const client = o.client(ref.host);
  const config = new TextEncoder().encode(JSON.stringify(meta));
  const r = await pushArtifact({
    client,
    repository: ref.repository,
    tag: ref.tag,
    file: entry.disk,
    image,
    arch: meta.arch,
    config,
    annotations: { "org.opencontainers.image.title": `${meta.name}@${meta.version}`, "org.opencontainers.image.version": meta.version },
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(() => {
      const known = readKnown(o.cacheDir, image.digest, image.chunkSize, ref.host);
      return known ? { known } : {};
    })(),
  });
  rememberLayers(o.cacheDir, image.digest, image.chunkSize, r.chunks, `${ref.host}/${ref.repository}`);
  return { ...r, template: entry, remote: formatReference(ref) };
}

export interface PullTemplateResult {
  readonly template: TemplateEntry;
  readonly remote: string;
  readonly manifestDigest: string;
  /** False when the store already had this exact disk. */
  readonly downloaded: boolean;
  readonly transfer: DownloadResult | undefined;
}

/** Pull `remote` (+ arch) into the store. */
export async function pullTemplate(store: TemplateStore, remote: string, arch: string | undefined, o: RemoteOptions): Promise<PullTemplateResult> {
  const ref = parseRemote(remote);
  const source = formatReference(ref);
  const client = o.client(ref.host);
  const art = await resolveArtifact(client, ref.repository, manifestSelector(ref), arch);
  let meta: TemplateMetadata;
  try {
    const parsed = TemplateMetadataSchema.safeParse(JSON.parse(new TextDecoder().decode(art.config)));
    if (!parsed.success) throw new Error(`${parsed.error.issues[0]?.path.join(".") ?? ""}: ${parsed.error.issues[0]?.message ?? ""}`);
    meta = parsed.data;
  } catch (e) {
    throw new CodedError("oci.config_invalid", `the template metadata of ${source} is invalid: ${(e as Error).message}`, {
      subject: source,
      hint: "push the template again with a current vmlab",
    });
  }
  if (`sha256:${meta.disk.sha256}` !== art.manifest.image.digest || meta.disk.size !== art.manifest.image.totalSize) {
    throw new CodedError("oci.config_invalid", `the metadata of ${source} disagrees with its manifest about the disk`, {
      subject: source,
      hint: "push the template again",
    });
  }
  if (arch !== undefined && meta.arch !== arch)
    throw new CodedError("oci.arch_not_found", `${source} is a ${meta.arch} template, not ${arch}`, {
      subject: source,
      hint: `pull it with --arch ${meta.arch}`,
    });
  const localRef = `${meta.arch}/${meta.name}@${meta.version}`;
  const present = store.list().find((e) => e.ref === localRef);
  if (present?.metadata?.disk.sha256 === meta.disk.sha256) {
    return { template: present, remote: source, manifestDigest: art.manifestDigest, downloaded: false, transfer: undefined };
  }
  const work = join(store.root, PARTIAL_DIR, art.manifestDigest.replace(/^sha256:/, ""));
  const transfer = await downloadImage({ client, repository: ref.repository, artifact: art, dir: work, ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
  rememberLayers(o.cacheDir, art.manifest.image.digest, art.manifest.image.chunkSize, art.manifest.chunks, `${ref.host}/${ref.repository}`);
  const stage = store.stage();
  try {
    const disk = join(stage, TEMPLATE_DISK);
    renameSync(transfer.file, disk);
    // The image-safety gate for disks from elsewhere: standalone qcow2, no backing or data file, check clean.
    await assertImageSafe(disk, { origin: source });
    chmodSync(disk, 0o444);
    const recorded: TemplateMetadata = { ...meta, origin: { kind: "pull", source } };
    writeFileSync(join(stage, TEMPLATE_METADATA), renderMetadata(recorded));
    const template = await store.commit(stage, meta.arch, meta.name, meta.version, true);
    rmSync(work, { recursive: true, force: true });
    return { template, remote: source, manifestDigest: art.manifestDigest, downloaded: true, transfer };
  } finally {
    if (existsSync(stage)) rmSync(stage, { recursive: true, force: true });
  }
}

/** The stored template pulled from `remote` for `arch`, if any (never contacts the registry). */
export function pulledTemplate(store: TemplateStore, remote: string, arch: string): TemplateEntry | undefined {
  const p = findPulled(store.root, remote, arch);
  return p === undefined ? undefined : store.get(p.ref);
}
