/**
 * A registry client for the OCI distribution specification (v1.1): blobs
 * (HEAD, ranged GET, cross-repository mount, uploads), manifests and image
 * indexes, tag lists with `Link` pagination, and referrers with the tag
 * fallback (`<alg>-<hex>` tag holding an index).
 *
 * Theory of operation: every request goes through `send`, which adds the
 * Authorization header for the request's scope (`auth/session.ts`), retries
 * once after a 401 challenge, and retries 5xx, 429 and lost connections with
 * exponential backoff (`RETRY_*`). Bodies are byte arrays or Blobs so a
 * retry can resend them. Registry error bodies (`{"errors":[{code,message}]}`)
 * become `oci.*` coded errors naming the repository or digest.
 *
 * Plain HTTP is used only for loopback hosts and hosts the caller lists as
 * insecure; everything else is HTTPS.
 */
import { CodedError } from "../core/errors/mod.ts";
import { AuthSession } from "./auth/session.ts";
import type { FoundCredential } from "./auth/credentials.ts";
import { MANIFEST_ACCEPT, MEDIA_OCI_INDEX, parseManifestDocument, sha256Digest, type ImageIndex, type ManifestDocument } from "./media.ts";
import { apiHost, isLoopbackHost } from "./reference.ts";

/** Attempts for one request on 5xx, 429 or a lost connection. */
export const RETRY_ATTEMPTS = 5;
/** First backoff; doubles per attempt. */
export const RETRY_BASE_MS = 250;
/** Longest wait honoured from `Retry-After`. */
export const RETRY_MAX_MS = 10_000;
/** Largest manifest or config blob we read into memory. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface RegistryClientOptions {
  /** Registry host as in the reference (`ghcr.io`, `127.0.0.1:5000`). */
  readonly host: string;
  /** Hosts the user allows over plain HTTP (host config `insecure_registries`). */
  readonly insecure?: readonly string[];
  readonly credentials?: () => Promise<FoundCredential | undefined>;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly userAgent?: string;
}

export interface SendOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: Uint8Array | Blob;
  /** `repository:<name>:pull` etc.; space-separated for several. */
  readonly scope: string;
  /** Statuses returned to the caller instead of thrown (besides 2xx). */
  readonly expect?: readonly number[];
  /** Subject for error messages (repository or digest). */
  readonly subject: string;
  readonly signal?: AbortSignal;
}

export interface FetchedManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly bytes: Uint8Array;
  readonly document: ManifestDocument;
}

export interface UploadSession {
  /** Absolute URL of the upload session. */
  readonly location: string;
  /** `OCI-Chunk-Min-Length`, when the registry demands one. */
  readonly minChunk: number | undefined;
}

export const pullScope = (repo: string) => `repository:${repo}:pull`;
export const pushScope = (repo: string) => `repository:${repo}:pull,push`;

export class RegistryClient {
  readonly host: string;
  readonly base: string;
  readonly auth: AuthSession;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #ua: string;

