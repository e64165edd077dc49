/**
 * URL artefacts of template sources (`source "qcow2"|"iso" { url sha256 }`),
 * downloaded once into `$XDG_CACHE_HOME/vmlab/downloads/` (PRD §6.1,
 * entity_template_sources.md).
 *
 * Theory of operation: the cache entry is named by the expected SHA-256, so
 * a file that exists under that name has been verified and is used as is.
 * A download goes to `<name>.part`; an interrupted one resumes with an HTTP
 * `Range` request (a server that answers 200 instead of 206 restarts it).
 * When the body is complete the file is hashed; a mismatch deletes it and
 * fails with both digests, a match renames it into place (atomic), so a bad
 * or half-downloaded file is never used.
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, join } from "node:path";
import { CodedError } from "../errors/mod.ts";
import { sha256File } from "../store/inspect.ts";

/** Progress: bytes done of total (total 0 when the server does not say). */
export type ByteProgress = (done: number, total: number) => void;

export interface DownloadOptions {
  readonly cacheDir: string;
  readonly onProgress?: ByteProgress;
  readonly fetch?: typeof fetch;
}

/** The cache path of a verified artefact (whether or not it is there yet). */
export function cachedArtefact(cacheDir: string, url: string, sha256: string): string {
  const name = basename(new URL(url).pathname).replace(/[^A-Za-z0-9._-]/g, "_") || "artefact";
  return join(cacheDir, `${sha256.toLowerCase()}-${name}`);
}

/** Download `url` (or find it in the cache) and verify its SHA-256; returns the local path. */
export async function downloadVerified(url: string, sha256: string, opts: DownloadOptions): Promise<string> {
  const want = sha256.toLowerCase();
  const dest = cachedArtefact(opts.cacheDir, url, want);
  if (existsSync(dest)) return dest;
  mkdirSync(opts.cacheDir, { recursive: true });
  const part = `${dest}.part`;
  const have = existsSync(part) ? statSync(part).size : 0;
  const f = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await f(url, have > 0 ? { headers: { Range: `bytes=${have}-` } } : {});
  } catch (e) {
    throw new CodedError("build.download_failed", `cannot download ${url}: ${(e as Error).message}`, {
      subject: url,
      hint: "check the URL and the network; the build resumes the download when run again",
    });
  }
  if (res.status === 416 && have > 0) {
    // The part file is already complete (or longer than the resource): verify what we have.
  } else if (!res.ok || !res.body) {
    throw new CodedError("build.download_failed", `cannot download ${url}: HTTP ${res.status} ${res.statusText}`.trim(), {
      subject: url,
      hint: "check the URL",
    });
  } else {
    const resumed = res.status === 206;
    const total = Number(res.headers.get("content-length") ?? 0) + (resumed ? have : 0);
    const fd = openSync(part, resumed ? "a" : "w");
    let done = resumed ? have : 0;
    try {
      for await (const chunk of res.body) {
        writeSync(fd, chunk);
        done += chunk.byteLength;
        opts.onProgress?.(done, total);
      }
    } catch (e) {
      throw new CodedError("build.download_failed", `download of ${url} broke off after ${done} bytes: ${(e as Error).message}`, {
        subject: url,
        hint: "run the build again: the download resumes where it stopped",
      });
    } finally {
      closeSync(fd);
    }
  }
  const got = await sha256File(part);
  if (got !== want) {
    rmSync(part, { force: true });
    throw new CodedError("build.hash_mismatch", `downloaded ${url} has sha256 ${got}, but the template expects ${want}`, {
      subject: url,
      hint: "the file was deleted; fix `sha256` in the source block (or the URL) and build again",
      detail: { expected: want, actual: got },
    });
  }
  renameSync(part, dest);
  return dest;
}
