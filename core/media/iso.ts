/**
 * ISO 9660 image writer: level 3 + Joliet + Rock Ridge, El Torito boot,
 * multi-extent files — from a folder, in-process, streaming.
 *
 * Theory of operation. `writeIso` scans the folder (metadata only), names
 * every entry in both name spaces, plans each record's Rock Ridge entries
 * (overflow to continuation areas), then lays the image out in one pass:
 *
 *   0–15   system area (zero)
 *   16     primary volume descriptor      (ECMA-119 §8.4)
 *   17     El Torito boot record          (only when booting)
 *   …      Joliet supplementary descriptor, terminator
 *   …      boot catalog                   (only when booting)
 *   …      path tables L, M (ISO), L, M (Joliet)
 *   …      ISO directories, Joliet directories (breadth first)
 *   …      Rock Ridge continuation areas
 *   …      file data, each file from a block boundary, in tree order
 *
 * Everything up to the file data is metadata and is built in memory and
 * written at once; file contents are then streamed from the host through a
 * fixed buffer (`ImageSink`), so memory stays flat for any folder size.
 * Both name spaces point at the same file extents. A file larger than
 * `maxExtentBytes` (default 4 GiB − 2 KiB) is recorded as several
 * consecutive extents, all directory records but the last carrying the
 * multi-extent flag (ECMA-119 §9.1.6, level 3).
 *
 * Symlinks exist only in the Rock Ridge view (ISO: an empty file carrying
 * `SL`; Joliet: left out). Deep directories are not relocated.
 */
import { CodedError } from "../errors/mod.ts";
import { utf16be } from "./bytes.ts";
import {
  DEFAULT_BIOS_LOAD_SECTORS,
  PLATFORM_EFI,
  PLATFORM_X86,
  bootInfoChecksum,
  encodeBootCatalog,
  patchBootInfoTable,
  type CatalogEntry,
} from "./el_torito.ts";
import {
  ContinuationAreas,
  FLAG_DIR,
  FLAG_MULTI_EXTENT,
  SECTOR,
  encodeBootRecord,
  encodePathTable,
  encodeRecord,
  encodeTerminator,
  encodeVolumeDescriptor,
  packRecords,
  packedSize,
  pathRecordLength,
  recordBase,
  recordLength,
  type PathEntry,
  type SuPlan,
} from "./iso_records.ts";
import { IsoNamer, JolietNamer, compareIsoIds, compareJolietIds } from "./iso_names.ts";
import { RR_NM, RR_PX, RR_SL, RR_TF, S_IFDIR, S_IFLNK, S_IFREG, er, nm, px, rr, sl, sp, tf } from "./rock_ridge.ts";
import { ImageSink } from "./sink.ts";
import { scanSource, type SourceDir, type SourceEntry, type SourceFile } from "./source.ts";
import { readFile } from "node:fs/promises";

/** Largest extent of a multi-extent file: 4 GiB minus one block (sizes are 32-bit, sections block-aligned). */
export const MAX_EXTENT_BYTES = 0xffff_f800;
/** Largest boot image patched in memory. */
export const MAX_BOOT_IMAGE_BYTES = 64 << 20;
/** Application identifier recorded in both volume descriptors. */
export const ISO_APPLICATION_ID = "VMLAB";

export interface IsoBootOptions {
  /** BIOS no-emulation boot image, a path relative to the folder (e.g. `isolinux/isolinux.bin`). */
  readonly bios?: string;
  /** 512-byte sectors the BIOS loads (default 4). */
  readonly biosLoadSectors?: number;
  /** Patch the boot info table into the BIOS image (isolinux needs it; default true). */
  readonly bootInfoTable?: boolean;
  /** EFI boot image (a FAT image holding `EFI/BOOT/BOOTX64.EFI`), relative to the folder. */
  readonly efi?: string;
}

