/**
 * Summed-area tables (integral images) of a grey plane and of its squares, so the sum and
 * the sum of squares of any window cost four lookups — the window normalisation of
 * normalised cross-correlation in O(1) per position.
 *
 * Tables are (width+1)×(height+1) `Float64Array`s with a zero first row and column. At full
 * resolution the plane holds integers 0..255, so every entry is an exact integer
 * (255² × 16384² < 2^53): window statistics carry no rounding error and equal windows
 * score exactly equal, which keeps tie-breaking deterministic.
 */
import type { GrayImage } from "./image.ts";

/** Sum and sum-of-squares tables of one plane. */
export interface Integral {
  /** Row length of the tables: image width + 1. */
  readonly stride: number;
  readonly sum: Float64Array;
  readonly sq: Float64Array;
}

/** Builds both tables in one pass. */
export function integral(img: GrayImage): Integral {
  const stride = img.width + 1;
  const sum = new Float64Array(stride * (img.height + 1));
  const sq = new Float64Array(stride * (img.height + 1));
  const d = img.data;
  for (let y = 0; y < img.height; y++) {
    let rs = 0;
    let rq = 0;
    const row = (y + 1) * stride;
    const up = y * stride;
    for (let x = 0; x < img.width; x++) {
      const v = d[y * img.width + x] as number;
      rs += v;
      rq += v * v;
      sum[row + x + 1] = (sum[up + x + 1] as number) + rs;
      sq[row + x + 1] = (sq[up + x + 1] as number) + rq;
    }
  }
  return { stride, sum, sq };
}

/** Sum over the window at (x, y) of size w×h from a table. */
export function windowSum(t: Float64Array, stride: number, x: number, y: number, w: number, h: number): number {
  const a = y * stride + x;
  const b = (y + h) * stride + x;
  return (t[b + w] as number) - (t[b] as number) - (t[a + w] as number) + (t[a] as number);
}
