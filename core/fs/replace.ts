/**
 * The rule for every atomic write that renames over a path a user named
 * (`template export <out>`, `vm.copy_from(…, host)`, screenshots, `wscripti
 * -o`, `cp vm:… <dest>`): the destination is either absent or a regular
 * file. `rename(2)` over a symlink or a device node replaces the node itself
 * — as root that could swap `/dev/sda` for a regular file — so anything else
 * is refused with a coded error before the temp file is written, and checked
 * again just before the rename.
 *
 * Issue #19 item 7. Imports nothing of vmlab but the error model.
 */
import { lstatSync, type Stats } from "node:fs";
import { CodedError } from "../errors/mod.ts";

/** What a non-regular node is, for the message. */
function describeNode(st: Stats): string {
  if (st.isSymbolicLink()) return "a symbolic link";
  if (st.isDirectory()) return "a directory";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device node";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * Throw `fs.not_regular_file` when `path` exists and is not a regular file
 * (symlinks are not followed: a symlink is refused, whatever it points at).
 * `what` names the destination in the message ("export destination").
 */
export function assertReplaceable(path: string, what: string): void {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new CodedError("fs.unreadable", `cannot inspect ${what} ${path}: ${(e as Error).message}`, { subject: path });
  }
  if (st.isFile()) return;
  throw new CodedError("fs.not_regular_file", `${what} ${path} is ${describeNode(st)}; refusing to replace it`, {
    subject: path,
    hint: "write to a new or regular file (name the symlink's target itself if that is what you mean)",
  });
}
