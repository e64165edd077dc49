/**
 * Reading source files (lab files, imports, profiles, the host config,
 * scripts) safely: only regular files, at most `SOURCE_FILE_MAX_BYTES`, and
 * never blocking on a FIFO. Issue #19: a lab file symlinked to /dev/zero or
 * a FIFO hung `validate` at 10 GB of memory.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

/**
 * The largest lab, import, profile, host config or script file read (8 MiB):
 * real ones are kilobytes; a symlink to a huge file must not exhaust memory.
 */
export const SOURCE_FILE_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Read a regular file of at most `max` bytes. Opened non-blocking so a FIFO
 * cannot hang the open; devices and FIFOs are refused after `fstat`; the read
 * stops at `max + 1` bytes whatever `fstat` said (a file may grow).
 */
export function readSourceFile(path: string, max = SOURCE_FILE_MAX_BYTES): { text: string } | { problem: string } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return { problem: (e as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : `cannot be opened (${(e as Error).message})` };
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { problem: "is a directory" };
    if (!st.isFile()) return { problem: "is not a regular file (a device, FIFO or socket)" };
    if (st.size > max) return { problem: `is ${st.size} bytes, over the ${max}-byte limit for source files` };
    const buf = Buffer.alloc(Math.min(max + 1, Math.max(st.size, 0) + 1));
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n === buf.length) return { problem: `grew over the ${max}-byte limit for source files while being read` };
    }
    return { text: buf.subarray(0, n).toString("utf8") };
  } catch (e) {
    return { problem: `cannot be read (${(e as Error).message})` };
  } finally {
    closeSync(fd);
  }
}
