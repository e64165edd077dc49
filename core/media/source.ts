/**
 * The folder a medium is built from, scanned once into an in-memory tree.
 *
 * Only metadata is kept (names, modes, sizes, times, symlink targets); file
 * contents stay on disk and the writers stream them. Entries are sorted by
 * name (code-unit order) so a scan is deterministic. Symlinks are kept as
 * symlinks (Rock Ridge records them); writers without symlinks (FAT, Joliet)
 * follow or skip them as they document. Other file types (sockets, FIFOs,
 * devices) are rejected: they cannot be put on a medium.
 */
import { lstatSync, readdirSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import { CodedError } from "../errors/mod.ts";

export interface SourceFile {
  readonly kind: "file";
  readonly name: string;
  /** Absolute path of the file on the host. */
  readonly path: string;
  readonly size: number;
  /** Permission bits (`0o7777` part of st_mode). */
  readonly mode: number;
  readonly mtimeMs: number;
  readonly ino: number;
}

export interface SourceSymlink {
  readonly kind: "symlink";
  readonly name: string;
  readonly path: string;
  readonly target: string;
  readonly mode: number;
  readonly mtimeMs: number;
}

export interface SourceDir {
  readonly kind: "dir";
  readonly name: string;
  readonly path: string;
  readonly mode: number;
  readonly mtimeMs: number;
  readonly children: readonly SourceEntry[];
}

export type SourceEntry = SourceFile | SourceSymlink | SourceDir;

/** Longest name a medium can hold (Rock Ridge NM and VFAT both stop at 255). */
export const MAX_NAME_BYTES = 255;

/** Scan `dir` recursively. Throws `media.bad_source` for unreadable or unsupported entries. */
export function scanSource(dir: string): SourceDir {
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    throw new CodedError("media.source_not_found", `media folder ${dir} does not exist`, {
      subject: dir,
      hint: "Create the folder or fix the `from` path (relative to the lab root).",
      cause: e,
    });
  }
  if (!st.isDirectory()) throw new CodedError("media.bad_source", `media source ${dir} is not a folder`, { subject: dir, hint: "`from` must name a folder." });
  return scanDir(dir, "", st.mode & 0o7777, st.mtimeMs);
}

function scanDir(path: string, name: string, mode: number, mtimeMs: number): SourceDir {
  const children: SourceEntry[] = [];
  let names: string[];
  try {
    names = readdirSync(path);
  } catch (e) {
    throw new CodedError("media.bad_source", `cannot read folder ${path}: ${(e as Error).message}`, { subject: path, cause: e });
  }
  names.sort();
  for (const n of names) {
    const p = join(path, n);
    if (Buffer.byteLength(n) > MAX_NAME_BYTES) throw new CodedError("media.bad_source", `name ${p} is longer than ${MAX_NAME_BYTES} bytes`, { subject: p });
    const st = lstatSync(p);
    const perm = st.mode & 0o7777;
    if (st.isDirectory()) children.push(scanDir(p, n, perm, st.mtimeMs));
    else if (st.isFile()) children.push({ kind: "file", name: n, path: p, size: st.size, mode: perm, mtimeMs: st.mtimeMs, ino: st.ino });
    else if (st.isSymbolicLink()) children.push({ kind: "symlink", name: n, path: p, target: readlinkSync(p), mode: perm, mtimeMs: st.mtimeMs });
    else
      throw new CodedError("media.bad_source", `${p} is neither a file, a folder nor a symlink`, {
        subject: p,
        hint: "Remove sockets, FIFOs and device nodes from the media folder.",
      });
  }
  return { kind: "dir", name, path, mode, mtimeMs, children };
}

/** Resolve a symlink for writers that cannot store links: the target's file or folder, or undefined when dangling. */
export function followLink(link: SourceSymlink): SourceFile | SourceDir | undefined {
  let st;
  try {
    st = statSync(link.path);
  } catch {
    return undefined;
  }
  if (st.isDirectory()) return scanDir(link.path, link.name, st.mode & 0o7777, st.mtimeMs);
  if (st.isFile()) return { kind: "file", name: link.name, path: link.path, size: st.size, mode: st.mode & 0o7777, mtimeMs: st.mtimeMs, ino: st.ino };
  return undefined;
}

/** Every file of a tree, depth first, with its path relative to the root ("a/b.txt"). */
export function* walkFiles(dir: SourceDir, prefix = ""): Generator<[string, SourceEntry]> {
  for (const c of dir.children) {
    const rel = prefix ? `${prefix}/${c.name}` : c.name;
    yield [rel, c];
    if (c.kind === "dir") yield* walkFiles(c, rel);
  }
}
