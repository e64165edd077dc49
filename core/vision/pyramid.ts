/**
 * Image pyramid for coarse-to-fine matching: each level halves width and height by
 * averaging 2×2 blocks (a box filter, which is also the anti-alias filter). Odd trailing
 * rows/columns are dropped, so level-l pixel (x, y) covers full-resolution pixels
 * [x·2^l, (x+1)·2^l) × [y·2^l, (y+1)·2^l).
 */
import type { GrayImage } from "./image.ts";
import { newGray } from "./image.ts";

/** Binomial taps [1 3 3 1]/8 around the 2×2 block: a smoother anti-alias filter than the box,
 * so a pattern shifted by one pixel changes its coarse image less (fewer pyramid misses). */
const TAPS = [1 / 8, 3 / 8, 3 / 8, 1 / 8] as const;

/** Halves a plane: separable [1 3 3 1]/8 filter centred on each 2×2 block, edges clamped. */
export function downsample(img: GrayImage): GrayImage {
  const w = img.width >> 1;
  const h = img.height >> 1;
  const W = img.width;
  const s = img.data;
  // horizontal pass into a (w × img.height) buffer
  const tmp = new Float32Array(w * img.height);
  for (let y = 0; y < img.height; y++) {
    const r = y * W;
    for (let x = 0; x < w; x++) {
      const c = 2 * x;
      const a = s[r + Math.max(0, c - 1)] as number;
      const b = s[r + c] as number;
      const d = s[r + c + 1] as number;
      const e = s[r + Math.min(W - 1, c + 2)] as number;
      tmp[y * w + x] = TAPS[0] * a + TAPS[1] * b + TAPS[2] * d + TAPS[3] * e;
    }
  }
  const out = newGray(w, h);
  const H = img.height;
  for (let y = 0; y < h; y++) {
    const c = 2 * y;
    const r0 = Math.max(0, c - 1) * w,
      r1 = c * w,
      r2 = (c + 1) * w,
      r3 = Math.min(H - 1, c + 2) * w;
    for (let x = 0; x < w; x++) {
      out.data[y * w + x] =
        TAPS[0] * (tmp[r0 + x] as number) + TAPS[1] * (tmp[r1 + x] as number) + TAPS[2] * (tmp[r2 + x] as number) + TAPS[3] * (tmp[r3 + x] as number);
    }
  }
  return out;
}

/** Levels 0..levels of a plane; level 0 is the plane itself. */
export function pyramid(img: GrayImage, levels: number): GrayImage[] {
  const out = [img];
  for (let l = 1; l <= levels; l++) out.push(downsample(out[l - 1] as GrayImage));
  return out;
}
