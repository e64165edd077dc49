/**
 * The `fs` module (fact_fs_functions.md). Capability: granting this module
 * is what lets a script touch the filesystem. Fallible calls return
 * `Result[…, string]` with the OS error message. Listings and walks name
 * subdirectories too, with a trailing `/` as their kind; `size` and
 * `mtime_unix` work on directories as on files.
 */
import * as nfs from "node:fs";
import * as np from "node:path";
import { HostModule } from "../host.ts";
import { Err, None, Ok, Some } from "../rt/core.ts";

const wrap = <T>(f: () => T) => {
  try {
    return Ok(f());
  } catch (e) {
    return Err(e instanceof Error ? e.message : String(e));
  }
};

/** Is this entry a directory (following a symlink to one)? */
function isDir(dir: string, e: nfs.Dirent): boolean {
  if (e.isDirectory()) return true;
  if (!e.isSymbolicLink()) return false;
  try {
    return nfs.statSync(np.join(dir, e.name)).isDirectory();
  } catch {
    return false;
  }
}

/** The entries of `dir`, sorted; a subdirectory's name ends in `/` (its kind). */
function listDir(dir: string): string[] {
  return nfs
    .readdirSync(dir, { withFileTypes: true })
    .map((e) => (isDir(dir, e) ? `${e.name}/` : e.name))
    .sort();
}

/** Every file and subdirectory under `dir` (paths joined onto `dir`; directories end in `/`), sorted. */
function walk(dir: string, out: string[], seen = new Set<string>()): void {
  const real = nfs.realpathSync(dir);
  if (seen.has(real)) return; // a symlink loop
  seen.add(real);
  for (const e of nfs.readdirSync(dir, { withFileTypes: true })) {
    const p = np.join(dir, e.name);
    if (isDir(dir, e)) {
      out.push(`${p}/`);
      walk(p, out, seen);
    } else out.push(p);
  }
}

export function fsModule(): HostModule {
  const m = new HostModule("fs");
  m.portable = { factory: "fs", args: [] };
  return m
    .fn("read_to_string(path: string) -> Result[string, string]", ((p: string) => wrap(() => nfs.readFileSync(p, "utf8"))) as never)
    .fn("read_bytes(path: string) -> Result[List[int], string]", ((p: string) => wrap(() => [...nfs.readFileSync(p)])) as never)
    .fn("write(path: string, text: string) -> Result[unit, string]", ((p: string, t: string) =>
      wrap(() => {
        nfs.writeFileSync(p, t);
      })) as never)
    .fn("append(path: string, text: string) -> Result[unit, string]", ((p: string, t: string) =>
      wrap(() => {
        nfs.appendFileSync(p, t);
      })) as never)
    .fn("exists(path: string) -> bool", ((p: string) => nfs.existsSync(p)) as never)
    .fn("is_file(path: string) -> bool", ((p: string) => {
      try {
        return nfs.statSync(p).isFile();
      } catch {
        return false;
      }
    }) as never)
    .fn("is_dir(path: string) -> bool", ((p: string) => {
      try {
        return nfs.statSync(p).isDirectory();
      } catch {
        return false;
      }
    }) as never)
    .fn("list_dir(path: string) -> Result[List[string], string]", ((p: string) => wrap(() => listDir(p))) as never)
    .fn("create_dir(path: string) -> Result[unit, string]", ((p: string) =>
      wrap(() => {
        nfs.mkdirSync(p);
      })) as never)
    .fn("create_dir_all(path: string) -> Result[unit, string]", ((p: string) =>
      wrap(() => {
        nfs.mkdirSync(p, { recursive: true });
      })) as never)
    .fn("copy(from: string, to: string) -> Result[unit, string]", ((a: string, b: string) =>
      wrap(() => {
        nfs.copyFileSync(a, b);
      })) as never)
    .fn("rename(from: string, to: string) -> Result[unit, string]", ((a: string, b: string) =>
      wrap(() => {
        nfs.renameSync(a, b);
      })) as never)
    .fn("remove_file(path: string) -> Result[unit, string]", ((p: string) =>
      wrap(() => {
        nfs.unlinkSync(p);
      })) as never)
    .fn("remove_dir(path: string) -> Result[unit, string]", ((p: string) =>
      wrap(() => {
        nfs.rmdirSync(p);
      })) as never)
    .fn("size(path: string) -> Result[int, string]", ((p: string) => wrap(() => nfs.statSync(p).size)) as never)
    .fn("mtime_unix(path: string) -> Result[float, string]", ((p: string) => wrap(() => nfs.statSync(p).mtimeMs / 1000)) as never)
    .fn("walk(path: string) -> Result[List[string], string]", ((p: string) =>
      wrap(() => {
        const out: string[] = [];
        walk(p, out);
        return out.sort();
      })) as never)
    .fn("join(a: string, b: string) -> string", ((a: string, b: string) => np.join(a, b)) as never)
    .fn("parent(path: string) -> Option[string]", ((p: string) => {
      const d = np.dirname(p);
      return d === p || p === "" ? None : Some(d);
    }) as never)
    .fn("file_name(path: string) -> Option[string]", ((p: string) => {
      const b = np.basename(p);
      return b ? Some(b) : None;
    }) as never)
    .fn("ext(path: string) -> Option[string]", ((p: string) => {
      const e = np.extname(p);
      return e ? Some(e.slice(1)) : None;
    }) as never);
}
