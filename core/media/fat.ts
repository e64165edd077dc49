/**
 * FAT12/16/32 image writer with VFAT long names — from a folder, in-process,
 * streaming.
 *
 * Theory of operation. `writeFat` scans the folder (metadata only), counts
 * each directory's entries (label, "." / "..", long-name entries, short
 * entries), picks a geometry — the fixed 1.44 MB floppy, a given size, or
 * the smallest size that holds the content (grown 10 % at a time) — and
 * allocates clusters contiguously: the FAT32 root, every directory breadth
 * first, then every file in tree order. The FATs, the root directory and
 * all directory clusters are built in memory (metadata only); file contents
 * are then streamed from the host through a fixed buffer (`ImageSink`).
 * Free space is left as holes of the sparse output file.
 *
 * Type choice (`format: "auto"`): FAT16 up to 512 MiB, FAT32 above — the
 * usual defaults. `partitioned` puts the volume in the first partition of an
 * MBR disk at 1 MiB (what a fixed disk wants; floppies are never
 * partitioned). Symlinks to files are stored as the file; symlinks to
 * folders and dangling links are errors (FAT has no links). Timestamps are
 * stored as UTC.
 */
import { CodedError } from "../errors/mod.ts";
import { le16, le32 } from "./bytes.ts";
import { ATTR_ARCHIVE, ATTR_DIRECTORY, ATTR_VOLUME_ID, ENTRY, LFN_MAX, ShortNamer, lfnEntries, shortEntry } from "./fat_names.ts";
import { SECTOR_BYTES, bootSector, clusterBytes, firstDataSector, floppyGeometry, fsInfo, geometry, mbr, type FatType, type Geometry } from "./fat_geometry.ts";
import type { ImageResult } from "./iso.ts";
import { ImageSink } from "./sink.ts";
import { followLink, scanSource, type SourceDir, type SourceFile } from "./source.ts";

export type FatFormat = "floppy" | "auto" | "fat12" | "fat16" | "fat32";

export interface FatOptions {
  /** Volume label (≤ 11 characters, stored upper-case). */
  readonly label?: string;
  /** Default `auto`. `floppy` is a 1.44 MB FAT12 image. */
  readonly format?: FatFormat;
  /** Size of the whole image in bytes; default: sized to the content. */
  readonly sizeBytes?: number;
  /** Put the volume in an MBR partition at 1 MiB (default false). */
  readonly partitioned?: boolean;
}

/** Where a partitioned volume starts (sectors): 1 MiB, the usual alignment. */
export const PARTITION_START = 2048;
/** Auto format: FAT16 up to this volume size, FAT32 above. */
export const AUTO_FAT32_ABOVE = 512 << 20;
/** Smallest volumes we make per type (enough clusters for the type's range). */
const MIN_VOLUME_BYTES: Record<FatType, number> = { 12: 64 << 10, 16: 8 << 20, 32: 34 << 20 };
const ROOT_ENTRIES_DEFAULT = 512;
/** Largest file FAT can store. */
export const FAT_MAX_FILE = 0xffff_ffff;

interface FNode {
  readonly name: string;
  readonly kind: "file" | "dir";
  readonly src: SourceFile | SourceDir;
  readonly children: FNode[];
  entries: Uint8Array[];
  entryCount: number;
  cluster: number;
  clusters: number;
  parent: FNode | undefined;
  /** Directory: its children's short names and whether each needs long-name entries. */
  made: { node: FNode; short: Uint8Array; lfn: boolean }[];
}

