/**
 * System Use Sharing Protocol (SUSP 1.12) and Rock Ridge (RRIP 1.09/1.12)
 * entries: the POSIX layer Linux reads on top of ISO 9660.
 *
 * Every entry starts with a 2-byte signature, a length byte and a version
 * byte (SUSP §4.1). We write:
 * - `SP` (SUSP §5.3) first in the root's "." record, announcing SUSP;
 * - `ER` (SUSP §5.5) in the root's "." record (through a continuation area),
 *   naming the `RRIP_1991A` extension;
 * - `RR` (RRIP 1.09 §4.1.6, ignored by newer readers) flagging what follows;
 * - `PX` (RRIP §4.1.1) mode, links, uid, gid (the 1.09 36-byte form);
 * - `TF` (RRIP §4.1.6) modify/access/attribute-change times, short form;
 * - `NM` (RRIP §4.1.4) the real name, split over several entries when longer
 *   than one entry holds (CONTINUE flag);
 * - `SL` (RRIP §4.1.3) symlink targets as component records, split likewise;
 * - `CE` (SUSP §5.1) pointing at the continuation area that holds whatever
 *   does not fit in the 255-byte directory record. Each continuation area
 *   lies within one logical block (Linux reads only one block per `CE`).
 * Left out: `PN` (no device nodes), `CL`/`PL`/`RE` (no deep-directory
 * relocation: Linux and xorriso read deeper trees as they are), `SF`, `ZF`.
 */
import { both32, dirDate } from "./bytes.ts";

/** Largest SUSP entry (its length is one byte). */
const MAX_ENTRY = 255;
/** Size of a `CE` entry. */
export const CE_LEN = 28;

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

function head(sig: string, len: number): Uint8Array {
  const b = new Uint8Array(len);
  b[0] = sig.charCodeAt(0);
  b[1] = sig.charCodeAt(1);
  b[2] = len;
  b[3] = 1;
  return b;
}

export function sp(): Uint8Array {
  const b = head("SP", 7);
  b[4] = 0xbe;
  b[5] = 0xef;
  b[6] = 0; // LEN_SKP
  return b;
}

const ER_ID = "RRIP_1991A";
const ER_DES = "THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS";
const ER_SRC = "PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.";

export function er(): Uint8Array {
  const text = ER_ID + ER_DES + ER_SRC;
  const b = head("ER", 8 + text.length);
  b[4] = ER_ID.length;
  b[5] = ER_DES.length;
  b[6] = ER_SRC.length;
  b[7] = 1; // extension version
  for (let i = 0; i < text.length; i++) b[8 + i] = text.charCodeAt(i);
  return b;
}

/** RRIP 1.09 `RR`: which RRIP entries this record carries (PX 1, SL 4, NM 8, TF 128). */
export function rr(flags: number): Uint8Array {
  const b = head("RR", 5);
  b[4] = flags;
  return b;
}
export const RR_PX = 1;
export const RR_SL = 4;
export const RR_NM = 8;
export const RR_TF = 128;

export function px(mode: number, nlink: number, uid = 0, gid = 0): Uint8Array {
  const b = head("PX", 36);
  both32(b, 4, mode);
  both32(b, 12, nlink);
  both32(b, 20, uid);
  both32(b, 28, gid);
  return b;
}

/** `TF` with modify, access and attributes times (flags 0x0E), all `ms`. */
export function tf(ms: number): Uint8Array {
  const b = head("TF", 5 + 3 * 7);
  b[4] = 0x0e;
  for (let i = 0; i < 3; i++) dirDate(b, 5 + i * 7, ms);
  return b;
}

/** `NM` entries for a name, split with the CONTINUE flag when longer than one entry. */
export function nm(name: string): Uint8Array[] {
  const bytes = Buffer.from(name, "utf8");
  const room = MAX_ENTRY - 5;
  const out: Uint8Array[] = [];
  for (let off = 0; off < bytes.length || out.length === 0; off += room) {
    const part = bytes.subarray(off, off + room);
    const b = head("NM", 5 + part.length);
    b[4] = off + room < bytes.length ? 1 : 0;
    b.set(part, 5);
    out.push(b);
  }
  return out;
}

/** Component records of a symlink target (RRIP §4.1.3.1): flags, length, bytes. */
function slComponents(target: string): Uint8Array[] {
  const comps: Uint8Array[] = [];
  let parts = target.split("/");
  if (target.startsWith("/")) {
    comps.push(Uint8Array.of(0x08, 0));
    parts = parts.slice(1);
  }
  for (const p of parts) {
    if (p === "") continue;
    if (p === ".") comps.push(Uint8Array.of(0x02, 0));
    else if (p === "..") comps.push(Uint8Array.of(0x04, 0));
    else {
      const bytes = Buffer.from(p, "utf8");
      const room = MAX_ENTRY - 5 - 2;
      for (let off = 0; off < bytes.length; off += room) {
        const part = bytes.subarray(off, off + room);
        const c = new Uint8Array(2 + part.length);
        c[0] = off + room < bytes.length ? 0x01 : 0;
        c[1] = part.length;
        c.set(part, 2);
        comps.push(c);
      }
    }
  }
  return comps;
}

/** `SL` entries for a symlink target, split with the CONTINUE flag when longer than one entry. */
export function sl(target: string): Uint8Array[] {
  const comps = slComponents(target);
  const out: Uint8Array[] = [];
  let cur: Uint8Array[] = [];
  let len = 5;
  const flush = (more: boolean) => {
    const b = head("SL", len);
    b[4] = more ? 1 : 0;
    let o = 5;
    for (const c of cur) {
      b.set(c, o);
      o += c.length;
    }
    out.push(b);
    cur = [];
    len = 5;
  };
  for (const c of comps) {
    if (len + c.length > MAX_ENTRY) flush(true);
    cur.push(c);
    len += c.length;
  }
  flush(false);
  return out;
}

/** A `CE` entry: the continuation area at `block`:`offset`, `length` bytes. */
export function ce(block: number, offset: number, length: number): Uint8Array {
  const b = head("CE", CE_LEN);
  both32(b, 4, block);
  both32(b, 12, offset);
  both32(b, 20, length);
  return b;
}
