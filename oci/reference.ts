/**
 * Registry references: `host[:port]/repo[:tag][@digest]` with Docker's
 * defaults (distribution `reference` grammar).
 *
 * Contract: `parseReference` never throws; a malformed reference is
 * `{ ok: false, reason, hint }`. The first path component is a registry
 * host when it contains `.` or `:` or is `localhost`; otherwise the host is
 * `docker.io` and a one-component repository gets the `library/` prefix. A
 * reference without tag or digest means tag `latest`. Repository components
 * are lower-case `[a-z0-9]+` joined by `.`, `_`, `__` or dashes; tags are
 * `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`; digests are `algorithm:hex`.
 *
 * Leaves out: IPv6 literal hosts (`[::1]:5000`), which templates do not need.
 */

export interface Reference {
  /** Registry host as written (`ghcr.io`, `localhost:5000`, `docker.io`). */
  readonly host: string;
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

export type ReferenceResult = { readonly ok: true; readonly ref: Reference } | { readonly ok: false; readonly reason: string; readonly hint: string };

export const DOCKER_HUB = "docker.io";
/** The host Docker Hub's API actually answers on. */
export const DOCKER_HUB_API = "registry-1.docker.io";
export const DEFAULT_TAG = "latest";

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?$/;
const MAX_LENGTH = 255;

function bad(text: string, why: string, hint: string): ReferenceResult {
  return { ok: false, reason: `registry reference "${text}" ${why}`, hint };
}

/** Parse a registry reference. */
export function parseReference(text: string): ReferenceResult {
  const example = "e.g. ghcr.io/owner/linux-modern:1.0 or localhost:5000/team/base@sha256:…";
  if (text.length === 0) return bad(text, "is empty", example);
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return bad(text, `has a malformed digest "${digest}"`, "a digest is algorithm:hex, e.g. sha256:<64 hex digits>");
    if (digest.startsWith("sha256:") && !/^sha256:[0-9a-f]{64}$/.test(digest))
      return bad(text, `has a malformed sha256 digest "${digest}"`, "sha256 digests have 64 lower-case hex digits");
  }
  const parts = rest.split("/");
  const first = parts[0] ?? "";
  let host = DOCKER_HUB;
  if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost")) {
    host = first;
    parts.shift();
    if (!HOST.test(host)) return bad(text, `has an invalid registry host "${host}"`, example);
    const port = host.includes(":") ? Number(host.slice(host.lastIndexOf(":") + 1)) : 1;
    if (port < 1 || port > 65535) return bad(text, `has an invalid port in "${host}"`, "ports are 1–65535");
  }
  let tag: string | undefined;
  const last = parts[parts.length - 1] ?? "";
  const colon = last.indexOf(":");
  if (colon >= 0) {
    tag = last.slice(colon + 1);
    parts[parts.length - 1] = last.slice(0, colon);
    if (!TAG.test(tag)) return bad(text, `has an invalid tag "${tag}"`, "tags are letters, digits, _, . and -, at most 128, not starting with . or -");
  }
  if (parts.length === 0 || parts.some((p) => p.length === 0)) return bad(text, "has an empty path component", example);
  for (const p of parts) {
    if (!COMPONENT.test(p)) {
      const hint = p !== p.toLowerCase() ? "repository names are lower-case" : "repository components are letters and digits joined by ., _, __ or -";
      return bad(text, `has an invalid repository component "${p}"`, hint);
    }
  }
  if (host === DOCKER_HUB && parts.length === 1) parts.unshift("library");
  const repository = parts.join("/");
  if (repository.length > MAX_LENGTH) return bad(text, `has a repository name longer than ${MAX_LENGTH} characters`, "shorten the repository path");
  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;
  return { ok: true, ref: { host, repository, tag, digest } };
}

/** Canonical text: `host/repo:tag`, `host/repo@digest` or `host/repo:tag@digest`. */
export function formatReference(r: Reference): string {
  return `${r.host}/${r.repository}${r.tag === undefined ? "" : `:${r.tag}`}${r.digest === undefined ? "" : `@${r.digest}`}`;
}

/** What the manifest endpoint is addressed by: the digest when pinned, else the tag. */
export function manifestSelector(r: Reference): string {
  return r.digest ?? r.tag ?? DEFAULT_TAG;
}

/** The host the HTTP API answers on (Docker Hub's is not `docker.io`). */
export function apiHost(host: string): string {
  return host === DOCKER_HUB ? DOCKER_HUB_API : host;
}

/** Loopback hosts may be spoken to over plain HTTP without being listed as insecure. */
export function isLoopbackHost(host: string): boolean {
  const name = host.includes(":") ? host.slice(0, host.lastIndexOf(":")) : host;
  return name === "localhost" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}
