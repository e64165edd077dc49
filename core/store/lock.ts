/**
 * vmlab's one cross-process file lock (`FileLock`), and the template store's use
 * of it (`StoreLock`, the file `<root>/.lock`). The host-wide subnet registry of
 * running labs takes the same lock on its own file.
 *
 * Theory of operation: the lock is a file, e.g. `<root>/.lock`. To take it, a
 * process writes its record (pid, host, time, a random token, purpose) to a
 * private temp file and hard-links that to `.lock`; `link(2)` fails with
 * EEXIST when the lock is held, so creation is atomic and the lock is never
 * seen empty. The holder removes it on release, after checking the token is
 * still its own. A waiter polls until it gets the lock or `timeoutMs` passes
 * (→ the caller's timeout error; `store.lock_timeout` for the store). Waiting is
 * asynchronous (a timer between polls), so a daemon keeps serving meanwhile.
 *
 * Stale locks: a lock whose pid no longer exists on this host, or which is
 * older than `LOCK_STALE_AGE_MS` (pid reuse), or which cannot be parsed, is
 * broken — never merely because its holder is slow. Breaking is itself
 * serialised by a second lock, `<lock>.break` (`.lock.break`)
 * (same link trick), and the waiter re-reads `.lock` under it and only
 * unlinks it if it is byte-identical to the stale record it judged — so two
 * waiters cannot both break and one of them delete the other's fresh lock. A
 * breaker file left by a process that died in that tiny window is ignored
 * once older than `BREAKER_STALE_MS`.
 *
 * Critical sections are kept short (metadata checks and renames); copying,
 * converting and deleting large files happen outside the lock. Readers never
 * take the lock (PRD §3: reads are lock-free) — every write is a rename.
 *
 * Leaves out: NFS and multi-host stores (a pid is only judged on its own host).
 */
import { linkSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { CodedError } from "../errors/mod.ts";
import { StoreError } from "./errors.ts";

export const LOCK_FILE = ".lock";
/** The breaker file beside a lock file `x` is `x.break`. */
export const BREAK_SUFFIX = ".break";
export const BREAK_FILE = `${LOCK_FILE}${BREAK_SUFFIX}`;
/** How often a waiter looks at the lock again. */
export const LOCK_POLL_MS = 25;
/** How long a writer waits for the lock before giving up. */
export const LOCK_TIMEOUT_MS = 60_000;
/** A lock held this long is presumed abandoned (its pid was reused). */
export const LOCK_STALE_AGE_MS = 10 * 60_000;
/** A `.lock.break` older than this was left by a crashed waiter. */
export const BREAKER_STALE_MS = 10_000;

export interface LockRecord {
  readonly pid: number;
  readonly host: string;
  readonly acquired: number;
  readonly token: string;
  readonly purpose: string;
}

export interface LockOptions {
  readonly timeoutMs?: number;
  readonly pollMs?: number;
  /** Milliseconds since the epoch (injectable for tests). */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Whether a pid is running on this host. */
  readonly isAlive?: (pid: number) => boolean;
}

/** `FileLock.acquire` options: the waiting knobs plus what a timeout throws. */
export interface FileLockOptions extends LockOptions {
  /** The error thrown when `timeoutMs` passes; default a `lock.timeout` CodedError. */
  readonly timeoutError?: (path: string, holder: LockRecord | undefined) => Error;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/** A lock file's record as written by `acquire`; anything else is judged stale. */
const LockRecordSchema = z.object({
  pid: z.number().int(),
  host: z.string(),
  acquired: z.number(),
  token: z.string(),
  purpose: z.string().default(""),
});

function parseRecord(text: string): LockRecord | undefined {
  try {
    const r = LockRecordSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    // unparsable: judged stale below
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Atomically create `path` holding `text`; false when it already exists. */
function createExclusive(path: string, text: string): boolean {
  const tmp = `${path}.${process.pid}.${crypto.randomUUID()}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === "EEXIST") return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** The holder of the lock, for messages; undefined when free. */
export function lockHolder(root: string): LockRecord | undefined {
  const t = readText(join(root, LOCK_FILE));
  return t === undefined ? undefined : parseRecord(t);
}

/** A held lock on the file `path`; `release()` is idempotent. */
export class FileLock {
  private released = false;
  constructor(
    readonly path: string,
    readonly record: LockRecord,
  ) {}

  release(): void {
    if (this.released) return;
    this.released = true;
    const now = readText(this.path);
    if (now !== undefined && parseRecord(now)?.token === this.record.token) rmSync(this.path, { force: true });
  }

  /** Take the lock file `path` (its folder must exist), waiting for another holder if need be. */
  static async acquire(path: string, purpose: string, opts: FileLockOptions = {}): Promise<FileLock> {
    const now = opts.now ?? Date.now;
    const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const alive = opts.isAlive ?? pidAlive;
    const deadline = now() + (opts.timeoutMs ?? LOCK_TIMEOUT_MS);
    for (;;) {
      const record: LockRecord = { pid: process.pid, host: hostname(), acquired: now(), token: crypto.randomUUID(), purpose };
      if (createExclusive(path, JSON.stringify(record))) return new FileLock(path, record);
      const seen = readText(path);
      if (seen !== undefined && isStale(seen, now(), alive) && breakStale(path, seen)) continue;
      if (now() >= deadline) {
        const holder = seen === undefined ? undefined : parseRecord(seen);
        if (opts.timeoutError) throw opts.timeoutError(path, holder);
        const who = holder ? `process ${holder.pid} (${holder.purpose})` : "another process";
        throw new CodedError("lock.timeout", `cannot take the lock ${path}: ${who} holds it`, {
          subject: path,
          hint: "wait for the other vmlab process to finish and retry; if none is running, delete the lock file",
        });
      }
      await sleep(opts.pollMs ?? LOCK_POLL_MS);
    }
  }
}

/** The template store's lock, `<root>/.lock`. */
export class StoreLock extends FileLock {
  constructor(
    readonly root: string,
    record: LockRecord,
  ) {
    super(join(root, LOCK_FILE), record);
  }

  /** Take the lock on `root`, waiting for another holder if need be (→ `store.lock_timeout`). */
  static override async acquire(root: string, purpose: string, opts: LockOptions = {}): Promise<StoreLock> {
    const lock = await FileLock.acquire(join(root, LOCK_FILE), purpose, {
      ...opts,
      timeoutError: (path, holder) => {
        const who = holder ? `process ${holder.pid} (${holder.purpose})` : "another process";
        return new StoreError({
          code: "store.lock_timeout",
          path,
          message: `cannot lock the template store: ${who} holds ${path}`,
          hint: "wait for the other vmlab command to finish and retry; if no vmlab is running, delete the lock file",
        });
      },
    });
    return new StoreLock(root, lock.record);
  }
}

function isStale(text: string, now: number, alive: (pid: number) => boolean): boolean {
  const r = parseRecord(text);
  if (r === undefined) return true;
  if (now - r.acquired > LOCK_STALE_AGE_MS) return true;
  return r.host === hostname() && !alive(r.pid);
}

/** Remove the stale lock `seen` at `path`; false when another waiter is already at it. */
function breakStale(path: string, seen: string): boolean {
  const breaker = `${path}${BREAK_SUFFIX}`;
  try {
    // File times are wall-clock, so this compares with the real clock.
    if (Date.now() - statSync(breaker).mtimeMs > BREAKER_STALE_MS) rmSync(breaker, { force: true });
  } catch {
    // no breaker file: the usual case
  }
  if (!createExclusive(breaker, String(process.pid))) return false;
  try {
    if (readText(path) === seen) unlinkSync(path);
  } catch {
    // already gone
  } finally {
    rmSync(breaker, { force: true });
  }
  return true;
}
