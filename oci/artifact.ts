/**
 * The vmlab template artifact (fact_oci_artifact.md, PRD §6.4):
 *
 * - an OCI image manifest with `artifactType`
 *   `application/vnd.vmlab.template.v1`;
 * - config blob: the template metadata as JSON
 *   (`application/vnd.vmlab.template.config.v1+json`), so `docker pull`
 *   refuses it as not a container image;
 * - layers: the qcow2 cut into fixed-size chunks in order, each compressed
 *   on its own with zstd (`application/vnd.vmlab.template.chunk.v1+zstd`);
 * - manifest annotations `vnd.vmlab.template.{chunk-count,chunk-size,
 *   total-size,sha256,arch}`; each layer carries its index and raw size;
 * - the tag points at an OCI image index keyed by platform, merged on push
 *   so several arches share one tag.
 *
 * Contract: `readTemplateManifest` accepts only manifests that are vmlab
 * artifacts and whose annotations agree with their layers; anything else is
 * `oci.not_a_template` (a container image) or `oci.manifest_invalid`.
 * `selectArch` never assumes the host arch (PRD §6.2).
 */
import { CodedError } from "../core/errors/mod.ts";
import { MEDIA_OCI_INDEX, MEDIA_OCI_MANIFEST, type Descriptor, type ImageIndex, type ImageManifest, type ManifestDocument } from "./media.ts";

export const ARTIFACT_TYPE = "application/vnd.vmlab.template.v1";
export const CONFIG_MEDIA_TYPE = "application/vnd.vmlab.template.config.v1+json";
export const CHUNK_MEDIA_TYPE = "application/vnd.vmlab.template.chunk.v1+zstd";

export const ANN_PREFIX = "vnd.vmlab.template";
export const ANN_CHUNK_COUNT = `${ANN_PREFIX}.chunk-count`;
export const ANN_CHUNK_SIZE = `${ANN_PREFIX}.chunk-size`;
export const ANN_TOTAL_SIZE = `${ANN_PREFIX}.total-size`;
export const ANN_IMAGE_DIGEST = `${ANN_PREFIX}.sha256`;
export const ANN_ARCH = `${ANN_PREFIX}.arch`;
export const ANN_CHUNK_INDEX = `${ANN_PREFIX}.chunk.index`;
export const ANN_CHUNK_RAW_SIZE = `${ANN_PREFIX}.chunk.raw-size`;

/** Default chunk size (host config `oci_chunk_size`). */
export const DEFAULT_CHUNK_SIZE = 512 * 1024 * 1024;

export interface ImageFacts {
  readonly totalSize: number;
  readonly chunkSize: number;
  /** `sha256:<hex>` of the assembled image. */
  readonly digest: string;
}

export interface ChunkLayer {
  readonly index: number;
  readonly digest: string;
  /** Compressed bytes. */
  readonly size: number;
  /** Bytes of the image this chunk covers. */
  readonly rawSize: number;
}

/** A checked vmlab template manifest. */
export interface TemplateManifest {
  readonly config: Descriptor;
  readonly chunks: readonly ChunkLayer[];
  readonly image: ImageFacts;
  readonly arch: string;
}

/** OCI platform architecture (GOARCH spelling) for a vmlab arch. */
export function ociArch(arch: string): string {
  const map: Record<string, string> = { x86_64: "amd64", aarch64: "arm64", i386: "386", ppc64: "ppc64le", mips64el: "mips64le", loongarch64: "loong64" };
  return map[arch] ?? arch;
}

export function chunkCount(totalSize: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(totalSize / chunkSize));
}

export function rawSizeOf(index: number, image: Pick<ImageFacts, "totalSize" | "chunkSize">): number {
  return Math.max(0, Math.min(image.chunkSize, image.totalSize - index * image.chunkSize));
}

/** The manifest JSON bytes for a pushed template. */
export function buildManifest(
  config: Descriptor,
  chunks: readonly ChunkLayer[],
  image: ImageFacts,
  arch: string,
  extra: Record<string, string> = {},
): Uint8Array {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_OCI_MANIFEST,
    artifactType: ARTIFACT_TYPE,
    config,
    layers: chunks.map((c) => ({
      mediaType: CHUNK_MEDIA_TYPE,
      digest: c.digest,
      size: c.size,
      annotations: { [ANN_CHUNK_INDEX]: String(c.index), [ANN_CHUNK_RAW_SIZE]: String(c.rawSize) },
    })),
    annotations: {
      ...extra,
      [ANN_CHUNK_COUNT]: String(chunks.length),
      [ANN_CHUNK_SIZE]: String(image.chunkSize),
      [ANN_TOTAL_SIZE]: String(image.totalSize),
      [ANN_IMAGE_DIGEST]: image.digest,
      [ANN_ARCH]: arch,
    },
  };
  return new TextEncoder().encode(JSON.stringify(manifest));
}

function notTemplate(subject: string, why: string): CodedError {
  return new CodedError("oci.not_a_template", `${subject} is not a vmlab template: ${why}`, {
    subject,
    hint: "vmlab pulls only artifacts pushed with `vmlab template push` (a container image is not a template)",
  });
}

function invalid(subject: string, why: string): CodedError {
  return new CodedError("oci.manifest_invalid", `the manifest of ${subject} is invalid: ${why}`, {
    subject,
    hint: "push the template again with `vmlab template push`",
  });
}

