/**
 * Content-addressed media cache (PRD §6.3): a folder is built into an image
 * once; building it again while nothing changed returns the same file.
 *
 * The key is a SHA-256 over the writer's format version, the request's
 * options (kind, label, boot images, size, FAT format) and, for every entry
 * of the folder in a fixed order, its relative path, type, mode and — files —
 * size and content digest, symlinks their target. Timestamps are not part of
 * the key. Content digests are memoised per file by (size, mtime, ctime,
 * inode) in `hashes.json` beside the images, as git's index does, so an
 * unchanged 4 GiB folder is checked by `stat` alone; a changed stat re-reads
 * the file.
 *
 * Images are `<cacheDir>/<key>.<iso|img>`, written to a temporary name and
 * renamed into place, so a reader never sees a half-written image and two
 * builds of the same key at once are both correct.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { writeFat, type FatFormat } from "./fat.ts";
import { writeIso, type IsoBootOptions } from "./iso.ts";
import { scanSource, walkFiles, type SourceDir } from "./source.ts";

/** Bumped whenever a writer's output for the same input changes. */
export const MEDIA_FORMAT_VERSION = 1;
/** Bytes hashed per read. */
const HASH_CHUNK_BYTES = 8 << 20;

/** What to build. Paths are absolute. */
export type MediaRequest =
  | { readonly kind: "iso"; readonly from: string; readonly label?: string; readonly boot?: IsoBootOptions }
  | { readonly kind: "floppy"; readonly from: string; readonly label?: string }
  | { readonly kind: "disk"; readonly from: string; readonly label?: string; readonly sizeBytes?: number; readonly format?: FatFormat };

export interface BuiltMedium {
  readonly path: string;
  readonly key: string;
  /** True when an image with this key already existed and nothing was written. */
  readonly reused: boolean;
  readonly bytes: number;
  /** QEMU drive format of the image. */
  readonly format: "raw";
}

interface HashMemo {
  [path: string]: { size: number; mtimeMs: number; ctimeMs: number; ino: number; sha256: string };
}

async function hashFile(path: string, buf: Buffer): Promise<string> {
  const h = new Bun.CryptoHasher("sha256");
  const fh = await open(path, "r");
  try {
    for (let off = 0; ; ) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, off);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      off += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return h.digest("hex");
}

function loadMemo(file: string): HashMemo {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as HashMemo;
  } catch {
    return {};
  }
}

/** The cache key of `req` over the folder `src`, updating `memo` with fresh digests. */
export async function mediaKey(req: MediaRequest, src: SourceDir, memo: HashMemo): Promise<string> {
  const h = new Bun.CryptoHasher("sha256");
  const { from: _from, ...opts } = req;
  h.update(JSON.stringify({ v: MEDIA_FORMAT_VERSION, ...opts }));
  let buf: Buffer | undefined;
  for (const [rel, e] of walkFiles(src)) {
    if (e.kind === "dir") h.update(`\0d\0${rel}\0${e.mode}`);
    else if (e.kind === "symlink") h.update(`\0l\0${rel}\0${e.target}`);
    else {
      const st = statSync(e.path);
      const m = memo[e.path];
      let sha: string;
      if (m && m.size === st.size && m.mtimeMs === st.mtimeMs && m.ctimeMs === st.ctimeMs && m.ino === st.ino) sha = m.sha256;
      else {
        buf ??= Buffer.allocUnsafe(HASH_CHUNK_BYTES);
        sha = await hashFile(e.path, buf);
        memo[e.path] = { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, sha256: sha };
      }
      h.update(`\0f\0${rel}\0${e.mode}\0${st.size}\0${sha}`);
    }
  }
  return h.digest("hex");
}

/**
 * Build `req` into `cacheDir` unless an image with the same key is already
 * there. Returns the image path (stable for the same content).
 */
export async function buildMedium(cacheDir: string, req: MediaRequest): Promise<BuiltMedium> {
  mkdirSync(cacheDir, { recursive: true });
  const src = scanSource(req.from);
  const memoFile = join(cacheDir, "hashes.json");
  const memo = loadMemo(memoFile);
  const key = await mediaKey(req, src, memo);
  const tmpMemo = `${memoFile}.${process.pid}.tmp`;
  writeFileSync(tmpMemo, JSON.stringify(memo));
  renameSync(tmpMemo, memoFile);
  const path = join(cacheDir, `${key.slice(0, 32)}.${req.kind === "iso" ? "iso" : "img"}`);
  if (existsSync(path)) return { path, key, reused: true, bytes: statSync(path).size, format: "raw" };
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const r =
      req.kind === "iso"
        ? await writeIso(req.from, tmp, { ...(req.label !== undefined ? { label: req.label } : {}), ...(req.boot ? { boot: req.boot } : {}) })
        : await writeFat(req.from, tmp, {
            ...(req.label !== undefined ? { label: req.label } : {}),
            ...(req.kind === "floppy"
              ? { format: "floppy" }
              : { partitioned: true, format: req.format ?? "auto", ...(req.sizeBytes !== undefined ? { sizeBytes: req.sizeBytes } : {}) }),
          });
    const fh = await open(tmp, "r+");
    await fh.sync().finally(() => fh.close()); // durable before it becomes visible under its key
    renameSync(tmp, path);
    return { path, key, reused: false, bytes: r.bytes, format: "raw" };
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
