/**
 * Exact-occurrence search: the first window (row-major) whose pixels equal the template's.
 *
 * Reference images are usually crops of earlier screenshots of the same guest, so the
 * template often occurs pixel for pixel. Such a window has the maximal coefficient, and
 * scanning for it is cheap: each position is rejected on its first differing pixel, and
 * the comparison starts with the template's rarest grey level (a pixel of "ink", seldom
 * background). Finding it first also settles ties between identical copies (two equal
 * buttons) the way an exhaustive scan does: the top-most, then left-most, wins.
 *
 * The scan gives up after `EXACT_BUDGET` pixel comparisons and returns "unknown", so a
 * pathological screen costs a bounded amount before the correlation search takes over.
 */
import type { GrayImage } from "./image.ts";

/** Pixel comparisons after which the exact scan gives up. */
export const EXACT_BUDGET = 40_000_000;

/** `found` with the position, `absent`, or `unknown` when the budget ran out. */
export type ExactResult = { readonly kind: "found"; readonly x: number; readonly y: number } | { readonly kind: "absent" } | { readonly kind: "unknown" };

/** Scans for the first exact copy of `tpl` in `img`. */
export function firstExactOccurrence(img: GrayImage, tpl: GrayImage, budget = EXACT_BUDGET): ExactResult {
  const W = img.width;
  const n = tpl.width * tpl.height;
  const counts = new Map<number, number>();
  for (const v of tpl.data) counts.set(v, (counts.get(v) ?? 0) + 1);
  // Comparison order: pixels of rarer grey levels first, then row-major. Sorting packed
  // numeric keys (count·n + index) natively keeps this O(n log n) without a comparator.
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = (counts.get(tpl.data[i] as number) as number) * n + i;
  keys.sort();
  const off = new Int32Array(n);
  const val = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const i = (keys[j] as number) % n;
    off[j] = Math.floor(i / tpl.width) * W + (i % tpl.width);
    val[j] = tpl.data[i] as number;
  }
  const d = img.data;
  const first = val[0] as number;
  const off0 = off[0] as number;
  let work = 0;
  for (let y = 0; y + tpl.height <= img.height; y++) {
    for (let x = 0; x + tpl.width <= W; x++) {
      const p = y * W + x;
      work++;
      if (d[p + off0] !== first) continue;
      let j = 1;
      while (j < n && d[p + (off[j] as number)] === val[j]) j++;
      work += j;
      if (j === n) return { kind: "found", x, y };
    }
    if (work > budget) return { kind: "unknown" };
  }
  return { kind: "absent" };
}
