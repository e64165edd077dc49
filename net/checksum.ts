/**
 * The Internet checksum (RFC 1071): one's-complement sum of 16-bit words.
 *
 * `sum16` accumulates without folding so pseudo-headers (RFC 793 §3.1, RFC 768) can be
 * added to payload sums; `finish` folds and complements. Reads are bounds-checked by
 * construction (they stop at `end`), an odd trailing byte is padded with zero.
 */

/** Adds the 16-bit big-endian words of `buf[start, end)` to `acc`. */
export function sum16(buf: Uint8Array, start: number, end: number, acc = 0): number {
  let s = acc;
  let i = start;
  const last = end - 1;
  for (; i < last; i += 2) s += ((buf[i] as number) << 8) | (buf[i + 1] as number);
  if (i < end) s += (buf[i] as number) << 8;
  // Fold periodically is unnecessary: JS numbers hold 2^53, far beyond 64 KiB of words.
  return s;
}

/** Folds carries and complements to the final 16-bit checksum. */
export function finish(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

/** Pseudo-header sum for TCP/UDP over IPv4 (RFC 793 §3.1). */
export function pseudoHeaderSum(src: number, dst: number, proto: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + length;
}
