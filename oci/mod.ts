/**
 * OCI distribution for vmlab templates (PRD §6.4, DESIGN §7): references,
 * a registry client following the distribution spec with Basic/Bearer auth
 * and Docker-style credentials, the chunked zstd template artifact, and
 * parallel, resumable, verified push and pull.
 *
 * A library on its own: it imports nothing of vmlab but the shared error
 * model (`core/errors`), and knows nothing of labs, daemons or the store —
 * the store hands it a file, a digest and config bytes.
 *
 * @example
 * const client = new RegistryClient({ host: "ghcr.io", credentials: () => findCredential("ghcr.io", { env: process.env, home }) });
 * const art = await resolveArtifact(client, "owner/linux-modern", "1.0", "x86_64");
 * const { file } = await downloadImage({ client, repository: "owner/linux-modern", artifact: art, dir });
 */
export * from "./reference.ts";
export * from "./media.ts";
export * from "./artifact.ts";
export * from "./client.ts";
export * from "./upload.ts";
export * from "./push.ts";
export * from "./pull.ts";
export * from "./progress.ts";
export * from "./limit.ts";
export * from "./zstd_frames.ts";
export * from "./auth/challenge.ts";
export * from "./auth/credentials.ts";
export * from "./auth/session.ts";