  constructor(opts: RegistryClientOptions) {
    this.host = opts.host;
    const plain = isLoopbackHost(opts.host) || (opts.insecure ?? []).includes(opts.host);
    this.base = `${plain ? "http" : "https"}://${apiHost(opts.host)}`;
    this.#fetch = opts.fetch ?? fetch;
    this.#sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.#ua = opts.userAgent ?? "vmlab";
    this.auth = new AuthSession({ host: opts.host, lookup: opts.credentials ?? (async () => undefined), fetch: this.#fetch });
  }

  url(path: string): string {
    return path.startsWith("http://") || path.startsWith("https://") ? path : `${this.base}${path}`;
  }

  /** One request with auth, retries and error mapping. */
  async send(path: string, o: SendOptions): Promise<Response> {
    const url = this.url(path);
    let authRetried = false;
    for (let attempt = 1; ; attempt++) {
      const authorization = await this.auth.header(o.scope);
      const headers: Record<string, string> = { "user-agent": this.#ua, ...(o.headers ?? {}) };
      if (authorization) headers.authorization = authorization;
      let res: Response;
      try {
        res = await this.#fetch(url, {
          method: o.method ?? "GET",
          headers,
          ...(o.body === undefined ? {} : { body: o.body }),
          redirect: "follow",
          ...(o.signal ? { signal: o.signal } : {}),
        });
      } catch (e) {
        if (o.signal?.aborted) throw e;
        if (attempt < RETRY_ATTEMPTS) {
          await this.#sleep(RETRY_BASE_MS * 2 ** (attempt - 1));
          continue;
        }
        throw new CodedError("oci.unreachable", `cannot reach registry ${this.host}: ${(e as Error).message}`, {
          subject: this.host,
          hint: isLoopbackHost(this.host) ? "is the registry running?" : "check the host name and the network",
        });
      }
      if (res.status === 401 && !authRetried) {
        await res.body?.cancel();
        authRetried = true;
        if (await this.auth.challenged(res, o.scope, authorization)) continue;
        throw this.auth.unauthorized(await this.auth.lastCredential());
      }
      if (o.expect?.includes(res.status) || (res.ok && res.status !== 401)) return res;
      if ((res.status >= 500 || res.status === 429) && attempt < RETRY_ATTEMPTS) {
        await res.body?.cancel();
        const after = Number(res.headers.get("retry-after"));
        await this.#sleep(Number.isFinite(after) && after > 0 ? Math.min(after * 1000, RETRY_MAX_MS) : RETRY_BASE_MS * 2 ** (attempt - 1));
        continue;
      }
      throw await this.errorFrom(res, o.subject);
    }
  }

  /** A coded error from a failed registry answer. */
  async errorFrom(res: Response, subject: string): Promise<CodedError> {
    let codes: { code?: string; message?: string }[] = [];
    try {
      const body = (await res.json()) as { errors?: { code?: string; message?: string }[] };
      codes = Array.isArray(body.errors) ? body.errors : [];
    } catch {
      // not a JSON error body
    }
    const first = codes[0];
    const what = first ? `${first.code ?? "error"}: ${first.message ?? ""}`.trim() : `HTTP ${res.status}`;
    if (res.status === 401) return this.auth.unauthorized(await this.auth.lastCredential());
    if (res.status === 403) return this.auth.unauthorized(await this.auth.lastCredential(), 403);
    if (res.status === 404) {
      if (first?.code === "BLOB_UNKNOWN")
        return new CodedError("oci.blob_not_found", `blob ${subject} is not in registry ${this.host}`, {
          subject,
          hint: "the artifact is incomplete on the registry; push it again",
        });
      return new CodedError("oci.not_found", `${subject} was not found on registry ${this.host} (${what})`, {
        subject,
        hint: "check the repository and tag; `vmlab template list --remote <repo>` lists tags",
      });
    }
    if (res.status === 413) return new CodedError("oci.too_large", `registry ${this.host} refused a request body as too large`, { subject });
    return new CodedError("oci.registry_error", `registry ${this.host} answered ${res.status} for ${subject} (${what})`, {
      subject,
      hint: res.status >= 500 ? "the registry failed; try again later" : "the registry refused the request",
    });
  }

  /** `GET /v2/`: checks reachability and credentials. */
  async ping(scope = ""): Promise<void> {
    const res = await this.send("/v2/", { scope, subject: this.host });
    await res.body?.cancel();
  }

  // ---- manifests -------------------------------------------------------

  /** A manifest or index by tag or digest; undefined when absent. Verifies the digest when pinned. */
  async getManifest(repo: string, selector: string): Promise<FetchedManifest | undefined> {
    const res = await this.send(`/v2/${repo}/manifests/${selector}`, {
      scope: pullScope(repo),
      subject: `${repo}:${selector}`,
      headers: { accept: MANIFEST_ACCEPT.join(", ") },
      expect: [404],
    });
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > MAX_MANIFEST_BYTES)
      throw new CodedError("oci.manifest_invalid", `manifest ${repo}:${selector} is larger than ${MAX_MANIFEST_BYTES} bytes`, {
        subject: `${repo}:${selector}`,
      });
    const digest = sha256Digest(bytes);
    if (selector.includes(":") && selector !== digest) {
      throw new CodedError("oci.digest_mismatch", `manifest ${repo}@${selector} has digest ${digest}`, {
        subject: selector,
        hint: "the registry served other bytes than asked for; do not trust it",
      });
    }
    const document = parseManifestDocument(bytes, res.headers.get("content-type"));
    return { digest, mediaType: document.mediaType, bytes, document };
  }

