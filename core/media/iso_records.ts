/**
 * ISO 9660 on-disk structures as pure encoders (ECMA-119 §8, §9).
 *
 * - Directory records (§9.1): length, extent (both-endian), data length
 *   (both-endian), recording date, flags, volume sequence number, identifier
 *   (padded to even), then the system use area (SUSP/Rock Ridge). A record
 *   never crosses a logical block; `packRecords` starts a new block instead.
 * - Path table records (§9.4): identifier length, extent, parent directory
 *   number, identifier; one table little-endian (type L), one big-endian (M).
 * - Volume descriptors (§8.4 primary, §8.5 supplementary for Joliet, §8.3
 *   terminator) and the El Torito boot record (El Torito 1.0 §2.0).
 * - System use placement: SUSP entries that do not fit in the 255-byte
 *   record go to continuation areas (`ContinuationAreas`), each within one
 *   block, chained by `CE` entries.
 */
import { ascii, be16, be32, both16, both32, dirDate, le16, le32, ucs2, volumeDate } from "./bytes.ts";
import { CE_LEN, ce } from "./rock_ridge.ts";

export const SECTOR = 2048;
/** Directory record flag bits (ECMA-119 §9.1.6). */
export const FLAG_DIR = 0x02;
export const FLAG_MULTI_EXTENT = 0x80;
/** Largest even directory record. */
const MAX_RECORD = 254;

/** A reference into the continuation-area region, relative to its first block. */
export interface CaRef {
  readonly block: number;
  readonly offset: number;
  readonly length: number;
}

/** Where one record's system use entries go: some inline, the rest behind a `CE`. */
export interface SuPlan {
  readonly inline: readonly Uint8Array[];
  readonly cont?: CaRef;
  /** Bytes of the inline part including the `CE` entry. */
  readonly inlineLength: number;
}

interface Chunk {
  readonly block: number;
  readonly offset: number;
  readonly entries: readonly Uint8Array[];
  next?: CaRef;
}

/** Allocates continuation areas, packing several per block. */
export class ContinuationAreas {
  readonly chunks: Chunk[] = [];
  #block = -1;
  #offset = SECTOR;

  get blocks(): number {
    return this.#block + 1;
  }

