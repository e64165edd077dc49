/**
 * Where registry credentials come from, in this order:
 * 1. vmlab's own login file (written by `vmlab template login`, mode 0600);
 * 2. `$REGISTRY_AUTH_FILE` (containers-auth.json: the same `auths` shape);
 * 3. the Docker config (`$DOCKER_CONFIG/config.json`, else
 *    `~/.docker/config.json`): `credHelpers[host]`, then `credsStore`, then
 *    `auths[host].auth` (base64 `user:password`) or `username`/`password`.
 * Helpers are run as `docker-credential-<name> get` with the host on stdin
 * (the docker-credential-helpers protocol), so secrets never reach argv.
 *
 * Contract: `findCredential` returns undefined when no source knows the
 * host; a helper that is missing or fails for another reason than "not
 * found" is an `oci.credential_helper_failed` error naming the helper, never
 * the secret. Keys in `auths` match with or without scheme and path
 * (`https://index.docker.io/v1/` is Docker Hub).
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CodedError } from "../../core/errors/mod.ts";
import { DOCKER_HUB, DOCKER_HUB_API } from "../reference.ts";

export interface Credential {
  readonly username: string;
  readonly secret: string;
}

export interface FoundCredential {
  readonly credential: Credential;
  /** Human label of the source (a file path or `docker-credential-<x>`), for messages. */
  readonly source: string;
}

/** Runs `docker-credential-<helper> get`; undefined when the helper has no entry for the host. */
export type HelperRunner = (helper: string, serverUrl: string) => Promise<Credential | undefined>;

export interface CredentialSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string;
  /** vmlab's own login file; omitted: not consulted. */
  readonly loginFile?: string;
  readonly runHelper?: HelperRunner;
}

/** Hub's historic key in Docker config files. */
const HUB_KEYS = [DOCKER_HUB, "index.docker.io", DOCKER_HUB_API, "https://index.docker.io/v1/"];

function normalizeKey(key: string): string {
  return key
    .replace(/^[a-z]+:\/\//i, "")
    .replace(/\/.*$/, "")
    .toLowerCase();
}

function hostMatches(key: string, host: string): boolean {
  const k = normalizeKey(key);
  const h = host.toLowerCase();
  if (k === h) return true;
  const hub = HUB_KEYS.map(normalizeKey);
  return hub.includes(k) && hub.includes(h);
}

interface AuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
  identitytoken?: unknown;
}

function readJson(path: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    throw new CodedError("oci.auth_file_invalid", `credential file ${path} is not valid JSON`, { subject: path, hint: "fix or remove the file" });
  }
}

function fromAuths(doc: Record<string, unknown> | undefined, host: string): Credential | undefined {
  const auths = doc?.auths;
  if (typeof auths !== "object" || auths === null) return undefined;
  for (const [key, value] of Object.entries(auths as Record<string, AuthEntry>)) {
    if (!hostMatches(key, host) || typeof value !== "object" || value === null) continue;
    if (typeof value.auth === "string" && value.auth.length > 0) {
      const plain = Buffer.from(value.auth, "base64").toString("utf8");
      const colon = plain.indexOf(":");
      if (colon > 0) return { username: plain.slice(0, colon), secret: plain.slice(colon + 1) };
    }
    if (typeof value.username === "string" && typeof value.password === "string") return { username: value.username, secret: value.password };
    if (typeof value.identitytoken === "string") return { username: "<token>", secret: value.identitytoken };
  }
  return undefined;
}

function helperFor(doc: Record<string, unknown> | undefined, host: string): string | undefined {
  const helpers = doc?.credHelpers;
  if (typeof helpers === "object" && helpers !== null) {
    for (const [key, name] of Object.entries(helpers as Record<string, unknown>)) {
      if (hostMatches(key, host) && typeof name === "string" && name.length > 0) return name;
    }
  }
  return typeof doc?.credsStore === "string" && doc.credsStore.length > 0 ? doc.credsStore : undefined;
}

/** The Docker config file in effect. */
export function dockerConfigPath(env: Readonly<Record<string, string | undefined>>, home: string): string {
  return join(env.DOCKER_CONFIG || join(home, ".docker"), "config.json");
}