  /** Put a manifest or index under a tag or its digest; returns its digest. */
  async putManifest(repo: string, reference: string, mediaType: string, bytes: Uint8Array): Promise<string> {
    const res = await this.send(`/v2/${repo}/manifests/${reference}`, {
      method: "PUT",
      scope: pushScope(repo),
      subject: `${repo}:${reference}`,
      headers: { "content-type": mediaType },
      body: bytes,
    });
    await res.body?.cancel();
    return sha256Digest(bytes);
  }

  // ---- blobs -----------------------------------------------------------

  /** Size of a blob the repository has, or undefined. */
  async headBlob(repo: string, digest: string): Promise<number | undefined> {
    const res = await this.send(`/v2/${repo}/blobs/${digest}`, { method: "HEAD", scope: pullScope(repo), subject: digest, expect: [404] });
    await res.body?.cancel();
    if (res.status === 404) return undefined;
    const n = Number(res.headers.get("content-length"));
    return Number.isFinite(n) ? n : 0;
  }

  /** A blob's bytes from `offset` on (`Range: bytes=N-`); the caller consumes the body. */
  async getBlob(repo: string, digest: string, offset = 0, signal?: AbortSignal): Promise<Response> {
    const res = await this.send(`/v2/${repo}/blobs/${digest}`, {
      scope: pullScope(repo),
      subject: digest,
      headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
      ...(signal ? { signal } : {}),
    });
    if (offset > 0 && res.status !== 206) {
      await res.body?.cancel();
      throw new CodedError("oci.range_unsupported", `registry ${this.host} ignored a range request for ${digest}`, { subject: digest });
    }
    return res;
  }

