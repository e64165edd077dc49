/**
 * Synthetic screen-like images for tests and benchmarks: a desktop of windows, title bars,
 * buttons, text lines and icons, drawn deterministically from a seed.
 *
 * The "text" uses a pseudo-font: each character code gets a fixed random 5×7 bitmap drawn
 * in an 8×16 cell, so lines have the density and high-frequency edges of real UI text
 * (what makes template matching hard) without shipping a font. Not for OCR.
 */
import type { RgbImage } from "../image.ts";
import { newRgb } from "../image.ts";

/** A seeded PRNG (mulberry32); each instance owns its state. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo));
  }
}

type Rgb = readonly [number, number, number];

/** Fills a rectangle, clipped to the image. */
export function fillRect(img: RgbImage, x: number, y: number, w: number, h: number, c: Rgb): void {
  const x0 = Math.max(0, x),
    y0 = Math.max(0, y);
  const x1 = Math.min(img.width, x + w),
    y1 = Math.min(img.height, y + h);
  for (let yy = y0; yy < y1; yy++) {
    for (let xx = x0; xx < x1; xx++) {
      const o = (yy * img.width + xx) * 3;
      img.data[o] = c[0];
      img.data[o + 1] = c[1];
      img.data[o + 2] = c[2];
    }
  }
}

const GLYPH_W = 5;
const GLYPH_H = 7;
/** Pixels per character cell, like an 8×16 VGA font. */
export const CELL_W = 8;
export const CELL_H = 16;

/** Builds the pseudo-font for a seed: 128 glyphs of 5×7 bits (space is blank). */
function pseudoFont(seed: number): Uint8Array[] {
  const rng = new Rng(seed ^ 0x5eed);
  const font: Uint8Array[] = [];
  for (let c = 0; c < 128; c++) {
    const g = new Uint8Array(GLYPH_W * GLYPH_H);
    if (c !== 32) for (let i = 0; i < g.length; i++) g[i] = rng.next() < 0.45 ? 1 : 0;
    font.push(g);
  }
  return font;
}

/** Draws `text` with the pseudo-font at (x, y), one 8×16 cell per character, scaled 1×/2× vertically. */
export function drawText(img: RgbImage, font: Uint8Array[], text: string, x: number, y: number, fg: Rgb): void {
  for (let i = 0; i < text.length; i++) {
    const g = font[text.charCodeAt(i) & 127] as Uint8Array;
    for (let gy = 0; gy < GLYPH_H; gy++) {
      for (let gx = 0; gx < GLYPH_W; gx++) {
        if (g[gy * GLYPH_W + gx]) fillRect(img, x + i * CELL_W + 1 + gx, y + 2 + gy * 2, 1, 2, fg);
      }
    }
  }
}

const WORDS = [
  "Install",
  "Next",
  "Cancel",
  "Disk",
  "Partition",
  "Network",
  "user",
  "root",
  "OK",
  "Back",
  "Settings",
  "Keyboard",
  "Language",
  "Continue",
  "Finish",
  "Windows",
  "Debian",
  "Boot",
  "Loading",
  "Password",
];

function sentence(rng: Rng, maxChars: number): string {
  let s = "";
  while (s.length < maxChars) s += (s ? " " : "") + (WORDS[rng.int(0, WORDS.length)] as string);
  return s.slice(0, maxChars);
}

/** Draws a screen-like picture: desktop, overlapping windows with title bars, text, buttons, icons. */
export function syntheticScreen(width: number, height: number, seed: number): RgbImage {
  const rng = new Rng(seed);
  const font = pseudoFont(seed);
  const img = newRgb(width, height);
  const desk: Rgb = [rng.int(20, 80), rng.int(60, 120), rng.int(100, 160)];
  fillRect(img, 0, 0, width, height, desk);
  fillRect(img, 0, height - 28, width, 28, [40, 40, 48]);
  drawText(img, font, sentence(rng, 12), 8, height - 22, [230, 230, 230]);
  for (let i = 0; i < 8; i++) {
    // desktop icons: a coloured square and a label
    const ix = 16,
      iy = 16 + i * 72;
    if (iy + 64 > height - 28) break;
    fillRect(img, ix + 8, iy, 40, 40, [rng.int(0, 256), rng.int(0, 256), rng.int(0, 256)]);
    fillRect(img, ix + 16, iy + 8, 24, 24, [rng.int(0, 256), rng.int(0, 256), rng.int(0, 256)]);
    drawText(img, font, sentence(rng, 7), ix, iy + 44, [255, 255, 255]);
  }
  const windows = 2 + rng.int(0, 3);
  for (let wdx = 0; wdx < windows; wdx++) {
    const ww = rng.int(Math.floor(width / 4), Math.floor(width / 1.6));
    const wh = rng.int(Math.floor(height / 4), Math.floor(height / 1.5));
    const wx = rng.int(90, Math.max(91, width - ww));
    const wy = rng.int(0, Math.max(1, height - 28 - wh));
    fillRect(img, wx - 1, wy - 1, ww + 2, wh + 2, [90, 90, 90]);
    fillRect(img, wx, wy, ww, wh, [236, 236, 236]);
    fillRect(img, wx, wy, ww, 24, [rng.int(30, 90), rng.int(60, 130), rng.int(150, 220)]);
    drawText(img, font, sentence(rng, Math.floor(ww / CELL_W) - 6), wx + 8, wy + 4, [255, 255, 255]);
    for (let b = 0; b < 3; b++) fillRect(img, wx + ww - 22 * (b + 1), wy + 4, 16, 16, [200, 200 - b * 60, 200 - b * 60]);
    const lines = Math.floor((wh - 80) / 20);
    for (let l = 0; l < lines; l++) {
      const col: Rgb = rng.next() < 0.15 ? [0, 0, 200] : [20, 20, 20];
      drawText(img, font, sentence(rng, rng.int(5, Math.max(6, Math.floor((ww - 24) / CELL_W)))), wx + 12, wy + 34 + l * 20, col);
    }
    if (rng.next() < 0.5) {
      // an input box with a caret
      fillRect(img, wx + 12, wy + wh - 80, Math.min(220, ww - 24), 22, [255, 255, 255]);
      fillRect(img, wx + 12, wy + wh - 80, Math.min(220, ww - 24), 1, [120, 120, 120]);
      fillRect(img, wx + 16, wy + wh - 76, 1, 14, [0, 0, 0]);
    }
    for (let b = 0; b < 2; b++) {
      // buttons
      const bx = wx + ww - 100 * (b + 1) - 8,
        by = wy + wh - 40;
      fillRect(img, bx, by, 88, 28, [110, 110, 110]);
      fillRect(img, bx + 1, by + 1, 86, 26, b === 0 ? [60, 120, 215] : [225, 225, 225]);
      drawText(img, font, b === 0 ? "Next" : "Cancel", bx + 16, by + 6, b === 0 ? [255, 255, 255] : [0, 0, 0]);
    }
  }
  return img;
}
