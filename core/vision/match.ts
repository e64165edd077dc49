/**
 * Template matching for `find_image` / `wait_for_image` (fact_vm_vision.md, PRD §10.3,
 * issue 7 item 6): grey-level `TM_CCOEFF_NORMED` (see `ncc.ts`), default threshold 0.9,
 * optional region of interest, best hit or every hit above the threshold.
 *
 * Theory of operation. An exhaustive scan costs positions × template pixels (10¹⁰ for a
 * 300×100 template on a 1080p screen), so the search runs coarse-to-fine:
 *  1. Build pyramids of screen and template (2×2 averaging). The coarsest level keeps the
 *     template at least `MIN_COARSE_SIDE` pixels on its short side, at most `MAX_LEVELS`.
 *  2. Score every position at the coarsest level and keep the `COARSE_CANDIDATES` best
 *     local maxima (not just the best one: text that blurs at coarse scale can rank a few
 *     places down, and this is the guard against pyramid misses).
 *  3. At each finer level, search ±`REFINE_RADIUS` around each candidate's doubled
 *     position and keep the best per candidate.
 *  4. The best full-resolution score wins; ties go to the first position in row-major
 *     order, as OpenCV's `minMaxLoc` does.
 * Before all this, `exact.ts` looks for a pixel-identical copy of the template (the usual
 * case for crops of earlier screenshots): it has the maximal score, costs one cheap scan,
 * and resolves ties between identical copies top-most first, like the exhaustive scan.
 * Small problems (positions × taps ≤ `EXHAUSTIVE_BUDGET`) are scanned exhaustively at
 * full resolution, which also covers tiny templates that have no useful coarse level.
 *
 * Errors (region outside the screen, template larger than the searched area) are data.
 * Leaves out: colour, scale and rotation invariance; masks.
 */
import type { Rect, VisionResult } from "./errors.ts";
import { fail, ok } from "./errors.ts";
import type { GrayImage } from "./image.ts";
import { checkRegion, cropGray } from "./image.ts";
import { firstExactOccurrence } from "./exact.ts";
import { NccScorer } from "./ncc.ts";
import { pyramid } from "./pyramid.ts";

/** A hit: window position and size, centre (for `mouse_move`), and its coefficient. */
export interface Match {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly cx: number;
  readonly cy: number;
  readonly score: number;
}

/** Default similarity threshold of `find_image` / `wait_for_image`. */
export const DEFAULT_THRESHOLD = 0.9;
/** Deepest pyramid level (1/8 resolution). */
export const MAX_LEVELS = 3;
/** The template's short side at the coarsest level is at least this many pixels. */
export const MIN_COARSE_SIDE = 8;
/** Local maxima kept at the coarsest level and carried down every level. */
export const COARSE_CANDIDATES = 16;
/**
 * A best match scoring below this after the coarse-to-fine pass is searched again, wide:
 * the `WIDE_COARSE_POSITIONS` best coarse positions (not only local maxima) are refined one
 * level down and the best `ESCALATED_CANDIDATES` carried on. A small template can lose its
 * true position at the coarsest level (sampled a pixel or two off the screen's grid it is a
 * shoulder, not a peak). Confident matches never pay for the second pass.
 */
export const CONFIDENT_SCORE = 0.95;
/**
 * Before the full-resolution level, candidates scoring more than this below the best at
 * half resolution are dropped when that best is confident: full-resolution taps are the
 * expensive part for large templates, and a half-resolution score is a close estimate.
 */
export const FINAL_PRUNE_MARGIN = 0.1;
/** Coarse positions the escalated (wide) pass refines one level down. */
export const WIDE_COARSE_POSITIONS = 1024;
/** Candidates carried down by the escalated pass. */
export const ESCALATED_CANDIDATES = 64;
/** Search radius (pixels at the finer level) around a candidate's doubled position. */
export const REFINE_RADIUS = 2;
/** Up to this many positions × taps, scan exhaustively at full resolution instead. */
export const EXHAUSTIVE_BUDGET = 3_000_000;
/** `findAllTemplates` returns at most this many hits. */
export const MAX_MATCHES = 100;
/** `findAllTemplates` keeps coarse maxima within this much of the threshold. */
export const COARSE_SLACK = 0.35;

/** Where to search and, for `findTemplate`/`findAllTemplates`, how similar a hit must be. */
export interface MatchOptions {
  /** Search only windows inside this rectangle of the screen. */
  readonly region?: Rect;
  /** Minimum score of a hit (default `DEFAULT_THRESHOLD`). */
  readonly threshold?: number;
}

