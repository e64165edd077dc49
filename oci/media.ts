/**
 * OCI media types and the manifest shapes we read and write (OCI image
 * spec: descriptor, image manifest, image index), checked with zod.
 *
 * Contract: `parseManifestDocument` never throws; it classifies a registry
 * answer as an image manifest, an image index, or `unsupported` (Docker
 * schema 1, garbage) with a reason.
 */
import { z } from "zod";

export const MEDIA_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const MEDIA_OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const MEDIA_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const MEDIA_DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
export const MEDIA_OCI_EMPTY = "application/vnd.oci.empty.v1+json";

/** What we ask a manifest endpoint for. */
export const MANIFEST_ACCEPT = [MEDIA_OCI_INDEX, MEDIA_OCI_MANIFEST, MEDIA_DOCKER_LIST, MEDIA_DOCKER_MANIFEST];

const Digest = z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/);

export const DescriptorSchema = z
  .object({
    mediaType: z.string().min(1),
    digest: Digest,
    size: z.number().int().nonnegative(),
    annotations: z.record(z.string(), z.string()).optional(),
    artifactType: z.string().optional(),
    platform: z
      .object({
        architecture: z.string(),
        os: z.string(),
        variant: z.string().optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
export type Descriptor = z.infer<typeof DescriptorSchema>;

export const ImageManifestSchema = z
  .object({
    schemaVersion: z.literal(2),
    mediaType: z.string().optional(),
    artifactType: z.string().optional(),
    config: DescriptorSchema,
    layers: z.array(DescriptorSchema),
    subject: DescriptorSchema.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .loose();
export type ImageManifest = z.infer<typeof ImageManifestSchema>;

export const ImageIndexSchema = z
  .object({
    schemaVersion: z.literal(2),
    mediaType: z.string().optional(),
    artifactType: z.string().optional(),
    manifests: z.array(DescriptorSchema),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .loose();
export type ImageIndex = z.infer<typeof ImageIndexSchema>;

export type ManifestDocument =
  | { readonly kind: "manifest"; readonly mediaType: string; readonly manifest: ImageManifest }
  | { readonly kind: "index"; readonly mediaType: string; readonly index: ImageIndex }
  | { readonly kind: "unsupported"; readonly mediaType: string; readonly reason: string };

/** Classify manifest bytes served with `contentType`. */
export function parseManifestDocument(bytes: Uint8Array, contentType: string | null): ManifestDocument {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return { kind: "unsupported", mediaType: contentType ?? "", reason: "the manifest is not JSON" };
  }
  const declared = (json as { mediaType?: unknown } | null)?.mediaType;
  const mediaType = typeof declared === "string" ? declared : ((contentType ?? "").split(";")[0]?.trim() ?? "");
  if (mediaType === MEDIA_OCI_INDEX || mediaType === MEDIA_DOCKER_LIST || (mediaType === "" && Array.isArray((json as { manifests?: unknown }).manifests))) {
    const r = ImageIndexSchema.safeParse(json);
    return r.success
      ? { kind: "index", mediaType, index: r.data }
      : { kind: "unsupported", mediaType, reason: `malformed image index: ${r.error.issues[0]?.message ?? ""}` };
  }
  if (mediaType === MEDIA_OCI_MANIFEST || mediaType === MEDIA_DOCKER_MANIFEST || mediaType === "") {
    const r = ImageManifestSchema.safeParse(json);
    return r.success
      ? { kind: "manifest", mediaType: mediaType || MEDIA_OCI_MANIFEST, manifest: r.data }
      : { kind: "unsupported", mediaType, reason: `malformed image manifest: ${r.error.issues[0]?.message ?? ""}` };
  }
  return { kind: "unsupported", mediaType, reason: `unsupported manifest type ${mediaType}` };
}

/** `sha256:<hex>` of bytes. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}`;
}
