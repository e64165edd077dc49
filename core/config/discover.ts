/**
 * Find the lab file: `-f/--file` when given, else the nearest `vmlab.wcl`
 * walking up from the working directory, like git (PRD §4).
 *
 * Only a regular file is a lab file: a directory, FIFO, socket or device
 * node named by `-f` or found walking up is reported as what it is (a FIFO
 * or `/dev/zero` would otherwise hang the reader).
 */
import { dirname, join, resolve } from "node:path";
import { LAB_FILE } from "../store/paths.ts";
import type { FileKind } from "./context.ts";

export type Discovery = { readonly ok: true; readonly file: string } | { readonly ok: false; readonly message: string; readonly hint: string };

function notRegular(file: string, kind: "dir" | "other"): Discovery {
  return kind === "dir"
    ? { ok: false, message: `Cannot read lab file: ${file} is a directory`, hint: `pass the file itself, e.g. -f ${join(file, LAB_FILE)}` }
    : { ok: false, message: `Cannot read lab file: ${file} is not a regular file (a device, FIFO or socket)`, hint: "a lab file must be a regular file" };
}

/**
 * `kind` is injected so tests can use a fake tree; a boolean answer means
 * "a regular file is there" (true) or "nothing is there" (false).
 */
export function discoverLabFile(cwd: string, explicit: string | undefined, kind: (path: string) => FileKind | boolean | undefined): Discovery {
  const kindOf = (p: string): FileKind | undefined => {
    const k = kind(p);
    return k === true ? "file" : k === false ? undefined : k;
  };
  if (explicit !== undefined) {
    const file = resolve(cwd, explicit);
    const k = kindOf(file);
    if (k === "file") return { ok: true, file };
    if (k !== undefined) return notRegular(file, k);
    return { ok: false, message: `Cannot read lab file: ${file} does not exist`, hint: "check the path given to -f/--file" };
  }
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, LAB_FILE);
    const k = kindOf(candidate);
    if (k === "file") return { ok: true, file: candidate };
    if (k !== undefined) return notRegular(candidate, k);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return { ok: false, message: `Cannot find ${LAB_FILE} in ${resolve(cwd)} or any parent directory`, hint: "run inside a lab directory or pass -f <file>" };
}
