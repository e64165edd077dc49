/**
 * Copying a directory tree out of a guest onto the host without trusting the
 * guest (issue #19 item 1).
 *
 * The guest lists its own tree (`GUEST_TREE_SCRIPT`, run through the agent),
 * so every name in the listing is hostile input: a compromised guest may
 * answer `../../x`, `/etc/passwd`, a NUL inside a name, or a symlink to `/etc`
 * followed by `link/passwd`. The host side holds these rules:
 *
 * - A name is relative, non-empty, without NUL, and none of its components is
 *   empty, `.` or `..` — otherwise `cp.path_escape` / `cp.bad_name` naming the
 *   entry, and nothing is written (all names are checked before the first write).
 * - Parents are walked one component at a time with `lstat`: a parent that is
 *   a symlink or not a directory refuses the entry (`cp.path_escape`), so a
 *   symlink created earlier in the same copy is never followed.
 * - Guest symlinks are created as symlinks with the guest's target text; the
 *   host never resolves them. Files are written through a temp file opened
 *   with O_EXCL|O_NOFOLLOW and renamed over the entry (`writeHostFile`), which
 *   replaces a link rather than writing through it.
 * - Devices, FIFOs and sockets are skipped and reported.
 */
import { lstatSync, mkdirSync, renameSync, symlinkSync, unlinkSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { CodedError } from "../errors/mod.ts";
import { writeHostFile, type HostSinkOptions } from "../fs/host_sink.ts";

/** One entry of a guest's tree listing, relative to the copied directory. */
export interface GuestTreeEntry {
  readonly kind: "dir" | "file" | "symlink" | "other";
  /** Relative path as the guest wrote it (untrusted). */
  readonly path: string;
  /** Link text of a symlink (untrusted, never resolved on the host). */
  readonly target?: string;
}

/**
 * POSIX sh, run as `sh -c SCRIPT sh <dir>`: one record per entry below
 * `<dir>` as `kind NUL ./path NUL linktext NUL` (kind d, f, l or o).
 * `find` does not follow symlinks; NUL separators keep newlines in names intact.
 */
export const GUEST_TREE_SCRIPT = [
  'cd "$1" || exit 3',
  "find . -mindepth 1 -exec sh -c '",
  "for p do",
  '  if [ -L "$p" ]; then printf "l\\000%s\\000%s\\000" "$p" "$(readlink "$p")";',
  '  elif [ -d "$p" ]; then printf "d\\000%s\\000\\000" "$p";',
  '  elif [ -f "$p" ]; then printf "f\\000%s\\000\\000" "$p";',
  '  else printf "o\\000%s\\000\\000" "$p"; fi',
  "done' sh {} +",
].join("\n");

const KINDS: Record<string, GuestTreeEntry["kind"]> = { d: "dir", f: "file", l: "symlink", o: "other" };

/** Parses the output of `GUEST_TREE_SCRIPT`; a malformed listing is `cp.bad_listing`. */
export function parseGuestListing(out: Uint8Array, subject: string): GuestTreeEntry[] {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(out);
  const fields = text.split("\0");
  const bad = (why: string) =>
    new CodedError("cp.bad_listing", `cannot read the guest's listing of ${subject}: ${why}`, {
      subject,
      hint: "the guest needs a POSIX sh, find and readlink (busybox has them)",
    });
  if (fields.pop() !== "" || fields.length % 3 !== 0) throw bad("it is not a sequence of NUL-terminated records");
  const entries: GuestTreeEntry[] = [];
  for (let i = 0; i < fields.length; i += 3) {
    const kind = KINDS[fields[i] as string];
    if (!kind) throw bad(`unknown entry kind ${JSON.stringify(fields[i])}`);
    let path = fields[i + 1] as string;
    if (path.startsWith("./")) path = path.slice(2);
    entries.push(kind === "symlink" ? { kind, path, target: fields[i + 2] as string } : { kind, path });
  }
  return entries;
}

/** The components of an entry name, or the coded error refusing it. */
export function entryComponents(path: string, subject: string): string[] {
  const refuse = (code: string, why: string) =>
    new CodedError(code, `refusing guest entry ${JSON.stringify(path)} in ${subject}: ${why}`, {
      subject: path,
      hint: "the guest's listing names a path outside the copied directory; nothing was copied — check the guest",
    });
  if (path.includes("\0")) throw refuse("cp.bad_name", "the name contains a NUL byte");
  if (path === "") throw refuse("cp.bad_name", "the name is empty");
  if (path.startsWith("/")) throw refuse("cp.path_escape", "the name is absolute");
  const parts = path.split("/");
  for (const p of parts) {
    if (p === "..") throw refuse("cp.path_escape", "the name contains `..`");
    if (p === "" || p === ".") throw refuse("cp.bad_name", "the name has an empty or `.` component");
  }
  return parts;
}

/** Fetches one guest file (relative path) as a byte stream. */
export type FetchGuestFile = (relPath: string) => Promise<AsyncIterable<Uint8Array>>;

export interface TreeCopyResult {
  dirs: number;
  files: number;
  symlinks: number;
  /** Devices, FIFOs and sockets not copied. */
  skipped: string[];
}

/**
 * Writes a guest tree below `dest` (created if missing), refusing any entry that
 * would land outside it; see the module comment for the rules.
 */
export async function writeGuestTree(
  dest: string,
  entries: readonly GuestTreeEntry[],
  fetchFile: FetchGuestFile,
  subject: string,
  sink: HostSinkOptions = {},
): Promise<TreeCopyResult> {
  const root = resolve(dest);
  // Every name is checked before the first write.
  const checked = entries.map((e) => {
    if (e.kind === "symlink" && (e.target === undefined || e.target === "" || e.target.includes("\0"))) {
      throw new CodedError("cp.bad_name", `refusing guest symlink ${JSON.stringify(e.path)} in ${subject}: its target is empty or contains a NUL byte`, {
        subject: e.path,
      });
    }
    return { entry: e, parts: entryComponents(e.path, subject) };
  });
  mkdirSync(root, { recursive: true });
  const result: TreeCopyResult = { dirs: 0, files: 0, symlinks: 0, skipped: [] };
  for (const { entry, parts } of checked) {
    if (entry.kind === "other") {
      result.skipped.push(entry.path);
      continue;
    }
    const parent = containedParent(root, parts, entry.path, subject);
    const full = join(parent, parts[parts.length - 1] as string);
    if (!(full.startsWith(root + sep) && full.length > root.length + 1)) {
      throw escape(entry.path, subject, "it resolves outside the destination");
    }
    const existing = lstatOrUndefined(full);
    switch (entry.kind) {
      case "dir":
        if (existing === undefined) mkdirSync(full);
        else if (existing.isSymbolicLink() || !existing.isDirectory()) throw escape(entry.path, subject, "it exists on the host and is not a directory");
        result.dirs++;
        break;
      case "file":
        if (existing?.isDirectory()) throw escape(entry.path, subject, "it exists on the host as a directory");
        await writeHostFile(full, await fetchFile(entry.path), { ...sink, subject: entry.path });
        result.files++;
        break;
      case "symlink": {
        if (existing?.isDirectory()) throw escape(entry.path, subject, "it exists on the host as a directory");
        // Made beside the entry and renamed over it: replaces, never follows.
        const tmp = join(parent, `.${parts[parts.length - 1]}.vmlab-link-${process.pid}`);
        symlinkSync(entry.target as string, tmp);
        try {
          renameSync(tmp, full);
        } catch (e) {
          unlinkSync(tmp);
          throw e;
        }
        result.symlinks++;
        break;
      }
    }
  }
  return result;
}

function escape(path: string, subject: string, why: string): CodedError {
  return new CodedError("cp.path_escape", `refusing guest entry ${JSON.stringify(path)} in ${subject}: ${why}`, {
    subject: path,
    hint: "a symlink or file from the guest sits where a directory must be; the copy stopped there — check the guest",
  });
}

function lstatOrUndefined(p: string) {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return undefined;
    throw e;
  }
}

/** The entry's parent directory, created one real directory at a time; never through a symlink. */
function containedParent(root: string, parts: readonly string[], path: string, subject: string): string {
  let dir = root;
  for (const p of parts.slice(0, -1)) {
    dir = join(dir, p);
    const st = lstatOrUndefined(dir);
    if (st === undefined) mkdirSync(dir);
    else if (st.isSymbolicLink()) throw escape(path, subject, `its parent ${JSON.stringify(dir.slice(root.length + 1))} is a symlink`);
    else if (!st.isDirectory()) throw escape(path, subject, `its parent ${JSON.stringify(dir.slice(root.length + 1))} is not a directory`);
  }
  return dir;
}
