/**
 * FAT directory entries: 8.3 short names, VFAT long-name entries and their
 * checksum (Microsoft FAT32 File System Specification 1.03, "FAT Long
 * Directory Entries").
 *
 * A host name that is already a valid upper-case 8.3 name is stored as is;
 * any other name gets a generated short name (`BASENA~1.EXT`, unique in its
 * directory) plus long-name entries holding the name in UTF-16, 13 code
 * units per entry, last entry first (ordinal | 0x40), each carrying the
 * checksum of the short name they belong to.
 */
import { le16, le32 } from "./bytes.ts";

export const ENTRY = 32;
export const ATTR_READ_ONLY = 0x01;
export const ATTR_VOLUME_ID = 0x08;
export const ATTR_DIRECTORY = 0x10;
export const ATTR_ARCHIVE = 0x20;
export const ATTR_LFN = 0x0f;
/** Longest VFAT name in UTF-16 code units. */
export const LFN_MAX = 255;

const SHORT_OK = /^[A-Z0-9_\-~!#$%&'()@^{}`]$/;

function shortChars(s: string): string {
  let out = "";
  for (const ch of s.toUpperCase()) out += SHORT_OK.test(ch) ? ch : "_";
  return out;
}

/** The 11-byte space-padded form of a short name "NAME.EXT". */
export function shortBytes(name: string, ext: string): Uint8Array {
  const b = new Uint8Array(11).fill(0x20);
  for (let i = 0; i < Math.min(8, name.length); i++) b[i] = name.charCodeAt(i);
  for (let i = 0; i < Math.min(3, ext.length); i++) b[8 + i] = ext.charCodeAt(i);
  if (b[0] === 0xe5) b[0] = 0x05;
  return b;
}

/** The short-name checksum stored in every long-name entry (rotate right, add). */
export function lfnChecksum(short: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = ((((sum & 1) << 7) | (sum >> 1)) + (short[i] as number)) & 0xff;
  return sum;
}

/** Assigns short names within one directory; tells whether a long name is needed. */
export class ShortNamer {
  #used = new Set<string>(["", ".", ".."]);

  /** The 11-byte short name for `host`, and whether long-name entries must precede it. */
  assign(host: string): { short: Uint8Array; needsLfn: boolean } {
    const dot = host.lastIndexOf(".");
    const [base, ext] = dot > 0 ? [host.slice(0, dot), host.slice(dot + 1)] : [host, ""];
    const exact = /^[A-Z0-9_\-~!#$%&'()@^{}`]{1,8}$/.test(base) && (ext === "" || /^[A-Z0-9_\-~!#$%&'()@^{}`]{1,3}$/.test(ext));
    if (exact && !this.#used.has(`${base}.${ext}`)) {
      this.#used.add(`${base}.${ext}`);
      return { short: shortBytes(base, ext), needsLfn: false };
    }
    const b = shortChars(base.replace(/[ .]/g, "")) || "_";
    const e = shortChars(ext.replace(/[ .]/g, "")).slice(0, 3);
    for (let n = 1; ; n++) {
      const tail = `~${n}`;
      const cand = b.slice(0, 8 - tail.length) + tail;
      if (!this.#used.has(`${cand}.${e}`)) {
        this.#used.add(`${cand}.${e}`);
        return { short: shortBytes(cand, e), needsLfn: true };
      }
    }
  }
}

/** FAT date and time words for a moment (UTC; FAT has no zone). */
export function fatDateTime(ms: number): { date: number; time: number } {
  const d = new Date(ms);
  const year = Math.min(Math.max(d.getUTCFullYear(), 1980), 2107);
  return {
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
  };
}

export interface ShortEntryFields {
  readonly short: Uint8Array;
  readonly attr: number;
  readonly cluster: number;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Encode one short (8.3) directory entry. */
export function shortEntry(f: ShortEntryFields): Uint8Array {
  const b = new Uint8Array(ENTRY);
  b.set(f.short, 0);
  b[11] = f.attr;
  const { date, time } = fatDateTime(f.mtimeMs);
  le16(b, 14, time); // creation time
  le16(b, 16, date); // creation date
  le16(b, 18, date); // last access date
  le16(b, 20, (f.cluster >>> 16) & 0xffff);
  le16(b, 22, time);
  le16(b, 24, date);
  le16(b, 26, f.cluster & 0xffff);
  le32(b, 28, f.size);
  return b;
}

const LFN_SLOTS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];

/** Long-name entries for `name`, in on-disk order (highest ordinal first). */
export function lfnEntries(name: string, short: Uint8Array): Uint8Array[] {
  const sum = lfnChecksum(short);
  const count = Math.ceil(name.length / 13);
  const out: Uint8Array[] = [];
  for (let k = count; k >= 1; k--) {
    const b = new Uint8Array(ENTRY);
    b[0] = k | (k === count ? 0x40 : 0);
    b[11] = ATTR_LFN;
    b[12] = 0;
    b[13] = sum;
    for (let i = 0; i < 13; i++) {
      const idx = (k - 1) * 13 + i;
      const unit = idx < name.length ? name.charCodeAt(idx) : idx === name.length ? 0 : 0xffff;
      le16(b, LFN_SLOTS[i] as number, unit);
    }
    out.push(b);
  }
  return out;
}
