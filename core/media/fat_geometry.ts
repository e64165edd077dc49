/**
 * FAT volume geometry and boot sector (Microsoft FAT32 File System
 * Specification 1.03, "Boot Sector and BPB", "FAT Type Determination").
 *
 * The FAT type is decided by the cluster count alone: < 4085 is FAT12,
 * < 65525 FAT16, otherwise FAT32. `geometry()` picks a cluster size for the
 * volume size (the usual defaults), sizes the FATs by fixed-point iteration,
 * and checks the count falls in the range of the requested type. The 1.44 MB
 * floppy uses the classic fixed layout (18 sectors/track, 2 heads, 224 root
 * entries, media byte 0xF0).
 */
import { le16, le32 } from "./bytes.ts";

export const SECTOR_BYTES = 512;
export type FatType = 12 | 16 | 32;

export interface Geometry {
  readonly type: FatType;
  readonly totalSectors: number;
  readonly sectorsPerCluster: number;
  readonly reservedSectors: number;
  readonly fatSectors: number;
  readonly rootEntries: number;
  readonly media: number;
  readonly sectorsPerTrack: number;
  readonly heads: number;
  /** Sectors before the volume on its disk (the partition's start). */
  readonly hiddenSectors: number;
  readonly clusterCount: number;
}

export const FLOPPY_SECTORS = 2880;

export function firstDataSector(g: Geometry): number {
  return g.reservedSectors + 2 * g.fatSectors + Math.ceil((g.rootEntries * 32) / SECTOR_BYTES);
}

export function clusterBytes(g: Geometry): number {
  return g.sectorsPerCluster * SECTOR_BYTES;
}

function defaultClusterSectors(type: FatType, bytes: number): number {
  const MiB = 1 << 20;
  if (type === 12) return bytes <= 4 * MiB ? 1 : 8;
  if (type === 16) return bytes <= 16 * MiB ? 2 : bytes <= 128 * MiB ? 4 : bytes <= 256 * MiB ? 8 : bytes <= 512 * MiB ? 16 : bytes <= 1024 * MiB ? 32 : 64;
  return bytes <= 8 * 1024 * MiB ? 8 : bytes <= 16 * 1024 * MiB ? 16 : bytes <= 32 * 1024 * MiB ? 32 : 64;
}

const RANGE: Record<FatType, [number, number]> = { 12: [1, 4084], 16: [4085, 65524], 32: [65525, 0x0ffffff5] };

/** Geometry for a volume of `totalSectors`, or undefined if that size cannot hold a FAT of `type`. */
export function geometry(type: FatType, totalSectors: number, rootEntries: number, hiddenSectors: number, clusterSectors?: number): Geometry | undefined {
  const spc = clusterSectors ?? defaultClusterSectors(type, totalSectors * SECTOR_BYTES);
  const reserved = type === 32 ? 32 : 1;
  const root = type === 32 ? 0 : rootEntries;
  const rootSectors = Math.ceil((root * 32) / SECTOR_BYTES);
  let fatSectors = 1;
  let clusters = 0;
  for (let i = 0; i < 20; i++) {
    clusters = Math.floor((totalSectors - reserved - 2 * fatSectors - rootSectors) / spc);
    const need = Math.ceil(((clusters + 2) * type) / 8 / SECTOR_BYTES);
    if (need === fatSectors) break;
    fatSectors = need;
  }
  clusters = Math.floor((totalSectors - reserved - 2 * fatSectors - rootSectors) / spc);
  const [lo, hi] = RANGE[type];
  if (clusters < lo || clusters > hi) return undefined;
  return {
    type,
    totalSectors,
    sectorsPerCluster: spc,
    reservedSectors: reserved,
    fatSectors,
    rootEntries: root,
    media: 0xf8,
    sectorsPerTrack: 63,
    heads: 255,
    hiddenSectors,
    clusterCount: clusters,
  };
}

/** The 1.44 MB floppy layout. */
export function floppyGeometry(): Geometry {
  return {
    type: 12,
    totalSectors: FLOPPY_SECTORS,
    sectorsPerCluster: 1,
    reservedSectors: 1,
    fatSectors: 9,
    rootEntries: 224,
    media: 0xf0,
    sectorsPerTrack: 18,
    heads: 2,
    hiddenSectors: 0,
    clusterCount: 2847,
  };
}

/** Encode the boot sector (with BPB) of a volume; `label` is 11 bytes, `serial` the volume id. */
export function bootSector(g: Geometry, label: Uint8Array, serial: number): Uint8Array {
  const b = new Uint8Array(SECTOR_BYTES);
  b.set(g.type === 32 ? [0xeb, 0x58, 0x90] : [0xeb, 0x3c, 0x90], 0);
  for (const [i, c] of [..."MSWIN4.1"].entries()) b[3 + i] = c.charCodeAt(0);
  le16(b, 11, SECTOR_BYTES);
  b[13] = g.sectorsPerCluster;
  le16(b, 14, g.reservedSectors);
  b[16] = 2;
  le16(b, 17, g.rootEntries);
  le16(b, 19, g.totalSectors < 0x10000 ? g.totalSectors : 0);
  b[21] = g.media;
  le16(b, 22, g.type === 32 ? 0 : g.fatSectors);
  le16(b, 24, g.sectorsPerTrack);
  le16(b, 26, g.heads);
  le32(b, 28, g.hiddenSectors);
  le32(b, 32, g.totalSectors < 0x10000 ? 0 : g.totalSectors);
  let ext = 36;
  if (g.type === 32) {
    le32(b, 36, g.fatSectors);
    le16(b, 40, 0); // mirrored FATs
    le16(b, 42, 0); // version 0.0
    le32(b, 44, 2); // root cluster
    le16(b, 48, 1); // FSInfo sector
    le16(b, 50, 6); // backup boot sector
    ext = 64;
  }
  b[ext] = g.media === 0xf0 ? 0x00 : 0x80; // drive number
  b[ext + 2] = 0x29; // extended boot signature
  le32(b, ext + 3, serial);
  b.set(label, ext + 7);
  const fsType = g.type === 12 ? "FAT12   " : g.type === 16 ? "FAT16   " : "FAT32   ";
  for (let i = 0; i < 8; i++) b[ext + 18 + i] = fsType.charCodeAt(i);
  // Boot code: print nothing, halt forever (not a bootable volume).
  b.set([0xfa, 0xf4, 0xeb, 0xfd], ext + 26);
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

/** The FAT32 FSInfo sector. */
export function fsInfo(freeClusters: number, nextFree: number): Uint8Array {
  const b = new Uint8Array(SECTOR_BYTES);
  le32(b, 0, 0x41615252);
  le32(b, 484, 0x61417272);
  le32(b, 488, freeClusters);
  le32(b, 492, nextFree);
  le32(b, 508, 0xaa550000);
  return b;
}

/** A one-partition MBR: the volume from `start` for `sectors`, partition type for the FAT type (LBA). */
export function mbr(type: FatType, start: number, sectors: number, signature: number): Uint8Array {
  const b = new Uint8Array(SECTOR_BYTES);
  le32(b, 440, signature);
  const p = 446;
  b[p] = 0x00; // not active
  b.set([0xfe, 0xff, 0xff], p + 1); // CHS: use LBA
  b[p + 4] = type === 12 ? 0x01 : type === 16 ? 0x0e : 0x0c;
  b.set([0xfe, 0xff, 0xff], p + 5);
  le32(b, p + 8, start);
  le32(b, p + 12, sectors);
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}
