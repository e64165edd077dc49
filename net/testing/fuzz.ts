/**
 * Fuzz volume and seeded mutation for hostile-input tests (issue #19 "Fuzz
 * volume").
 *
 * Every fuzz test runs `fuzzIterations()` inputs: `FUZZ_ITERATIONS` from
 * the environment, else `FUZZ_DEFAULT_ITERATIONS` (10^5 — the slice
 * `npm test` runs). `npm run fuzz` (scripts/fuzz.ts) runs the same tests
 * with 10^6. Inputs derive from fixed seeds, so a failure reproduces with the
 * same count; `FUZZ_SEED` shifts every seed to explore further.
 */

/** Inputs per fuzz test when `FUZZ_ITERATIONS` is unset: the CI slice. */
export const FUZZ_DEFAULT_ITERATIONS = 100_000;
/** Inputs per fuzz test under `npm run fuzz`. */
export const FUZZ_FULL_ITERATIONS = 1_000_000;

/** How many inputs a fuzz test feeds (`FUZZ_ITERATIONS`, else the CI slice). */
export function fuzzIterations(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const n = Number.parseInt(env.FUZZ_ITERATIONS ?? "", 10);
  return Number.isInteger(n) && n > 0 ? n : FUZZ_DEFAULT_ITERATIONS;
}

/** A generous per-test timeout for `n` inputs at up to `msPerInput` each (bun's default is 5 s). */
export function fuzzTimeoutMs(n: number, msPerInput = 0.5): number {
  return Math.max(60_000, Math.ceil(n * msPerInput));
}

/** xorshift32: same seed, same sequence. */
export class Rng {
  #s: number;

  constructor(seed: number, env: Readonly<Record<string, string | undefined>> = process.env) {
    const shift = Number.parseInt(env.FUZZ_SEED ?? "0", 10) || 0;
    this.#s = (seed + shift * 0x9e3779b1) >>> 0 || 1;
  }

  /** Next 32-bit unsigned value. */
  next(): number {
    let s = this.#s;
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    this.#s = s;
    return s;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }

  bytes(n: number): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)] as T;
  }
}

/** Byte values parsers treat specially: zero, sign boundaries, all ones, ASCII structure. */
const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x2f, 0x2e, 0x22, 0x7b, 0x7d, 0x5c, 0x0a, 0x3a];

/**
 * A seeded mutation of `base`: one to four edits among bit flips, interesting
 * bytes, random bytes, truncation, insertion, duplication of a slice, and
 * 32-bit boundary values written big- or little-endian. `base` is not changed.
 */
export function mutate(base: Uint8Array, rng: Rng, maxLen = 1 << 16): Uint8Array<ArrayBuffer> {
  let b: Uint8Array<ArrayBuffer> = new Uint8Array(base);
  const edits = 1 + rng.below(4);
  for (let e = 0; e < edits; e++) {
    const at = rng.below(Math.max(1, b.length));
    switch (rng.below(8)) {
      case 0:
        if (b.length) b[at] = (b[at] as number) ^ (1 << rng.below(8));
        break;
      case 1:
        if (b.length) b[at] = rng.pick(INTERESTING);
        break;
      case 2:
        if (b.length) b.set(rng.bytes(Math.min(1 + rng.below(8), b.length - at)), at);
        break;
      case 3:
        b = b.slice(0, rng.below(b.length + 1));
        break;
      case 4: {
        const ins = rng.bytes(1 + rng.below(16));
        b = concat(b.subarray(0, at), ins, b.subarray(at));
        break;
      }
      case 5: {
        const len = rng.below(Math.min(64, b.length - at) + 1);
        b = concat(b.subarray(0, at), b.subarray(at, at + len), b.subarray(at));
        break;
      }
      case 6: {
        if (b.length >= 4 && at <= b.length - 4) {
          const v = rng.pick([0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x10000]);
          new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, v, rng.below(2) === 0);
        }
        break;
      }
      default:
        b = concat(b, rng.bytes(rng.below(32)));
    }
  }
  return b.length > maxLen ? b.slice(0, maxLen) : b;
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A seeded mutation of a string (through its UTF-8 bytes; invalid sequences decode to U+FFFD). */
export function mutateText(base: string, rng: Rng, maxLen = 1 << 14): string {
  return new TextDecoder().decode(mutate(new TextEncoder().encode(base), rng, maxLen));
}