  /** Place `entries` for a record whose identifier part takes `base` bytes. */
  place(entries: readonly Uint8Array[], base: number): SuPlan {
    const avail = MAX_RECORD - base;
    const total = entries.reduce((n, e) => n + e.length, 0);
    if (total <= avail) return { inline: entries, inlineLength: total };
    const inline: Uint8Array[] = [];
    let used = 0;
    let i = 0;
    while (i < entries.length && used + (entries[i] as Uint8Array).length <= avail - CE_LEN) used += (entries[i++] as Uint8Array).length;
    inline.push(...entries.slice(0, i));
    const rest = entries.slice(i);
    // Cut the rest into chunks of at most one block, each but the last ending in a CE.
    const groups: Uint8Array[][] = [];
    let j = 0;
    while (j < rest.length) {
      const g: Uint8Array[] = [];
      let len = 0;
      const remaining = rest.slice(j).reduce((n, e) => n + e.length, 0);
      const limit = remaining <= SECTOR ? SECTOR : SECTOR - CE_LEN;
      while (j < rest.length && len + (rest[j] as Uint8Array).length <= limit) (len += (rest[j++] as Uint8Array).length), g.push(rest[j - 1] as Uint8Array);
      if (g.length === 0) throw new Error("system use entry larger than a block");
      groups.push(g);
    }
    const refs = groups.map((g, k) => {
      const len = g.reduce((n, e) => n + e.length, 0) + (k < groups.length - 1 ? CE_LEN : 0);
      if (this.#offset + len > SECTOR) {
        this.#block++;
        this.#offset = 0;
      }
      const ref: CaRef = { block: this.#block, offset: this.#offset, length: len };
      this.#offset += len;
      return ref;
    });
    const chunks: Chunk[] = groups.map((g, k) => ({ block: (refs[k] as CaRef).block, offset: (refs[k] as CaRef).offset, entries: g }));
    chunks.forEach((c, k) => {
      if (k + 1 < chunks.length) c.next = refs[k + 1];
    });
    this.chunks.push(...chunks);
    return { inline, cont: refs[0] as CaRef, inlineLength: used + CE_LEN };
  }

  /** Serialize the whole region, its first block being `base`. */
  encode(base: number): Uint8Array {
    const out = new Uint8Array(this.blocks * SECTOR);
    for (const c of this.chunks) {
      let o = c.block * SECTOR + c.offset;
      for (const e of c.entries) {
        out.set(e, o);
        o += e.length;
      }
      if (c.next) out.set(ce(base + c.next.block, c.next.offset, c.next.length), o);
    }
    return out;
  }
}

/** Bytes a record takes before its system use area (even, ECMA-119 §9.1.12). */
export function recordBase(idLength: number): number {
  return 33 + idLength + (idLength % 2 === 0 ? 1 : 0);
}

export function recordLength(idLength: number, su: SuPlan | undefined): number {
  const n = recordBase(idLength) + (su?.inlineLength ?? 0);
  return n + (n % 2);
}

export interface RecordFields {
  readonly extent: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly flags: number;
  /** The identifier bytes (`0x00` for ".", `0x01` for ".."). */
  readonly id: Uint8Array;
  readonly su?: SuPlan;
}

/** Encode one directory record (ECMA-119 §9.1); `caBase` is the first block of the continuation areas. */
export function encodeRecord(r: RecordFields, caBase: number): Uint8Array {
  const len = recordLength(r.id.length, r.su);
  const b = new Uint8Array(len);
  b[0] = len;
  b[1] = 0; // extended attribute record length
  both32(b, 2, r.extent);
  both32(b, 10, r.size);
  dirDate(b, 18, r.mtimeMs);
  b[25] = r.flags;
  both16(b, 28, 1); // volume sequence number
  b[32] = r.id.length;
  b.set(r.id, 33);
  let o = recordBase(r.id.length);
  if (r.su) {
    for (const e of r.su.inline) {
      b.set(e, o);
      o += e.length;
    }
    if (r.su.cont) b.set(ce(caBase + r.su.cont.block, r.su.cont.offset, r.su.cont.length), o);
  }
  return b;
}

/** Lay records out in blocks (none crosses a block boundary); returns the directory's size in bytes. */
export function packedSize(lengths: readonly number[]): number {
  let blocks = 1;
  let off = 0;
  for (const l of lengths) {
    if (off + l > SECTOR) {
      blocks++;
      off = 0;
    }
    off += l;
  }
  return blocks * SECTOR;
}

/** Serialize records into `out` at `pos` following the same packing as `packedSize`. */
export function packRecords(records: readonly Uint8Array[], out: Uint8Array, pos: number): void {
  let off = 0;
  let blk = 0;
  for (const r of records) {
    if (off + r.length > SECTOR) {
      blk++;
      off = 0;
    }
    out.set(r, pos + blk * SECTOR + off);
    off += r.length;
  }
}

export interface PathEntry {
  readonly id: Uint8Array;
  readonly extent: number;
  readonly parent: number;
}

/** Length of one path table record (ECMA-119 §9.4). */
export function pathRecordLength(idLength: number): number {
  return 8 + idLength + (idLength % 2);
}

/** Encode a path table; `bigEndian` selects the M table. */
export function encodePathTable(entries: readonly PathEntry[], bigEndian: boolean): Uint8Array {
  const out = new Uint8Array(entries.reduce((n, e) => n + pathRecordLength(e.id.length), 0));
  let o = 0;
  for (const e of entries) {
    out[o] = e.id.length;
    out[o + 1] = 0;
    if (bigEndian) {
      be32(out, o + 2, e.extent);
      be16(out, o + 6, e.parent);
    } else {
      le32(out, o + 2, e.extent);
      le16(out, o + 6, e.parent);
    }
    out.set(e.id, o + 8);
    o += pathRecordLength(e.id.length);
  }
  return out;
}

export interface VolumeFields {
  /** 1 primary, 2 supplementary (Joliet). */
  readonly type: 1 | 2;
  readonly volumeId: string;
  readonly volumeBlocks: number;
  readonly pathTableSize: number;
  readonly lPathTable: number;
  readonly mPathTable: number;
  readonly root: Uint8Array;
  readonly createdMs: number;
  readonly applicationId: string;
}

/** Encode a primary (§8.4) or Joliet supplementary (§8.5) volume descriptor. */
export function encodeVolumeDescriptor(v: VolumeFields): Uint8Array {
  const b = new Uint8Array(SECTOR);
  const text = v.type === 1 ? ascii : ucs2;
  b[0] = v.type;
  ascii(b, 1, 5, "CD001");
  b[6] = 1;
  text(b, 8, 32, "");
  text(b, 40, 32, v.volumeId);
  both32(b, 80, v.volumeBlocks);
  if (v.type === 2) {
    b[88] = 0x25; // "%/E": Joliet UCS-2 level 3
    b[89] = 0x2f;
    b[90] = 0x45;
  }
  both16(b, 120, 1); // volume set size
  both16(b, 124, 1); // volume sequence number
  both16(b, 128, SECTOR);
  both32(b, 132, v.pathTableSize);
  le32(b, 140, v.lPathTable);
  be32(b, 148, v.mPathTable);
  b.set(v.root, 156);
  for (const [off, len] of [
    [190, 128],
    [318, 128],
    [446, 128],
  ] as const)
    text(b, off, len, "");
  text(b, 574, 128, v.applicationId);
  for (const [off, len] of [
    [702, 37],
    [739, 37],
    [776, 37],
  ] as const)
    text(b, off, len, "");
  volumeDate(b, 813, v.createdMs);
  volumeDate(b, 830, v.createdMs);
  volumeDate(b, 847, undefined);
  volumeDate(b, 864, undefined);
  b[881] = 1; // file structure version
  return b;
}

export function encodeTerminator(): Uint8Array {
  const b = new Uint8Array(SECTOR);
  b[0] = 255;
  ascii(b, 1, 5, "CD001");
  b[6] = 1;
  return b;
}

/** El Torito boot record volume descriptor pointing at the boot catalog. */
export function encodeBootRecord(catalogBlock: number): Uint8Array {
  const b = new Uint8Array(SECTOR);
  b[0] = 0;
  ascii(b, 1, 5, "CD001");
  b[6] = 1;
  const id = "EL TORITO SPECIFICATION";
  for (let i = 0; i < id.length; i++) b[7 + i] = id.charCodeAt(i);
  le32(b, 71, catalogBlock);
  return b;
}