function toFat(dir: SourceDir, parent: FNode | undefined): FNode {
  const n: FNode = { name: dir.name, kind: "dir", src: dir, children: [], entries: [], entryCount: 0, cluster: 0, clusters: 0, parent, made: [] };
  for (const c of dir.children) {
    let e: SourceFile | SourceDir | undefined = c.kind === "symlink" ? undefined : c;
    if (c.kind === "symlink") {
      const t = followLink(c);
      if (!t || t.kind === "dir")
        throw new CodedError("media.bad_source", `symlink ${c.path} ${t ? "points at a folder" : "is dangling"}; FAT cannot store it`, {
          subject: c.path,
          hint: "FAT images store symlinks to files as the file; replace this link by a copy or remove it.",
        });
      e = t;
    }
    if (!e) continue;
    if (e.kind === "file" && e.size > FAT_MAX_FILE)
      throw new CodedError("media.too_large", `${e.path} is larger than 4 GiB − 1 byte, the largest file FAT can store`, {
        subject: e.path,
        hint: "Use an ISO medium (multi-extent) for files this large.",
      });
    if (c.name.length > LFN_MAX) throw new CodedError("media.bad_source", `name ${c.path} is longer than ${LFN_MAX} characters`, { subject: c.path });
    n.children.push(
      e.kind === "dir"
        ? toFat(e, n)
        : { name: c.name, kind: "file", src: e, children: [], entries: [], entryCount: 0, cluster: 0, clusters: 0, parent: n, made: [] },
    );
  }
  return n;
}