export interface IsoOptions {
  /** Volume label: upper-cased d-characters in the primary descriptor, as given (≤ 16) in Joliet. */
  readonly label?: string;
  readonly boot?: IsoBootOptions;
  /** Split files larger than this into extents (a multiple of 2048; tests lower it). */
  readonly maxExtentBytes?: number;
}

export interface ImageResult {
  readonly path: string;
  readonly bytes: number;
  readonly files: number;
}

interface Node {
  readonly src: SourceEntry;
  readonly parent: Node | undefined;
  isoId: string;
  jolietId: string | undefined;
  children: Node[];
  /** Directory: blocks and sizes of its two extents; file: first data block. */
  isoBlock: number;
  isoSize: number;
  jolietBlock: number;
  jolietSize: number;
  dataBlock: number;
  /** Rock Ridge plans of this entry's records, in the parent (or for "." / ".." of a directory). */
  su: SuPlan[];
  dotSu: SuPlan | undefined;
  dotdotSu: SuPlan | undefined;
  isoNumber: number;
  jolietNumber: number;
}

function node(src: SourceEntry, parent: Node | undefined): Node {
  return {
    src,
    parent,
    isoId: "",
    jolietId: undefined,
    children: [],
    isoBlock: 0,
    isoSize: 0,
    jolietBlock: 0,
    jolietSize: 0,
    dataBlock: 0,
    su: [],
    dotSu: undefined,
    dotdotSu: undefined,
    isoNumber: 0,
    jolietNumber: 0,
  };
}

function buildTree(dir: SourceDir, parent: Node | undefined): Node {
  const n = node(dir, parent);
  const iso = new IsoNamer();
  const jol = new JolietNamer();
  for (const c of dir.children) {
    const child = c.kind === "dir" ? buildTree(c, n) : node(c, n);
    child.isoId = c.kind === "dir" ? iso.dir(c.name) : iso.file(c.name);
    child.jolietId = c.kind === "symlink" ? undefined : jol.name(c.name);
    n.children.push(child);
  }
  return n;
}

function sizeOf(n: Node): number {
  return n.src.kind === "file" ? n.src.size : 0;
}

function extentsOf(size: number, max: number): number[] {
  if (size <= max) return [size];
  const out: number[] = [];
  for (let left = size; left > 0; left -= max) out.push(Math.min(max, left));
  return out;
}

function rrEntries(n: Node, name: string | undefined): Uint8Array[] {
  const s = n.src;
  const nlink = s.kind === "dir" ? 2 + s.children.filter((c) => c.kind === "dir").length : 1;
  const type = s.kind === "dir" ? S_IFDIR : s.kind === "symlink" ? S_IFLNK : S_IFREG;
  const names = name === undefined ? [] : nm(name);
  const link = s.kind === "symlink" ? sl(s.target) : [];
  const flags = RR_PX | RR_TF | (names.length ? RR_NM : 0) | (link.length ? RR_SL : 0);
  return [rr(flags), px(type | s.mode, nlink), tf(s.mtimeMs), ...names, ...link];
}

function isoIdBytes(id: string): Uint8Array {
  return Buffer.from(id, "latin1");
}

function dirsBreadthFirst(root: Node, children: (n: Node) => Node[]): Node[] {
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const c of children(out[i] as Node)) if (c.src.kind === "dir") out.push(c);
  return out;
}

function findFile(root: Node, rel: string, what: string): Node {
  let cur = root;
  for (const part of rel.split("/").filter((p) => p && p !== ".")) {
    const next = cur.children.find((c) => c.src.name === part);
    if (!next)
      throw new CodedError("media.boot_image_missing", `${what} ${rel} is not in the media folder`, {
        subject: rel,
        hint: "Boot image paths are relative to the folder the ISO is built from.",
      });
    cur = next;
  }
  if (cur.src.kind !== "file") throw new CodedError("media.boot_image_missing", `${what} ${rel} is not a regular file`, { subject: rel });
  return cur;
}