interface Cand {
  x: number;
  y: number;
  score: number;
}

function toMatch(c: Cand, w: number, h: number, dx: number, dy: number): Match {
  const x = c.x + dx;
  const y = c.y + dy;
  return { x, y, w, h, cx: x + Math.floor(w / 2), cy: y + Math.floor(h / 2), score: c.score };
}

/** Row-major first wins among equal scores. */
function better(a: Cand, b: Cand): boolean {
  return a.score > b.score || (a.score === b.score && (a.y < b.y || (a.y === b.y && a.x < b.x)));
}

function prepare(screen: GrayImage, template: GrayImage, opts: MatchOptions, source: string): VisionResult<{ area: GrayImage; dx: number; dy: number }> {
  let area = screen;
  let dx = 0;
  let dy = 0;
  if (opts.region !== undefined) {
    const r = checkRegion(opts.region, screen.width, screen.height, source);
    if (!r.ok) return r;
    area = cropGray(screen, r.value);
    dx = r.value.x;
    dy = r.value.y;
  }
  if (template.width > area.width || template.height > area.height || template.width === 0 || template.height === 0) {
    return fail({
      code: "vision.template_too_large",
      source,
      template: { w: template.width, h: template.height },
      area: { w: area.width, h: area.height },
      message: `Cannot match a ${template.width}×${template.height} reference image inside a ${area.width}×${area.height} ${opts.region ? "region" : "screen"}`,
      hint: "crop the reference image smaller, or widen the region",
    });
  }
  return ok({ area, dx, dy });
}

/** Scores every full-resolution position and returns the row-major-first best (the reference search). */
export function exhaustiveBest(screen: GrayImage, template: GrayImage, opts: MatchOptions = {}, source = "screen"): VisionResult<Match> {
  const p = prepare(screen, template, opts, source);
  if (!p.ok) return p;
  const s = new NccScorer(p.value.area, template);
  let best: Cand = { x: 0, y: 0, score: -Infinity };
  for (let y = 0; y <= s.maxY; y++) {
    for (let x = 0; x <= s.maxX; x++) {
      const v = s.score(x, y);
      if (v > best.score) best = { x, y, score: v };
    }
  }
  return ok(toMatch(best, template.width, template.height, p.value.dx, p.value.dy));
}

/** Local maxima (≥ all 8 neighbours) of a score map, best first, at most `limit`, scoring at least `floor`. */
function localMaxima(map: Float64Array, w: number, h: number, limit: number, floor: number): Cand[] {
  const out: Cand[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = map[y * w + x] as number;
      if (v < floor) continue;
      let peak = true;
      for (let ny = Math.max(0, y - 1); ny <= Math.min(h - 1, y + 1) && peak; ny++) {
        for (let nx = Math.max(0, x - 1); nx <= Math.min(w - 1, x + 1); nx++) {
          if ((map[ny * w + nx] as number) > v) {
            peak = false;
            break;
          }
        }
      }
      if (peak) out.push({ x, y, score: v });
    }
  }
  out.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  return out.slice(0, limit);
}

function levelsFor(area: GrayImage, template: GrayImage, taps: number): number {
  const positions = (area.width - template.width + 1) * (area.height - template.height + 1);
  if (positions * Math.max(1, taps) <= EXHAUSTIVE_BUDGET) return 0;
  let l = 0;
  while (l < MAX_LEVELS && Math.min(template.width, template.height) >> (l + 1) >= MIN_COARSE_SIDE) l++;
  return l;
}

/**
 * Coarse-to-fine search: the refined candidates at full resolution, best first.
 * `floorAtCoarse` drops coarse maxima below it; `limit` bounds the candidates carried down.
 */