function labelBytes(label: string | undefined): Uint8Array {
  const b = new Uint8Array(11).fill(0x20);
  const s = (label ?? "NO NAME")
    .toUpperCase()
    .replace(/[^A-Z0-9 _\-!#$%&'()@^{}~]/g, "_")
    .slice(0, 11);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

function dirs(root: FNode): FNode[] {
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const c of (out[i] as FNode).children) if (c.kind === "dir") out.push(c);
  return out;
}

function files(root: FNode, out: FNode[] = []): FNode[] {
  for (const c of root.children) {
    if (c.kind === "file") out.push(c);
    else files(c, out);
  }
  return out;
}

/** Assign short names, and count each directory's 32-byte entries. */
function nameEntries(root: FNode, label: string | undefined): void {
  for (const d of dirs(root)) {
    const namer = new ShortNamer();
    let count = d === root ? (label ? 1 : 0) : 2;
    const made: FNode["made"] = [];
    for (const c of d.children) {
      const { short, needsLfn } = namer.assign(c.name);
      made.push({ node: c, short, lfn: needsLfn });
      count += 1 + (needsLfn ? Math.ceil(c.name.length / 13) : 0);
    }
    d.entryCount = count;
    d.made = made;
  }
}

interface Layout {
  readonly g: Geometry;
  readonly nextFree: number;
}

/** Allocate clusters for `g`; undefined when the content does not fit. */
function allocate(root: FNode, g: Geometry): Layout | undefined {
  const cb = clusterBytes(g);
  let next = 2;
  for (const d of dirs(root)) {
    if (d === root && g.type !== 32) {
      if (d.entryCount > g.rootEntries) return undefined;
      d.cluster = 0;
      d.clusters = 0;
      continue;
    }
    d.clusters = Math.max(1, Math.ceil((d.entryCount * ENTRY) / cb));
    d.cluster = next;
    next += d.clusters;
  }
  for (const f of files(root)) {
    const size = (f.src as SourceFile).size;
    f.clusters = Math.ceil(size / cb);
    f.cluster = size === 0 ? 0 : next;
    next += f.clusters;
  }
  if (next - 2 > g.clusterCount) return undefined;
  return { g, nextFree: next };
}

function contentEstimate(root: FNode): number {
  let bytes = 0;
  for (const d of dirs(root)) bytes += d.entryCount * ENTRY + 4096;
  for (const f of files(root)) bytes += (f.src as SourceFile).size + 4096;
  return bytes;
}

function pickLayout(root: FNode, opts: FatOptions, label: string | undefined): Layout {
  const format = opts.format ?? "auto";
  const hidden = opts.partitioned ? PARTITION_START : 0;
  const rootCount = dirs(root)[0]?.entryCount ?? 0;
  const rootEntries = Math.max(ROOT_ENTRIES_DEFAULT, Math.ceil(rootCount / 16) * 16);
  const typeFor = (bytes: number): FatType =>
    format === "fat12" ? 12 : format === "fat16" ? 16 : format === "fat32" ? 32 : bytes <= AUTO_FAT32_ABOVE ? 16 : 32;
  const tooLarge = (what: string) =>
    new CodedError("media.too_large", `the folder does not fit on ${what}`, {
      subject: label ?? "",
      hint: "Remove files from the folder, give the disk a larger `size`, or use an ISO medium.",
    });
  if (format === "floppy") {
    const l = allocate(root, floppyGeometry());
    if (!l) throw tooLarge("a 1.44 MB floppy");
    return l;
  }
  if (opts.sizeBytes !== undefined) {
    const sectors = Math.floor(opts.sizeBytes / SECTOR_BYTES) - hidden;
    const type = typeFor(sectors * SECTOR_BYTES);
    const g = geometry(type, sectors, rootEntries, hidden) ?? geometry(type, sectors, rootEntries, hidden, 1);
    if (!g)
      throw new CodedError("media.bad_size", `${opts.sizeBytes} bytes is not a valid size for a FAT${type} volume`, {
        subject: label ?? "",
        hint: `FAT16 needs at least ${MIN_VOLUME_BYTES[16] >> 20} MiB, FAT32 at least ${MIN_VOLUME_BYTES[32] >> 20} MiB.`,
      });
    const l = allocate(root, g);
    if (!l) throw tooLarge(`a ${opts.sizeBytes}-byte disk`);
    return l;
  }
  let bytes = Math.ceil(contentEstimate(root) * 1.02) + (1 << 20);
  for (let i = 0; i < 40; i++) {
    const type = typeFor(bytes);
    bytes = Math.max(bytes, MIN_VOLUME_BYTES[type]);
    const sectors = Math.ceil(bytes / SECTOR_BYTES / 8) * 8;
    const g = geometry(type, sectors, rootEntries, hidden) ?? geometry(type, sectors, rootEntries, hidden, 1);
    const l = g && allocate(root, g);
    if (l) return l;
    bytes = Math.ceil(bytes * 1.1);
  }
  throw tooLarge("any FAT volume");
}

function encodeDirs(root: FNode, label: string | undefined, mtime: number): void {
  for (const d of dirs(root)) {
    const made = d.made;
    const out: Uint8Array[] = [];
    if (d === root && label) out.push(shortEntry({ short: labelBytes(label), attr: ATTR_VOLUME_ID, cluster: 0, size: 0, mtimeMs: mtime }));
    if (d !== root) {
      const dot = new Uint8Array(11).fill(0x20);
      dot[0] = 0x2e;
      const dotdot = dot.slice();
      dotdot[1] = 0x2e;
      out.push(shortEntry({ short: dot, attr: ATTR_DIRECTORY, cluster: d.cluster, size: 0, mtimeMs: d.src.mtimeMs }));
      const p = d.parent as FNode;
      out.push(shortEntry({ short: dotdot, attr: ATTR_DIRECTORY, cluster: p.parent === undefined ? 0 : p.cluster, size: 0, mtimeMs: p.src.mtimeMs }));
    }
    for (const m of made) {
      if (m.lfn) out.push(...lfnEntries(m.node.name, m.short));
      const isDir = m.node.kind === "dir";
      out.push(
        shortEntry({
          short: m.short,
          attr: isDir ? ATTR_DIRECTORY : ATTR_ARCHIVE,
          cluster: m.node.cluster,
          size: isDir ? 0 : (m.node.src as SourceFile).size,
          mtimeMs: m.node.src.mtimeMs,
        }),
      );
    }
    d.entries = out;
  }
}

/** The FAT as bytes, up to the last allocated cluster. */
function encodeFat(root: FNode, l: Layout): Uint8Array {
  const { g } = l;
  const eoc = g.type === 12 ? 0xfff : g.type === 16 ? 0xffff : 0x0fffffff;
  const table = new Uint32Array(l.nextFree);
  table[0] = g.type === 12 ? 0xf00 | g.media : g.type === 16 ? 0xff00 | g.media : 0x0fffff00 | g.media;
  table[1] = eoc;
  const chain = (start: number, count: number) => {
    for (let i = 0; i < count; i++) table[start + i] = i === count - 1 ? eoc : start + i + 1;
  };
  for (const d of dirs(root)) if (d.clusters) chain(d.cluster, d.clusters);
  for (const f of files(root)) if (f.clusters) chain(f.cluster, f.clusters);
  const bytes = g.type === 12 ? Math.ceil((table.length * 3) / 2) : table.length * (g.type / 8);
  const out = new Uint8Array(Math.ceil(bytes / SECTOR_BYTES) * SECTOR_BYTES);
  table.forEach((v, n) => {
    if (g.type === 32) le32(out, n * 4, v);
    else if (g.type === 16) le16(out, n * 2, v);
    else {
      const o = Math.floor((n * 3) / 2);
      if (n % 2 === 0) {
        out[o] = v & 0xff;
        out[o + 1] = ((out[o + 1] as number) & 0xf0) | ((v >> 8) & 0x0f);
      } else {
        out[o] = ((out[o] as number) & 0x0f) | ((v & 0x0f) << 4);
        out[o + 1] = (v >> 4) & 0xff;
      }
    }
  });
  return out;
}

/** Write a FAT image of `dir` to `out` (created or truncated). */
export async function writeFat(dir: string, out: string, opts: FatOptions = {}): Promise<ImageResult & { readonly fatType: FatType }> {
  const src = scanSource(dir);
  const root = toFat(src, undefined);
  const label = opts.label;
  nameEntries(root, label);
  const layout = pickLayout(root, opts, label);
  const { g } = layout;
  const mtime = Math.max(src.mtimeMs, ...dirs(root).map((d) => d.src.mtimeMs));
  encodeDirs(root, label, mtime);
  const fat = encodeFat(root, layout);
  const base = g.hiddenSectors * SECTOR_BYTES;
  const serial = (Math.floor(mtime / 1000) ^ 0x5a17c0de) >>> 0;
  const cb = clusterBytes(g);
  const dataStart = base + firstDataSector(g) * SECTOR_BYTES;
  const clusterPos = (c: number) => dataStart + (c - 2) * cb;
  const totalBytes = base + g.totalSectors * SECTOR_BYTES;

  const sink = await ImageSink.create(out);
  try {
    if (g.hiddenSectors) await sink.writeAt(0, mbr(g.type, g.hiddenSectors, g.totalSectors, serial));
    const boot = bootSector(g, labelBytes(label), serial);
    await sink.writeAt(base, boot);
    if (g.type === 32) {
      const info = fsInfo(g.clusterCount - (layout.nextFree - 2), layout.nextFree);
      await sink.writeAt(base + SECTOR_BYTES, info);
      await sink.writeAt(base + 6 * SECTOR_BYTES, boot);
      await sink.writeAt(base + 7 * SECTOR_BYTES, info);
    }
    for (let k = 0; k < 2; k++) await sink.writeAt(base + (g.reservedSectors + k * g.fatSectors) * SECTOR_BYTES, fat);
    // Directories: the FAT12/16 root region, then directory clusters (contiguous, so one write).
    const dirList = dirs(root);
    if (g.type !== 32) {
      const rootBytes = concat(root.entries);
      if (rootBytes.length) await sink.writeAt(base + (g.reservedSectors + 2 * g.fatSectors) * SECTOR_BYTES, rootBytes);
    }
    const clustered = dirList.filter((d) => d.clusters > 0);
    if (clustered.length) {
      const first = clustered[0] as FNode;
      const last = clustered[clustered.length - 1] as FNode;
      const buf = new Uint8Array((last.cluster + last.clusters - first.cluster) * cb);
      for (const d of clustered) buf.set(concat(d.entries), (d.cluster - first.cluster) * cb);
      await sink.writeAt(clusterPos(first.cluster), buf);
    }
    const fileList = files(root);
    for (const f of fileList) {
      const s = f.src as SourceFile;
      await sink.copyFile(s.path, clusterPos(f.cluster), s.size);
    }
    await sink.finish(totalBytes);
    return { path: out, bytes: totalBytes, files: fileList.length, fatType: g.type };
  } catch (e) {
    await sink.abort();
    throw e;
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