/** Credentials for `host`, or undefined (anonymous). */
export async function findCredential(host: string, src: CredentialSources): Promise<FoundCredential | undefined> {
  if (src.loginFile !== undefined) {
    const c = fromAuths(readJson(src.loginFile), host);
    if (c) return { credential: c, source: src.loginFile };
  }
  const authFile = src.env.REGISTRY_AUTH_FILE;
  if (authFile) {
    const c = fromAuths(readJson(authFile), host);
    if (c) return { credential: c, source: authFile };
  }
  const dockerFile = dockerConfigPath(src.env, src.home);
  const doc = readJson(dockerFile);
  const helper = helperFor(doc, host);
  if (helper !== undefined) {
    const serverUrl = HUB_KEYS.includes(host) ? "https://index.docker.io/v1/" : host;
    const c = await (src.runHelper ?? runCredentialHelper)(helper, serverUrl);
    if (c) return { credential: c, source: `docker-credential-${helper}` };
  }
  const c = fromAuths(doc, host);
  return c ? { credential: c, source: dockerFile } : undefined;
}

/** The docker-credential-helpers `get` protocol: server URL on stdin, JSON on stdout. */
export const runCredentialHelper: HelperRunner = async (helper, serverUrl) => {
  const bin = `docker-credential-${helper}`;
  if (!/^[A-Za-z0-9._-]+$/.test(helper))
    throw new CodedError("oci.credential_helper_failed", `credential helper name "${helper}" is not valid`, {
      subject: bin,
      hint: "fix credHelpers/credsStore in the Docker config",
    });
  let proc;
  try {
    proc = Bun.spawn([bin, "get"], { stdin: new TextEncoder().encode(serverUrl), stdout: "pipe", stderr: "pipe" });
  } catch {
    throw new CodedError("oci.credential_helper_failed", `credential helper ${bin} is not installed`, {
      subject: bin,
      hint: `install ${bin} or remove it from the Docker config`,
    });
  }
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) {
    if (/credentials not found/i.test(out + err)) return undefined;
    throw new CodedError("oci.credential_helper_failed", `credential helper ${bin} failed (exit ${code})`, {
      subject: bin,
      hint: "run it by hand to see why: echo <host> | " + bin + " get",
    });
  }
  let v: { Username?: unknown; Secret?: unknown };
  try {
    v = JSON.parse(out) as typeof v;
  } catch {
    throw new CodedError("oci.credential_helper_failed", `credential helper ${bin} printed something that is not JSON`, {
      subject: bin,
      hint: "check the helper",
    });
  }
  if (typeof v.Username !== "string" || typeof v.Secret !== "string" || v.Secret === "") return undefined;
  return { username: v.Username, secret: v.Secret };
};

/** Store a login in vmlab's own file (created 0600; written by temp + rename). */
export function saveLogin(loginFile: string, host: string, cred: Credential): void {
  const doc = readJson(loginFile) ?? {};
  const auths = { ...((doc.auths as Record<string, unknown> | undefined) ?? {}) };
  for (const k of Object.keys(auths)) if (hostMatches(k, host)) delete auths[k];
  auths[host] = { auth: Buffer.from(`${cred.username}:${cred.secret}`).toString("base64") };
  writePrivate(loginFile, { ...doc, auths });
}

/** Forget a login; true when there was one. */
export function removeLogin(loginFile: string, host: string): boolean {
  const doc = readJson(loginFile);
  if (!doc || typeof doc.auths !== "object" || doc.auths === null) return false;
  const auths = { ...(doc.auths as Record<string, unknown>) };
  const keys = Object.keys(auths).filter((k) => hostMatches(k, host));
  if (keys.length === 0) return false;
  for (const k of keys) delete auths[k];
  writePrivate(loginFile, { ...doc, auths });
  return true;
}

function writePrivate(path: string, doc: unknown): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new CodedError("oci.auth_file_unwritable", `cannot write ${path}: ${(e as Error).message}`, {
      subject: path,
      hint: "check the permissions of the directory",
    });
  }
}
