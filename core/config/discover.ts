/**
 * Find the lab file: `-f/--file` when given, else the nearest `vmlab.wcl`
 * walking up from the working directory, like git (PRD §4).
 */
import { dirname, join, resolve } from "node:path";
import { LAB_FILE } from "../store/paths.ts";

export type Discovery = { readonly ok: true; readonly file: string } | { readonly ok: false; readonly message: string; readonly hint: string };

/** `exists` is injected so tests can use a fake tree. */
export function discoverLabFile(cwd: string, explicit: string | undefined, exists: (path: string) => boolean): Discovery {
  if (explicit !== undefined) {
    const file = resolve(cwd, explicit);
    return exists(file) ? { ok: true, file } : { ok: false, message: `Cannot read lab file: ${file} does not exist`, hint: "check the path given to -f/--file" };
  }
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, LAB_FILE);
    if (exists(candidate)) return { ok: true, file: candidate };
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return { ok: false, message: `Cannot find ${LAB_FILE} in ${resolve(cwd)} or any parent directory`, hint: "run inside a lab directory or pass -f <file>" };
}