/** Write an ISO image of `dir` to `out` (created or truncated). */
export async function writeIso(dir: string, out: string, opts: IsoOptions = {}): Promise<ImageResult> {
  const maxExtent = opts.maxExtentBytes ?? MAX_EXTENT_BYTES;
  if (maxExtent % SECTOR !== 0 || maxExtent <= 0 || maxExtent > MAX_EXTENT_BYTES)
    throw new Error(`maxExtentBytes must be a positive multiple of ${SECTOR} up to ${MAX_EXTENT_BYTES}`);
  const src = scanSource(dir);
  const root = buildTree(src, undefined);
  const isoKids = (n: Node) => [...n.children].sort((a, b) => compareIsoIds(a.isoId, b.isoId));
  const jolKids = (n: Node) => n.children.filter((c) => c.jolietId !== undefined).sort((a, b) => compareJolietIds(a.jolietId as string, b.jolietId as string));
  const isoDirs = dirsBreadthFirst(root, isoKids);
  const jolDirs = dirsBreadthFirst(root, jolKids);

  // Rock Ridge plans and directory sizes.
  const ca = new ContinuationAreas();
  const latest = Math.max(src.mtimeMs, ...isoDirs.map((d) => d.src.mtimeMs));
  for (const d of isoDirs) {
    const dotEntries = rrEntries(d, undefined);
    d.dotSu = ca.place(d === root ? [sp(), ...dotEntries, er()] : dotEntries, recordBase(1));
    d.dotdotSu = ca.place(rrEntries(d.parent ?? d, undefined), recordBase(1));
    const lengths = [recordLength(1, d.dotSu), recordLength(1, d.dotdotSu)];
    for (const c of isoKids(d)) {
      const idLen = isoIdBytes(c.isoId).length;
      const entries = rrEntries(c, c.src.name);
      const count = extentsOf(sizeOf(c), maxExtent).length;
      c.su = [];
      for (let k = 0; k < count; k++) {
        const plan = ca.place(entries, recordBase(idLen));
        c.su.push(plan);
        lengths.push(recordLength(idLen, plan));
      }
    }
    d.isoSize = packedSize(lengths);
  }
  for (const d of jolDirs) {
    const lengths = [recordLength(1, undefined), recordLength(1, undefined)];
    for (const c of jolKids(d)) {
      const idLen = utf16be(c.jolietId as string).length;
      for (let k = extentsOf(sizeOf(c), maxExtent).length; k > 0; k--) lengths.push(recordLength(idLen, undefined));
    }
    d.jolietSize = packedSize(lengths);
  }

  // Path tables (ECMA-119 §9.4: by level, then parent number, then identifier — breadth-first order over sorted children).
  isoDirs.forEach((d, i) => (d.isoNumber = i + 1));
  jolDirs.forEach((d, i) => (d.jolietNumber = i + 1));
  const isoPathSize = isoDirs.reduce((n, d) => n + pathRecordLength(d === root ? 1 : isoIdBytes(d.isoId).length), 0);
  const jolPathSize = jolDirs.reduce((n, d) => n + pathRecordLength(d === root ? 1 : utf16be(d.jolietId as string).length), 0);
  const blocksOf = (bytes: number) => Math.ceil(bytes / SECTOR);

  // Layout.
  const booting = Boolean(opts.boot?.bios || opts.boot?.efi);
  let next = 16;
  const pvdBlock = next++;
  const bootRecordBlock = booting ? next++ : 0;
  const svdBlock = next++;
  const termBlock = next++;
  const catalogBlock = booting ? next++ : 0;
  const isoL = next;
  next += blocksOf(isoPathSize);
  const isoM = next;
  next += blocksOf(isoPathSize);
  const jolL = next;
  next += blocksOf(jolPathSize);
  const jolM = next;
  next += blocksOf(jolPathSize);
  for (const d of isoDirs) {
    d.isoBlock = next;
    next += d.isoSize / SECTOR;
  }
  for (const d of jolDirs) {
    d.jolietBlock = next;
    next += d.jolietSize / SECTOR;
  }
  const caBase = next;
  next += ca.blocks;
  const metaEnd = next;
  const files: Node[] = [];
  const collect = (d: Node) => {
    for (const c of isoKids(d)) {
      if (c.src.kind === "file" && c.src.size > 0) {
        c.dataBlock = next;
        next += blocksOf(c.src.size);
        files.push(c);
      } else if (c.src.kind === "dir") collect(c);
    }
  };
  collect(root);
  const totalBlocks = next;

  // Boot catalog.
  const catalog: CatalogEntry[] = [];
  let biosImage: { node: Node; bytes: Uint8Array } | undefined;
  if (opts.boot?.bios) {
    const bn = findFile(root, opts.boot.bios, "BIOS boot image");
    const f = bn.src as SourceFile;
    if (f.size > MAX_BOOT_IMAGE_BYTES)
      throw new CodedError("media.boot_image_too_large", `BIOS boot image ${opts.boot.bios} is larger than ${MAX_BOOT_IMAGE_BYTES} bytes`, {
        subject: opts.boot.bios,
      });
    const bytes = new Uint8Array(await readFile(f.path));
    if (opts.boot.bootInfoTable ?? true) patchBootInfoTable(bytes, pvdBlock, bn.dataBlock, bootInfoChecksum(bytes));
    biosImage = { node: bn, bytes };
    catalog.push({ platform: PLATFORM_X86, lba: bn.dataBlock, sectors: opts.boot.biosLoadSectors ?? DEFAULT_BIOS_LOAD_SECTORS });
  }
  if (opts.boot?.efi) {
    const en = findFile(root, opts.boot.efi, "EFI boot image");
    catalog.push({ platform: PLATFORM_EFI, lba: en.dataBlock, sectors: Math.ceil((en.src as SourceFile).size / 512) });
  }

  // Metadata region.
  const meta = new Uint8Array((metaEnd - 16) * SECTOR);
  const at = (block: number) => (block - 16) * SECTOR;
  const created = Math.round(latest);
  const isoRoot = (d: Node) => encodeRecord({ extent: d.isoBlock, size: d.isoSize, mtimeMs: d.src.mtimeMs, flags: FLAG_DIR, id: Uint8Array.of(0) }, caBase);
  const jolRoot = (d: Node) =>
    encodeRecord({ extent: d.jolietBlock, size: d.jolietSize, mtimeMs: d.src.mtimeMs, flags: FLAG_DIR, id: Uint8Array.of(0) }, caBase);
  const label = opts.label ?? "CDROM";
  meta.set(
    encodeVolumeDescriptor({
      type: 1,
      volumeId: label.toUpperCase().replace(/[^A-Z0-9_]/g, "_"),
      volumeBlocks: totalBlocks,
      pathTableSize: isoPathSize,
      lPathTable: isoL,
      mPathTable: isoM,
      root: isoRoot(root),
      createdMs: created,
      applicationId: ISO_APPLICATION_ID,
    }),
    at(pvdBlock),
  );
  if (booting) {
    meta.set(encodeBootRecord(catalogBlock), at(bootRecordBlock));
    meta.set(encodeBootCatalog(catalog), at(catalogBlock));
  }
  meta.set(
    encodeVolumeDescriptor({
      type: 2,
      volumeId: label.slice(0, 16),
      volumeBlocks: totalBlocks,
      pathTableSize: jolPathSize,
      lPathTable: jolL,
      mPathTable: jolM,
      root: jolRoot(root),
      createdMs: created,
      applicationId: ISO_APPLICATION_ID,
    }),
    at(svdBlock),
  );
  meta.set(encodeTerminator(), at(termBlock));

  const isoPath: PathEntry[] = isoDirs.map((d) => ({
    id: d === root ? Uint8Array.of(0) : isoIdBytes(d.isoId),
    extent: d.isoBlock,
    parent: d.parent?.isoNumber ?? 1,
  }));
  const jolPath: PathEntry[] = jolDirs.map((d) => ({
    id: d === root ? Uint8Array.of(0) : utf16be(d.jolietId as string),
    extent: d.jolietBlock,
    parent: d.parent?.jolietNumber ?? 1,
  }));
  meta.set(encodePathTable(isoPath, false), at(isoL));
  meta.set(encodePathTable(isoPath, true), at(isoM));
  meta.set(encodePathTable(jolPath, false), at(jolL));
  meta.set(encodePathTable(jolPath, true), at(jolM));

  const fileRecords = (c: Node, id: Uint8Array, withSu: boolean): Uint8Array[] => {
    if (c.src.kind === "dir") {
      const [blk, size] = withSu ? [c.isoBlock, c.isoSize] : [c.jolietBlock, c.jolietSize];
      return [encodeRecord({ extent: blk, size, mtimeMs: c.src.mtimeMs, flags: FLAG_DIR, id, ...(withSu ? { su: c.su[0] as SuPlan } : {}) }, caBase)];
    }
    const parts = extentsOf(sizeOf(c), maxExtent);
    return parts.map((size, k) =>
      encodeRecord(
        {
          extent: size === 0 ? 0 : c.dataBlock + (k * maxExtent) / SECTOR,
          size,
          mtimeMs: c.src.mtimeMs,
          flags: k < parts.length - 1 ? FLAG_MULTI_EXTENT : 0,
          id,
          ...(withSu ? { su: c.su[k] as SuPlan } : {}),
        },
        caBase,
      ),
    );
  };
  for (const d of isoDirs) {
    const recs = [
      encodeRecord({ extent: d.isoBlock, size: d.isoSize, mtimeMs: d.src.mtimeMs, flags: FLAG_DIR, id: Uint8Array.of(0), su: d.dotSu as SuPlan }, caBase),
      encodeRecord(
        {
          extent: (d.parent ?? d).isoBlock,
          size: (d.parent ?? d).isoSize,
          mtimeMs: (d.parent ?? d).src.mtimeMs,
          flags: FLAG_DIR,
          id: Uint8Array.of(1),
          su: d.dotdotSu as SuPlan,
        },
        caBase,
      ),
    ];
    for (const c of isoKids(d)) recs.push(...fileRecords(c, isoIdBytes(c.isoId), true));
    packRecords(recs, meta, at(d.isoBlock));
  }
  for (const d of jolDirs) {
    const p = d.parent ?? d;
    const recs = [
      encodeRecord({ extent: d.jolietBlock, size: d.jolietSize, mtimeMs: d.src.mtimeMs, flags: FLAG_DIR, id: Uint8Array.of(0) }, caBase),
      encodeRecord({ extent: p.jolietBlock, size: p.jolietSize, mtimeMs: p.src.mtimeMs, flags: FLAG_DIR, id: Uint8Array.of(1) }, caBase),
    ];
    for (const c of jolKids(d)) recs.push(...fileRecords(c, utf16be(c.jolietId as string), false));
    packRecords(recs, meta, at(d.jolietBlock));
  }
  meta.set(ca.encode(caBase), at(caBase));

  // Write: metadata, then every file streamed.
  const sink = await ImageSink.create(out);
  try {
    await sink.writeAt(16 * SECTOR, meta);
    for (const f of files) {
      const s = f.src as SourceFile;
      if (biosImage && biosImage.node === f) await sink.writeAt(f.dataBlock * SECTOR, biosImage.bytes);
      else await sink.copyFile(s.path, f.dataBlock * SECTOR, s.size);
    }
    await sink.finish(totalBlocks * SECTOR);
  } catch (e) {
    await sink.abort();
    throw e;
  }
  return { path: out, bytes: totalBlocks * SECTOR, files: files.length };
}
