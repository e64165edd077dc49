/**
 * In-memory images: 8-bit RGB pictures and single-channel grey planes.
 *
 * Contract: every decoder normalises to `RgbImage` (3 bytes per pixel, row-major, no
 * padding), whatever the file held (grey, RGBA, palette, 16-bit). Matching and OCR work on
 * `GrayImage` planes (`Float32Array`, one value per pixel, 0..255 at full resolution).
 * Grey conversion uses the ITU-R BT.601 luma weights in the same 14-bit fixed point as
 * OpenCV's `cvtColor(RGB2GRAY)`, so a screenshot yields the identical plane in both and
 * benchmark results are comparable bit for bit.
 *
 * Leaves out: colour management, gamma, alpha compositing (alpha is dropped).
 */
import type { Rect, VisionResult } from "./errors.ts";
import { fail, ok } from "./errors.ts";

/** An 8-bit RGB image, 3 bytes per pixel, row-major. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** A single-channel image; full-resolution planes hold integers 0..255. */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** Largest accepted width or height of a decoded image (guards hostile headers). */
export const MAX_IMAGE_SIDE = 16_384;
/** Largest accepted pixel count of a decoded image (64 Mpx ≈ 192 MB as RGB). */
export const MAX_IMAGE_PIXELS = 64 * 1024 * 1024;

/** Fixed-point BT.601 weights (sum 2^14), as used by OpenCV for RGB→grey. */
const GRAY_R = 4899;
const GRAY_G = 9617;
const GRAY_B = 1868;
const GRAY_SHIFT = 14;
const GRAY_ROUND = 1 << (GRAY_SHIFT - 1);

/** Makes a black RGB image. */
export function newRgb(width: number, height: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3) };
}

/** Makes a zero grey plane. */
export function newGray(width: number, height: number): GrayImage {
  return { width, height, data: new Float32Array(width * height) };
}

/** Converts RGB to a grey plane (BT.601, OpenCV-identical rounding). */
export function toGray(img: RgbImage): GrayImage {
  const out = newGray(img.width, img.height);
  const src = img.data;
  const dst = out.data;
  for (let i = 0, j = 0; i < dst.length; i++, j += 3) {
    dst[i] = ((src[j] as number) * GRAY_R + (src[j + 1] as number) * GRAY_G + (src[j + 2] as number) * GRAY_B + GRAY_ROUND) >> GRAY_SHIFT;
  }
  return out;
}

/** Expands a grey plane back to RGB (values clamped and rounded to 0..255). */
export function grayToRgb(g: GrayImage): RgbImage {
  const out = newRgb(g.width, g.height);
  for (let i = 0; i < g.data.length; i++) {
    const v = Math.max(0, Math.min(255, Math.round(g.data[i] as number)));
    out.data[i * 3] = v;
    out.data[i * 3 + 1] = v;
    out.data[i * 3 + 2] = v;
  }
  return out;
}

/** Checks that `r` is a non-empty rectangle inside a `width`×`height` image. */
export function checkRegion(r: Rect, width: number, height: number, source: string): VisionResult<Rect> {
  const ints = [r.x, r.y, r.w, r.h].every((v) => Number.isInteger(v));
  if (!ints || r.w <= 0 || r.h <= 0 || r.x < 0 || r.y < 0 || r.x + r.w > width || r.y + r.h > height) {
    return fail({
      code: "vision.bad_region",
      source,
      region: r,
      message: `Cannot use region [${r.x}, ${r.y}, ${r.w}, ${r.h}]: it is not a non-empty rectangle inside the ${width}×${height} image`,
      hint: "give [x, y, w, h] with integer values, w and h > 0, and x+w, y+h within the screen size",
    });
  }
  return ok(r);
}

/** Copies a rectangle out of an RGB image; the caller checks the region (see `checkRegion`). */
export function cropRgb(img: RgbImage, r: Rect): RgbImage {
  const out = newRgb(r.w, r.h);
  for (let y = 0; y < r.h; y++) {
    const from = ((r.y + y) * img.width + r.x) * 3;
    out.data.set(img.data.subarray(from, from + r.w * 3), y * r.w * 3);
  }
  return out;
}

/** Copies a rectangle out of a grey plane; the caller checks the region. */
export function cropGray(img: GrayImage, r: Rect): GrayImage {
  const out = newGray(r.w, r.h);
  for (let y = 0; y < r.h; y++) {
    const from = (r.y + y) * img.width + r.x;
    out.data.set(img.data.subarray(from, from + r.w), y * r.w);
  }
  return out;
}
