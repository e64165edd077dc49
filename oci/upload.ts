/**
 * One blob upload fed piece by piece (distribution spec "Pushing blobs"):
 *
 * - a blob whose bytes all arrive before the first flush goes up
 *   monolithically: `POST` opens the session, `PUT ?digest=` carries it;
 * - otherwise bytes go in `PATCH`es with `Content-Range: <start>-<end>` of
 *   at least `patchSize` (and at least the registry's
 *   `OCI-Chunk-Min-Length`), and `PUT ?digest=` closes the session;
 * - a `413` (a proxy or registry capping request bodies) halves the PATCH
 *   size and resends, down to `MIN_PATCH_BYTES`;
 * - a `416` or a connection lost mid-PATCH asks the registry how much it
 *   has (`GET` of the session → `Range: 0-<last>`) and resumes there.
 *
 * Memory: only bytes not yet acknowledged by the registry are kept (about
 * `patchSize`).
 */
import { CodedError } from "../core/errors/mod.ts";
import type { RegistryClient, UploadSession } from "./client.ts";

/** Default PATCH body size. */
export const PATCH_BYTES = 64 * 1024 * 1024;
/** Smallest PATCH we shrink to after 413s. */
export const MIN_PATCH_BYTES = 256 * 1024;

export class BlobUpload {
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Bytes the registry has acknowledged. */
  #offset = 0;
  #session: UploadSession | undefined;
  #patched = false;
  #patchSize: number;
  /** Total bytes sent over the wire (resends included). */
  wire = 0;

  constructor(
    private readonly client: RegistryClient,
    private readonly repo: string,
    patchSize = PATCH_BYTES,
    session?: UploadSession,
  ) {
    this.#patchSize = patchSize;
    this.#session = session;
  }

  private target(): number {
    return Math.max(this.#patchSize, this.#session?.minChunk ?? 0);
  }

  async add(bytes: Uint8Array): Promise<void> {
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes >= this.target()) await this.flush(false);
  }

  /** Close the upload as `digest`. */
  async finish(digest: string): Promise<void> {
    if (!this.#patched) {
      this.#session ??= await this.client.startUpload(this.repo);
      const body = new Blob(this.#pending as Uint8Array<ArrayBuffer>[]);
      this.wire += body.size;
      if (await this.client.finishUpload(this.repo, this.#session.location, digest, body)) return;
      this.#patchSize = Math.max(MIN_PATCH_BYTES, Math.floor(Math.min(this.#patchSize, body.size) / 2));
    }
    await this.flush(true);
    const session = this.#session;
    if (session === undefined) throw new Error("upload session missing");
    if (!(await this.client.finishUpload(this.repo, session.location, digest))) throw this.tooLarge();
  }

  private tooLarge(): CodedError {
    return new CodedError("oci.too_large", `registry ${this.client.host} refuses request bodies even of ${MIN_PATCH_BYTES} bytes`, {
      subject: this.repo,
      hint: "the registry or a proxy in front of it caps uploads too low",
    });
  }

  /** Send pending bytes: all when `final`, else whole PATCHes of the target size. */
  private async flush(final: boolean): Promise<void> {
    this.#session ??= await this.client.startUpload(this.repo);
    const all = new Blob(this.#pending as Uint8Array<ArrayBuffer>[]);
    let pos = 0; // in `all`
    const base = this.#offset;
    while (all.size - pos >= (final ? 1 : this.target())) {
      const size = final && all.size - pos < this.target() ? all.size - pos : Math.min(all.size - pos, this.target());
      const piece = all.slice(pos, pos + size);
      this.#patched = true;
      this.wire += piece.size;
      let r: Awaited<ReturnType<RegistryClient["patchUpload"]>>;
      try {
        r = await this.client.patchUpload(this.repo, this.#session.location, piece, base + pos);
      } catch (e) {
        if ((e as { code?: string }).code !== "oci.unreachable") throw e;
        r = { status: 416 };
      }
      if (r.status === 413) {
        if (this.#patchSize <= MIN_PATCH_BYTES) throw this.tooLarge();
        this.#patchSize = Math.max(MIN_PATCH_BYTES, this.#session.minChunk ?? 0, Math.floor(size / 2));
        if (this.#patchSize >= size) throw this.tooLarge();
        continue;
      }
      if (r.status !== 202) {
        const have = await this.client.uploadOffset(this.repo, this.#session.location);
        if (have < base || have > base + all.size)
          throw new CodedError("oci.upload_lost", `registry ${this.client.host} lost part of an upload (it has ${have} bytes, expected at least ${base})`, {
            subject: this.repo,
            hint: "push again",
          });
        pos = have - base;
        continue;
      }
      this.#session = { ...this.#session, location: r.location };
      pos = r.offset > base ? r.offset - base : pos + size;
    }
    this.#offset = base + pos;
    const rest = all.size - pos;
    this.#pending = rest > 0 ? [new Uint8Array(await all.slice(pos).arrayBuffer())] : [];
    this.#pendingBytes = rest;
  }
}
