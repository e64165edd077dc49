/**
 * CRC-32 (ISO-HDLC polynomial 0xEDB88320), as PNG uses for chunk checksums
 * (PNG spec §5.5). Table-driven; the table is built once per `Crc32` instance and never
 * mutated afterwards.
 */

const POLY = 0xedb88320;

function buildTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLY ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/** Immutable lookup table shared by all callers (never written after construction). */
const TABLE: Readonly<Uint32Array> = buildTable();

/** CRC-32 of `bytes[start, end)`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = (TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
