/**
 * Staging areas inside the store root — the "temp" half of temp + rename.
 *
 * Contract: every write first builds a complete template directory under
 * `<root>/.staging/<pid>-<uuid>/`, on the same file system as its final
 * place, so that moving it in is one `rename(2)`: a reader sees either no
 * template or a whole one. Replaced and removed templates are renamed into a
 * staging name too and deleted afterwards, outside the store lock. A process
 * that dies mid-write leaves its staging directory behind; `sweepStaging`
 * deletes those whose pid is gone (every write calls it first).
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pidAlive } from "./lock.ts";

export const STAGING_DIR = ".staging";

/** A fresh, empty staging directory owned by this process. */
export function createStaging(root: string): string {
  const dir = join(root, STAGING_DIR, `${process.pid}-${crypto.randomUUID()}`);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  return dir;
}

/** A staging name (not created) to rename something away to. */
export function trashName(root: string): string {
  mkdirSync(join(root, STAGING_DIR), { recursive: true });
  return join(root, STAGING_DIR, `${process.pid}-${crypto.randomUUID()}-old`);
}

/** Delete staging directories left by processes that no longer run. */
export function sweepStaging(root: string, isAlive: (pid: number) => boolean = pidAlive): string[] {
  let names: string[];
  try {
    names = readdirSync(join(root, STAGING_DIR));
  } catch {
    return [];
  }
  const swept: string[] = [];
  for (const n of names) {
    const pid = Number(n.split("-")[0]);
    if (Number.isInteger(pid) && pid > 0 && (pid === process.pid || isAlive(pid))) continue;
    rmSync(join(root, STAGING_DIR, n), { recursive: true, force: true });
    swept.push(n);
  }
  return swept;
}
