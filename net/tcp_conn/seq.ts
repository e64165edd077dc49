/**
 * TCP sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4): comparisons hold for
 * numbers less than 2^31 apart, as every window here is.
 */

/** `a` precedes `b`. */
export const seqLt = (a: number, b: number): boolean => ((a - b) | 0) < 0;
/** `a` precedes or equals `b`. */
export const seqLe = (a: number, b: number): boolean => ((a - b) | 0) <= 0;
/** `a + n` wrapped to 32 bits. */
export const seqAdd = (a: number, n: number): number => (a + n) >>> 0;
/** Signed distance from `b` to `a`. */
export const seqDiff = (a: number, b: number): number => (a - b) | 0;