function search(area: GrayImage, template: GrayImage, limit: number, floorAtCoarse: number, wide = false): Cand[] {
  const full = new NccScorer(area, template);
  const levels = levelsFor(area, template, full.taps);
  if (levels === 0) return localMaxima(full.map(), full.maxX + 1, full.maxY + 1, limit, floorAtCoarse);
  const imgs = pyramid(area, levels);
  const tpls = pyramid(template, levels);
  const coarse = new NccScorer(imgs[levels] as GrayImage, tpls[levels] as GrayImage);
  const map = coarse.map();
  // Wide: the best positions of the coarse map, not only its local maxima, so a true
  // position sampled off the coarse grid (a shoulder, not a peak) still gets refined.
  let cands = wide ? topPositions(map, coarse.maxX + 1, WIDE_COARSE_POSITIONS) : localMaxima(map, coarse.maxX + 1, coarse.maxY + 1, limit, floorAtCoarse);
  for (let l = levels - 1; l >= 0; l--) {
    const lead = cands[0];
    if (l <= 1 && lead !== undefined && lead.score >= CONFIDENT_SCORE && floorAtCoarse === -Infinity) {
      cands = cands.filter((c) => c.score >= lead.score - FINAL_PRUNE_MARGIN);
    }
    const s = l === 0 ? full : new NccScorer(imgs[l] as GrayImage, tpls[l] as GrayImage);
    const seen = new Set<number>();
    const next: Cand[] = [];
    for (const c of cands) {
      let best: Cand | undefined;
      for (let y = Math.max(0, 2 * c.y - REFINE_RADIUS); y <= Math.min(s.maxY, 2 * c.y + REFINE_RADIUS + 1); y++) {
        for (let x = Math.max(0, 2 * c.x - REFINE_RADIUS); x <= Math.min(s.maxX, 2 * c.x + REFINE_RADIUS + 1); x++) {
          const cand = { x, y, score: s.score(x, y) };
          if (best === undefined || better(cand, best)) best = cand;
        }
      }
      if (best !== undefined && !seen.has(best.y * (s.maxX + 1) + best.x)) {
        seen.add(best.y * (s.maxX + 1) + best.x);
        next.push(best);
      }
    }
    next.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
    cands = wide ? next.slice(0, limit) : next;
  }
  return cands;
}

/** The `n` highest-scoring positions of a score map, best first. */
function topPositions(map: Float64Array, w: number, n: number): Cand[] {
  if (map.length <= n)
    return [...map].map((score, i) => ({ x: i % w, y: Math.floor(i / w), score })).sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  const sorted = Float64Array.from(map).sort();
  const cut = sorted[sorted.length - n] as number;
  const out: Cand[] = [];
  for (let i = 0; i < map.length && out.length < n; i++) {
    const score = map[i] as number;
    if (score >= cut) out.push({ x: i % w, y: Math.floor(i / w), score });
  }
  return out.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
}

/** The most similar window, whatever its score (for "best was 0.71 at …" diagnostics). */
export function bestMatch(screen: GrayImage, template: GrayImage, opts: MatchOptions = {}, source = "screen"): VisionResult<Match> {
  const p = prepare(screen, template, opts, source);
  if (!p.ok) return p;
  const exact = firstExactOccurrence(p.value.area, template);
  let c: Cand;
  if (exact.kind === "found") {
    c = { x: exact.x, y: exact.y, score: new NccScorer(p.value.area, template).score(exact.x, exact.y) };
  } else {
    c = search(p.value.area, template, COARSE_CANDIDATES, -Infinity)[0] ?? { x: 0, y: 0, score: 0 };
    if (c.score < CONFIDENT_SCORE) {
      const again = search(p.value.area, template, ESCALATED_CANDIDATES, -Infinity, true)[0];
      if (again !== undefined && better(again, c)) c = again;
    }
  }
  return ok(toMatch(c, template.width, template.height, p.value.dx, p.value.dy));
}

/** The best window if it reaches the threshold (default 0.9), else `undefined`. */
export function findTemplate(screen: GrayImage, template: GrayImage, opts: MatchOptions = {}, source = "screen"): VisionResult<Match | undefined> {
  const r = bestMatch(screen, template, opts, source);
  if (!r.ok) return r;
  return ok(r.value.score >= (opts.threshold ?? DEFAULT_THRESHOLD) ? r.value : undefined);
}

/**
 * Every hit at or above the threshold, best first, with non-maximum suppression: a hit is
 * dropped when it overlaps a better one by more than half the template in both axes.
 */
export function findAllTemplates(screen: GrayImage, template: GrayImage, opts: MatchOptions = {}, source = "screen"): VisionResult<Match[]> {
  const p = prepare(screen, template, opts, source);
  if (!p.ok) return p;
  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  const w = template.width;
  const h = template.height;
  const kept: Cand[] = [];
  for (const c of search(p.value.area, template, MAX_MATCHES * 4, threshold - COARSE_SLACK)) {
    if (c.score < threshold) break;
    if (kept.some((k) => Math.abs(k.x - c.x) * 2 < w && Math.abs(k.y - c.y) * 2 < h)) continue;
    kept.push(c);
    if (kept.length >= MAX_MATCHES) break;
  }
  return ok(kept.map((c) => toMatch(c, w, h, p.value.dx, p.value.dy)));
}