  /** A small blob (config) read whole and checked against its digest. */
  async getSmallBlob(repo: string, digest: string): Promise<Uint8Array> {
    const res = await this.getBlob(repo, digest);
    const n = Number(res.headers.get("content-length"));
    if (Number.isFinite(n) && n > MAX_MANIFEST_BYTES) {
      await res.body?.cancel();
      throw new CodedError("oci.blob_invalid", `blob ${digest} is too large for a config`, { subject: digest });
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (sha256Digest(bytes) !== digest)
      throw new CodedError("oci.digest_mismatch", `blob ${digest} from registry ${this.host} does not match its digest`, {
        subject: digest,
        hint: "the blob is corrupted on the registry; push the template again",
      });
    return bytes;
  }

  /**
   * Try to mount `digest` from repository `from` (same registry). True when
   * mounted; otherwise the registry may have opened an upload session, which
   * is returned for reuse.
   */
  async mountBlob(repo: string, digest: string, from: string): Promise<{ mounted: true } | { mounted: false; session: UploadSession | undefined }> {
    const scope = `${pushScope(repo)} ${pullScope(from)}`;
    const res = await this.send(`/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, {
      method: "POST",
      scope,
      subject: digest,
      headers: { "content-length": "0" },
    });
    await res.body?.cancel();
    if (res.status === 201) return { mounted: true };
    return { mounted: false, session: res.status === 202 ? this.sessionFrom(res, repo) : undefined };
  }

  /** Open an upload session (`POST /v2/<name>/blobs/uploads/`). */
  async startUpload(repo: string): Promise<UploadSession> {
    const res = await this.send(`/v2/${repo}/blobs/uploads/`, { method: "POST", scope: pushScope(repo), subject: repo, headers: { "content-length": "0" } });
    await res.body?.cancel();
    return this.sessionFrom(res, repo);
  }

  private sessionFrom(res: Response, repo: string): UploadSession {
    const loc = res.headers.get("location");
    if (!loc) throw new CodedError("oci.registry_error", `registry ${this.host} opened an upload for ${repo} without a Location`, { subject: repo });
    const min = Number(res.headers.get("oci-chunk-min-length"));
    return { location: new URL(loc, this.base).toString(), minChunk: Number.isFinite(min) && min > 0 ? min : undefined };
  }

  /** Bytes the registry holds of an upload session (`GET` → `Range: 0-<last>`). */
  async uploadOffset(repo: string, location: string): Promise<number> {
    const res = await this.send(location, { scope: pushScope(repo), subject: repo });
    await res.body?.cancel();
    return rangeEnd(res.headers.get("range"));
  }

  /**
   * `PATCH` bytes at `start` (`Content-Range: <start>-<end>`); returns the
   * next location and the registry's offset. A 416 or 413 comes back as
   * `{ status }` for the caller to handle.
   */
  async patchUpload(
    repo: string,
    location: string,
    body: Blob,
    start: number,
  ): Promise<{ status: 202; location: string; offset: number } | { status: 413 | 416 }> {
    const end = start + body.size - 1;
    const res = await this.send(location, {
      method: "PATCH",
      scope: pushScope(repo),
      subject: repo,
      headers: { "content-type": "application/octet-stream", "content-range": `${start}-${end}`, "content-length": String(body.size) },
      body,
      expect: [413, 416],
    });
    await res.body?.cancel();
    if (res.status === 413 || res.status === 416) return { status: res.status };
    const loc = res.headers.get("location");
    return { status: 202, location: loc ? new URL(loc, this.base).toString() : location, offset: rangeEnd(res.headers.get("range")) };
  }

  /**
   * Close an upload with `PUT ?digest=` (optionally carrying the last
   * bytes). False when the registry refused the body as too large (413).
   */
  async finishUpload(repo: string, location: string, digest: string, body?: Blob): Promise<boolean> {
    const u = new URL(location);
    u.searchParams.set("digest", digest);
    const res = await this.send(u.toString(), {
      method: "PUT",
      scope: pushScope(repo),
      subject: digest,
      headers: { "content-type": "application/octet-stream", "content-length": String(body?.size ?? 0) },
      ...(body === undefined ? {} : { body }),
      expect: [413],
    });
    await res.body?.cancel();
    return res.status !== 413;
  }

  // ---- tags and referrers -----------------------------------------------

  /** Every tag of a repository (follows `Link: <…>; rel="next"`). */
  async listTags(repo: string): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${repo}/tags/list?n=1000`;
    for (let pages = 0; path !== undefined && pages < 1000; pages++) {
      const res = await this.send(path, { scope: pullScope(repo), subject: repo });
      const body = (await res.json().catch(() => ({}))) as { tags?: unknown };
      if (Array.isArray(body.tags)) tags.push(...body.tags.filter((t): t is string => typeof t === "string"));
      const link = res.headers.get("link");
      const next = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1] : undefined;
      path = next === undefined ? undefined : new URL(next, this.base).toString();
    }
    return tags;
  }

  /**
   * Manifests that refer to `digest` (`GET /v2/<name>/referrers/<digest>`),
   * falling back to the `<alg>-<hex>` tag index on registries without the API.
   */
  async referrers(repo: string, digest: string, artifactType?: string): Promise<ImageIndex["manifests"]> {
    const q = artifactType === undefined ? "" : `?artifactType=${encodeURIComponent(artifactType)}`;
    const res = await this.send(`/v2/${repo}/referrers/${digest}${q}`, { scope: pullScope(repo), subject: digest, expect: [404] });
    let list: ImageIndex["manifests"] = [];
    const ct = res.headers.get("content-type") ?? "";
    if (res.status === 200 && ct.startsWith(MEDIA_OCI_INDEX)) {
      const doc = parseManifestDocument(new Uint8Array(await res.arrayBuffer()), ct);
      if (doc.kind === "index") list = doc.index.manifests;
    } else {
      await res.body?.cancel();
      const tagged = await this.getManifest(repo, digest.replace(":", "-"));
      if (tagged?.document.kind === "index") list = tagged.document.index.manifests;
    }
    return artifactType === undefined ? list : list.filter((m) => m.artifactType === artifactType);
  }
}

/** The next byte after `Range: 0-<last>` (0 when absent). */
export function rangeEnd(range: string | null): number {
  const m = range ? /^(?:bytes=)?0-(\d+)$/.exec(range.trim()) : null;
  return m && m[1] !== undefined ? Number(m[1]) + 1 : 0;
}
