/**
 * Where bench/vision crops its templates, and how it makes the `noisy` variant.
 *
 * Rendered pages name their buttons, labels, icons and fields (`render.ts` → `Target`):
 * for each template size the target whose box fits the size best (log-ratio distance)
 * and whose crop is textured (grey variance ≥ `MIN_VARIANCE`, so no flat panel) wins; a
 * target is used once per screen. The window is centred on a target smaller than the
 * template and starts `LEAD` pixels before a larger one (a long label's first words, not
 * the blank middle of its box). The VM console has no targets: it takes a seeded pick
 * among the most textured windows of a grid scan. Synthetic screens keep the original
 * pick (seeded random positions until one is textured), so their figures stay comparable
 * with earlier runs.
 */
import type { GrayImage, Rect, RgbImage } from "../../core/vision/mod.ts";
import { cropGray, cropRgb, toGray } from "../../core/vision/mod.ts";
import { Rng } from "../../core/vision/testing/synth.ts";
import type { Target } from "./render.ts";

/** A crop must have at least this grey variance (σ ≈ 20 levels) to count as textured. */
export const MIN_VARIANCE = 400;
/** ± grey levels of uniform noise in the `noisy` variant. */
export const NOISE = 8;
/** Pixels of context kept before the start of a target larger than the template. */
const LEAD = 4;
/** Grid step of the texture scan on screens without targets. */
const SCAN_STEP = 8;
/** The texture scan picks among this top fraction of windows by variance. */
const SCAN_TOP = 0.25;

export function variance(g: GrayImage): number {
  let s = 0,
    q = 0;
  for (const v of g.data) (s += v), (q += v * v);
  return q / g.data.length - (s / g.data.length) ** 2;
}

/** The `noisy` variant: every channel ± `NOISE`, clamped. */
export function addNoise(img: RgbImage, rng: Rng): RgbImage {
  const d = img.data.map((v) => Math.max(0, Math.min(255, v + rng.int(-NOISE, NOISE + 1))));
  return { width: img.width, height: img.height, data: d };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}

function around(t: Target, w: number, h: number, screen: RgbImage): Rect {
  const x = t.w <= w ? t.x + Math.floor((t.w - w) / 2) : t.x - LEAD;
  const y = t.h <= h ? t.y + Math.floor((t.h - h) / 2) : t.y - LEAD;
  return { x: clamp(x, 0, screen.width - w), y: clamp(y, 0, screen.height - h), w, h };
}

function fit(t: Target, w: number, h: number): number {
  return Math.abs(Math.log(Math.max(t.w, 8) / w)) + Math.abs(Math.log(Math.max(t.h, 8) / h));
}

/** A crop of w×h around the best-fitting unused textured target, or undefined if none is left. */
export function cropAtTarget(screen: RgbImage, targets: readonly Target[], used: Set<Target>, w: number, h: number): { rect: Rect; kind: string } | undefined {
  const ranked = targets.filter((t) => !used.has(t)).sort((a, b) => fit(a, w, h) - fit(b, w, h));
  for (const t of ranked) {
    const rect = around(t, w, h, screen);
    if (variance(toGray(cropRgb(screen, rect))) < MIN_VARIANCE) continue;
    used.add(t);
    return { rect, kind: t.kind };
  }
  return undefined;
}

/** A seeded pick among the most textured w×h windows of a grid scan. */
export function cropByTexture(screen: RgbImage, w: number, h: number, rng: Rng): Rect {
  const g = toGray(screen);
  const windows: Array<{ rect: Rect; v: number }> = [];
  for (let y = 0; y + h <= screen.height; y += SCAN_STEP) {
    for (let x = 0; x + w <= screen.width; x += SCAN_STEP) {
      const rect = { x, y, w, h };
      windows.push({ rect, v: variance(cropGray(g, rect)) });
    }
  }
  windows.sort((a, b) => b.v - a.v);
  const top = windows.slice(0, Math.max(1, Math.floor(windows.length * SCAN_TOP)));
  return (top[rng.int(0, top.length)] as { rect: Rect }).rect;
}

/** The original synthetic-screen pick: seeded random positions, the first textured one (or the 100th try). */
export function cropRandomTextured(screen: RgbImage, w: number, h: number, rng: Rng): Rect {
  let x = 0,
    y = 0;
  for (let tries = 0; tries < 100; tries++) {
    x = rng.int(0, screen.width - w);
    y = rng.int(0, screen.height - h);
    if (variance(toGray(cropRgb(screen, { x, y, w, h }))) > MIN_VARIANCE) break;
  }
  return { x, y, w, h };
}
