/**
 * Streams bytes that come from a guest into a host file (issue #19 items 3, 6).
 *
 * Contract: `writeHostFile(target, source)` writes `source` chunk by chunk to
 * a fresh temporary file beside `target` (created with O_EXCL|O_NOFOLLOW, so
 * it never writes through a planted link) and renames it over `target` only
 * when the source ended cleanly — a failed or cancelled copy leaves no partial
 * file. `target` must be absent or a regular file (`assertReplaceable`,
 * checked before the first byte and again before the rename). Memory stays at one chunk whatever the size. Before each chunk the
 * bytes written are checked against the free space of the destination's file
 * system minus `CP_DISK_RESERVE_BYTES`: a guest file without end (`/dev/zero`)
 * stops with `cp.no_space` naming the destination instead of filling the
 * host's disk. On any failure the source is cancelled (its iterator
 * returned), which makes the lab daemon close the guest file.
 */
import { closeSync, constants, openSync, renameSync, statfsSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { CodedError } from "../errors/mod.ts";
import { assertReplaceable } from "./replace.ts";

/** Free space a copy from a guest always leaves on the destination's file system. */
export const CP_DISK_RESERVE_BYTES = 64 * 1024 * 1024;

export interface HostSinkOptions {
  /** Free bytes on the file system holding `dir` (default: statfs). Injected by tests. */
  freeBytes?: (dir: string) => number;
  /** Free space to leave (default `CP_DISK_RESERVE_BYTES`). */
  reserveBytes?: number;
  /** Permission bits of the new file before the umask (default 0o666). */
  mode?: number;
  /** What to name in errors (default `target`). */
  subject?: string;
  /** What the destination is, for `fs.not_regular_file` (default "copy destination"). */
  what?: string;
}

/** Bytes available to an unprivileged writer on the file system holding `dir`. */
export function freeBytesAt(dir: string): number {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/** Writes `source` to `target` atomically and within the free disk space; returns the byte count. */
export async function writeHostFile(target: string, source: AsyncIterable<Uint8Array>, opts: HostSinkOptions = {}): Promise<number> {
  const dir = dirname(target);
  const subject = opts.subject ?? target;
  const free = opts.freeBytes ?? freeBytesAt;
  const reserve = opts.reserveBytes ?? CP_DISK_RESERVE_BYTES;
  const what = opts.what ?? "copy destination";
  try {
    assertReplaceable(target, what);
  } catch (e) {
    await cancel(source);
    throw e;
  }
  const tmp = join(dir, `.${basename(target)}.vmlab-tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, opts.mode ?? 0o666);
  let written = 0;
  let limit = Math.max(0, free(dir) - reserve);
  let ok = false;
  try {
    for await (const chunk of source) {
      // Measure again before refusing: space may have been freed meanwhile.
      if (written + chunk.length > limit) limit = written + Math.max(0, free(dir) - reserve);
      if (written + chunk.length > limit) {
        throw new CodedError("cp.no_space", `not enough free space in ${dir} for ${subject}: stopped after ${written} bytes`, {
          subject,
          detail: { written, reserveBytes: reserve },
          hint: `free space on that file system, or copy to another one (a copy always leaves ${Math.round(reserve / 1048576)} MiB free; a guest device such as /dev/zero never ends)`,
        });
      }
      for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off, chunk.length - off);
      written += chunk.length;
    }
    ok = true;
  } finally {
    closeSync(fd);
    if (!ok) unlinkSafe(tmp);
  }
  try {
    assertReplaceable(target, what);
    renameSync(tmp, target);
  } catch (e) {
    unlinkSafe(tmp);
    throw e;
  }
  return written;
}

/** Tells the source we will not read it (the lab daemon then closes the guest file). */
async function cancel(source: AsyncIterable<Uint8Array>): Promise<void> {
  try {
    await source[Symbol.asyncIterator]().return?.();
  } catch {
    // already finished
  }
}

function unlinkSafe(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
