/**
 * Picture preparation for OCR. Tesseract is trained on dark text on a light page at
 * roughly 20–40 px line height; VGA text-mode screens (720×400, light grey glyphs of an
 * 8×16/9×16 font on black) and small UI fonts are neither. So:
 *  - a mostly dark picture (mean below `DARK_MEAN`) is inverted;
 *  - a picture narrower than `UPSCALE_BELOW_WIDTH` is enlarged `UPSCALE` times with
 *    bilinear interpolation (smooth edges read better than blocky ones).
 * Binarisation is left to the engine (Tesseract's Otsu does well on clean screens).
 */
import type { GrayImage } from "./image.ts";
import { newGray } from "./image.ts";

/** Mean grey level below which the picture is treated as light-on-dark and inverted. */
export const DARK_MEAN = 110;
/** Enlarge pictures narrower than this. */
export const UPSCALE_BELOW_WIDTH = 1600;
/** Enlargement factor for small pictures. */
export const UPSCALE = 2;

/** The prepared picture and the factor its coordinates were scaled by. */
export interface PreparedImage {
  readonly image: GrayImage;
  readonly scale: number;
}

/** Inverts dark pictures and upscales small ones. */
export function prepareForOcr(g: GrayImage): PreparedImage {
  let mean = 0;
  for (const v of g.data) mean += v;
  mean /= Math.max(1, g.data.length);
  const src = mean < DARK_MEAN ? invert(g) : g;
  if (g.width >= UPSCALE_BELOW_WIDTH) return { image: src, scale: 1 };
  return { image: upscale(src, UPSCALE), scale: UPSCALE };
}

/** 255 − v for every pixel. */
export function invert(g: GrayImage): GrayImage {
  const out = newGray(g.width, g.height);
  for (let i = 0; i < g.data.length; i++) out.data[i] = 255 - (g.data[i] as number);
  return out;
}

/** Bilinear enlargement by an integer factor (pixel centres aligned, edges clamped). */
export function upscale(g: GrayImage, k: number): GrayImage {
  const W = g.width * k;
  const H = g.height * k;
  const out = newGray(W, H);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(g.height - 1, Math.max(0, (y + 0.5) / k - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(g.height - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < W; x++) {
      const sx = Math.min(g.width - 1, Math.max(0, (x + 0.5) / k - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(g.width - 1, x0 + 1);
      const fx = sx - x0;
      const a = g.data[y0 * g.width + x0] as number;
      const b = g.data[y0 * g.width + x1] as number;
      const c = g.data[y1 * g.width + x0] as number;
      const d = g.data[y1 * g.width + x1] as number;
      out.data[y * W + x] = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
    }
  }
  return out;
}
