/**
 * Little helpers for the on-disk integer and date encodings of ISO 9660
 * (ECMA-119 §7) shared by the ISO structures.
 */

/** ECMA-119 §7.2.3: a 16-bit number recorded little-endian then big-endian. */
export function both16(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}

/** ECMA-119 §7.3.3: a 32-bit number recorded little-endian then big-endian. */
export function both32(b: Uint8Array, off: number, v: number): void {
  le32(b, off, v);
  be32(b, off + 4, v);
}

export function le16(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
}

export function be16(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 8) & 0xff;
  b[off + 1] = v & 0xff;
}

export function le32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = (v >>> 24) & 0xff;
}

export function be32(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 24) & 0xff;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}

/** ECMA-119 §9.1.5: the 7-byte recording date of a directory record (UTC). */
export function dirDate(b: Uint8Array, off: number, ms: number): void {
  const d = new Date(ms);
  b[off] = Math.max(0, Math.min(255, d.getUTCFullYear() - 1900));
  b[off + 1] = d.getUTCMonth() + 1;
  b[off + 2] = d.getUTCDate();
  b[off + 3] = d.getUTCHours();
  b[off + 4] = d.getUTCMinutes();
  b[off + 5] = d.getUTCSeconds();
  b[off + 6] = 0; // offset from GMT in 15-minute steps
}

/** ECMA-119 §8.4.26.1: the 17-byte volume descriptor date ("YYYYMMDDHHMMSScc" + GMT offset), UTC. */
export function volumeDate(b: Uint8Array, off: number, ms: number | undefined): void {
  if (ms === undefined) {
    b.fill(0x30, off, off + 16); // "0000000000000000": not specified
    b[off + 16] = 0;
    return;
  }
  const d = new Date(ms);
  const p = (n: number, w: number) => String(n).padStart(w, "0");
  const s = `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1, 2)}${p(d.getUTCDate(), 2)}${p(d.getUTCHours(), 2)}${p(d.getUTCMinutes(), 2)}${p(d.getUTCSeconds(), 2)}${p(Math.floor(d.getUTCMilliseconds() / 10), 2)}`;
  for (let i = 0; i < 16; i++) b[off + i] = s.charCodeAt(i);
  b[off + 16] = 0;
}

/** Write `s` as ASCII padded with spaces to `len` bytes. */
export function ascii(b: Uint8Array, off: number, len: number, s: string): void {
  for (let i = 0; i < len; i++) b[off + i] = i < s.length ? s.charCodeAt(i) & 0x7f : 0x20;
}

/** Write `s` as UCS-2 big-endian (Joliet) padded with UCS-2 spaces to `len` bytes. */
export function ucs2(b: Uint8Array, off: number, len: number, s: string): void {
  for (let i = 0; i + 1 < len; i += 2) {
    const c = i / 2 < s.length ? s.charCodeAt(i / 2) : 0x20;
    b[off + i] = c >>> 8;
    b[off + i + 1] = c & 0xff;
  }
}

/** Encode a string as UTF-16BE bytes (Joliet identifiers). */
export function utf16be(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) be16(out, i * 2, s.charCodeAt(i));
  return out;
}