function intAnn(ann: Record<string, string> | undefined, key: string, subject: string): number {
  const v = ann?.[key];
  const n = v === undefined ? Number.NaN : Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw invalid(subject, `annotation ${key} is ${v === undefined ? "missing" : `"${v}"`}`);
  return n;
}

/** Check that a manifest is a vmlab template and read its facts. */
export function readTemplateManifest(doc: ManifestDocument, subject: string): TemplateManifest {
  if (doc.kind === "unsupported") throw notTemplate(subject, doc.reason);
  if (doc.kind === "index") throw invalid(subject, "expected a manifest, found an index");
  const m = doc.manifest;
  const type = m.artifactType ?? m.config.mediaType;
  if (type !== ARTIFACT_TYPE && m.config.mediaType !== CONFIG_MEDIA_TYPE) throw notTemplate(subject, `its type is ${type}`);
  if (m.config.mediaType !== CONFIG_MEDIA_TYPE) throw notTemplate(subject, `its config is ${m.config.mediaType}`);
  const ann = m.annotations;
  const count = intAnn(ann, ANN_CHUNK_COUNT, subject);
  const chunkSize = intAnn(ann, ANN_CHUNK_SIZE, subject);
  const totalSize = intAnn(ann, ANN_TOTAL_SIZE, subject);
  const digest = ann?.[ANN_IMAGE_DIGEST] ?? "";
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw invalid(subject, `annotation ${ANN_IMAGE_DIGEST} is not a sha256 digest`);
  if (chunkSize === 0) throw invalid(subject, "chunk size is 0");
  if (m.layers.length !== count || count !== chunkCount(totalSize, chunkSize))
    throw invalid(subject, `${m.layers.length} layers for ${count} chunks of ${chunkSize} bytes covering ${totalSize} bytes`);
  const image = { totalSize, chunkSize, digest };
  const chunks = m.layers.map((l, i): ChunkLayer => {
    if (l.mediaType !== CHUNK_MEDIA_TYPE) throw notTemplate(subject, `layer ${i} is ${l.mediaType}`);
    if (!/^sha256:[0-9a-f]{64}$/.test(l.digest)) throw invalid(subject, `layer ${i} has digest ${l.digest}`);
    const idx = l.annotations?.[ANN_CHUNK_INDEX];
    if (idx !== undefined && Number(idx) !== i) throw invalid(subject, `layer ${i} says it is chunk ${idx}`);
    const raw = l.annotations?.[ANN_CHUNK_RAW_SIZE];
    if (raw !== undefined && Number(raw) !== rawSizeOf(i, image)) throw invalid(subject, `layer ${i} covers ${raw} bytes, expected ${rawSizeOf(i, image)}`);
    return { index: i, digest: l.digest, size: l.size, rawSize: rawSizeOf(i, image) };
  });
  return { config: m.config, chunks, image, arch: ann?.[ANN_ARCH] ?? "" };
}

/** Whether an index entry is a vmlab template manifest for `arch`. */
function entryArch(d: Descriptor): string | undefined {
  return d.annotations?.[ANN_ARCH] ?? d.platform?.architecture;
}

function matchesArch(d: Descriptor, arch: string): boolean {
  return d.annotations?.[ANN_ARCH] === arch || (d.annotations?.[ANN_ARCH] === undefined && d.platform?.architecture === ociArch(arch));
}

/** Pick the manifest for `arch` from an index; without `arch` only an unambiguous index is accepted. */
export function selectArch(index: ImageIndex, arch: string | undefined, subject: string): Descriptor {
  const entries = index.manifests.filter((d) => d.mediaType === MEDIA_OCI_MANIFEST || d.artifactType === ARTIFACT_TYPE);
  const arches = entries.map(entryArch).filter((a): a is string => a !== undefined);
  if (arch === undefined) {
    if (entries.length === 1 && entries[0] !== undefined) return entries[0];
    if (entries.length === 0) throw notTemplate(subject, "its index lists no manifests");
    throw new CodedError("oci.arch_required", `${subject} holds several architectures (${arches.join(", ")})`, {
      subject,
      hint: `pass --arch, e.g. --arch ${arches[0] ?? "x86_64"}; arch is never assumed`,
    });
  }
  const found = entries.find((d) => matchesArch(d, arch));
  if (!found)
    throw new CodedError("oci.arch_not_found", `${subject} has no ${arch} template (it has ${arches.length ? arches.join(", ") : "none"})`, {
      subject,
      hint: `push one: vmlab template push ${arch}/<name>@<version> ${subject}`,
    });
  return found;
}

/** The index to tag after pushing `entry`: `existing` with any entry of the same arch replaced. */
export function mergeIndex(existing: ImageIndex | undefined, entry: Descriptor, arch: string): ImageIndex {
  const keep = (existing?.manifests ?? []).filter((d) => !matchesArch(d, arch));
  return {
    schemaVersion: 2,
    mediaType: MEDIA_OCI_INDEX,
    artifactType: ARTIFACT_TYPE,
    manifests: [...keep, entry].sort((a, b) => (entryArch(a) ?? "").localeCompare(entryArch(b) ?? "")),
  };
}

/** The index entry describing a pushed manifest. */
export function indexEntry(digest: string, size: number, arch: string): Descriptor {
  return {
    mediaType: MEDIA_OCI_MANIFEST,
    digest,
    size,
    artifactType: ARTIFACT_TYPE,
    platform: { architecture: ociArch(arch), os: "unknown" },
    annotations: { [ANN_ARCH]: arch },
  };
}
