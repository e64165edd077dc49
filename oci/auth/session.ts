/**
 * Per-registry authentication state: which scheme the registry asked for,
 * the credential (looked up once, lazily) and Bearer tokens cached per scope
 * until they expire (Docker token authentication specification: `GET
 * <realm>?service=…&scope=…`, Basic credentials when we have them, answer
 * `{token | access_token, expires_in, issued_at}`).
 *
 * Contract: `header(scope)` gives the Authorization header to send now (or
 * undefined); `challenged(response, scope)` learns from a 401 and says
 * whether a retry can succeed. Secrets stay inside this object: errors name
 * the host, the realm and the credential source, never the secret.
 */
import { CodedError } from "../../core/errors/mod.ts";
import { parseChallenges } from "./challenge.ts";
import type { Credential, FoundCredential } from "./credentials.ts";

/** Lifetime assumed for a token whose answer has no `expires_in` (the spec's default). */
export const DEFAULT_TOKEN_SECONDS = 60;
/** Tokens are renewed this long before they expire. */
export const TOKEN_EARLY_RENEW_MS = 5_000;

interface Token {
  readonly value: string;
  readonly expires: number;
}

export interface AuthSessionOptions {
  readonly host: string;
  readonly lookup: () => Promise<FoundCredential | undefined>;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

export class AuthSession {
  #scheme: "none" | "basic" | "bearer" | "unknown" = "unknown";
  #realm: string | undefined;
  #service: string | undefined;
  #found: Promise<FoundCredential | undefined> | undefined;
  readonly #tokens = new Map<string, Token>();
  readonly #opts: AuthSessionOptions;

  constructor(opts: AuthSessionOptions) {
    this.#opts = opts;
  }

  private now(): number {
    return (this.#opts.now ?? Date.now)();
  }

  private credential(): Promise<FoundCredential | undefined> {
    this.#found ??= this.#opts.lookup();
    return this.#found;
  }

  /** The header for a request needing `scope`; fetches a token first when the registry uses Bearer. */
  async header(scope: string): Promise<string | undefined> {
    if (this.#scheme === "basic") {
      const c = await this.credential();
      return c ? basic(c.credential) : undefined;
    }
    if (this.#scheme === "bearer") {
      const t = this.#tokens.get(scope);
      if (t && t.expires - TOKEN_EARLY_RENEW_MS > this.now()) return `Bearer ${t.value}`;
      return `Bearer ${await this.fetchToken(scope)}`;
    }
    return undefined;
  }

  /** Learn from a 401; true when a retry with new credentials may succeed. */
  async challenged(res: Response, scope: string, sent: string | undefined): Promise<boolean> {
    const challenges = parseChallenges(res.headers.get("www-authenticate"));
    const bearer = challenges.find((c) => c.scheme === "bearer");
    const basicC = challenges.find((c) => c.scheme === "basic");
    if (bearer && bearer.params.realm) {
      const was = this.#scheme;
      this.#scheme = "bearer";
      this.#realm = bearer.params.realm;
      this.#service = bearer.params.service;
      const cached = this.#tokens.get(scope);
      if (cached && sent === `Bearer ${cached.value}`) {
        this.#tokens.delete(scope);
        return false; // a fresh token for this scope was refused: not allowed
      }
      return was !== "bearer" || sent === undefined || !sent.startsWith("Bearer ");
    }
    if (basicC) {
      const first = this.#scheme !== "basic";
      this.#scheme = "basic";
      const c = await this.credential();
      if (!c) throw this.unauthorized(undefined);
      if (!first && sent !== undefined) throw this.unauthorized(c);
      return true;
    }
    return false;
  }

  /** The error for a refused request. */
  unauthorized(found: FoundCredential | undefined, status = 401): CodedError {
    const host = this.#opts.host;
    if (status === 403)
      return new CodedError("oci.forbidden", `registry ${host} refused access`, {
        subject: host,
        hint: found ? `the credentials from ${found.source} lack the permission` : `log in: vmlab template login ${host} -u <user> --password-stdin`,
      });
    return found
      ? new CodedError("oci.unauthorized", `registry ${host} rejected the credentials from ${found.source}`, {
          subject: host,
          hint: `log in again: vmlab template login ${host} -u <user> --password-stdin`,
        })
      : new CodedError("oci.unauthorized", `registry ${host} needs credentials`, {
          subject: host,
          hint: `log in: vmlab template login ${host} -u <user> --password-stdin`,
        });
  }

  async lastCredential(): Promise<FoundCredential | undefined> {
    return this.#found === undefined ? undefined : this.#found;
  }

  private async fetchToken(scope: string): Promise<string> {
    const realm = this.#realm;
    if (realm === undefined)
      throw new CodedError("oci.auth_failed", `registry ${this.#opts.host} asked for a token without a realm`, { subject: this.#opts.host });
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new CodedError("oci.auth_failed", `registry ${this.#opts.host} named an invalid token realm "${realm}"`, { subject: this.#opts.host });
    }
    if (this.#service !== undefined) url.searchParams.set("service", this.#service);
    for (const s of scope.split(" ").filter(Boolean)) url.searchParams.append("scope", s);
    const found = await this.credential();
    const headers: Record<string, string> = {};
    if (found && found.credential.username !== "<token>") headers.authorization = basic(found.credential);
    let res: Response;
    try {
      res = await (this.#opts.fetch ?? fetch)(url, { headers });
    } catch (e) {
      throw new CodedError("oci.unreachable", `cannot reach the token service ${url.origin}${url.pathname}: ${(e as Error).message}`, {
        subject: url.host,
        hint: "check the network",
      });
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw this.unauthorized(found, res.status);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new CodedError("oci.auth_failed", `token service ${url.origin}${url.pathname} answered ${res.status}`, {
        subject: this.#opts.host,
        hint: "try again later",
      });
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw new CodedError("oci.auth_failed", `token service ${url.origin}${url.pathname} answered something that is not JSON`, { subject: this.#opts.host });
    }
    const value = typeof body.token === "string" && body.token ? body.token : typeof body.access_token === "string" ? body.access_token : undefined;
    if (!value) throw new CodedError("oci.auth_failed", `token service ${url.origin}${url.pathname} gave no token`, { subject: this.#opts.host });
    const seconds = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_SECONDS;
    const issued = typeof body.issued_at === "string" ? Date.parse(body.issued_at) : Number.NaN;
    const start = Number.isFinite(issued) ? Math.min(issued, this.now()) : this.now();
    this.#tokens.set(scope, { value, expires: start + seconds * 1000 });
    return value;
  }
}

function basic(c: Credential): string {
  return `Basic ${Buffer.from(`${c.username}:${c.secret}`).toString("base64")}`;
}
