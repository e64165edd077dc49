import { describe, expect, test } from "bun:test";
import type { VisionResult } from "./errors.ts";
import { firstExactOccurrence } from "./exact.ts";
import type { GrayImage } from "./image.ts";
import { cropGray, newGray, toGray } from "./image.ts";
import { bestMatch, exhaustiveBest, findAllTemplates, findTemplate } from "./match.ts";
import { NccScorer } from "./ncc.ts";
import { Rng, syntheticScreen } from "./testing/synth.ts";

function value<T>(r: VisionResult<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

function variance(g: GrayImage): number {
  let s = 0,
    q = 0;
  for (const v of g.data) (s += v), (q += v * v);
  return q / g.data.length - (s / g.data.length) ** 2;
}

/** Adds deterministic noise of ±amp grey levels, so the template is no longer an exact copy. */
function noisy(g: GrayImage, amp: number, seed: number): GrayImage {
  const rng = new Rng(seed);
  const out = newGray(g.width, g.height);
  g.data.forEach((v, i) => (out.data[i] = Math.max(0, Math.min(255, v + rng.int(-amp, amp + 1)))));
  return out;
}

const screen = toGray(syntheticScreen(640, 400, 1));

describe("template matching", () => {
  test("findTemplate locates a crop of a screen at its coordinates with score ≥ 0.99", () => {
    const tpl = cropGray(screen, { x: 230, y: 120, w: 120, h: 40 });
    const m = value(findTemplate(screen, tpl));
    expect(m).toBeDefined();
    expect(m?.score).toBeGreaterThanOrEqual(0.99);
    // the crop may occur twice; the hit must be pixel-identical to it
    const hit = cropGray(screen, { x: m?.x ?? -1, y: m?.y ?? -1, w: 120, h: 40 });
    expect(Buffer.from(hit.data.buffer).equals(Buffer.from(tpl.data.buffer))).toBe(true);
    expect([m?.w, m?.h, m?.cx, m?.cy]).toEqual([120, 40, (m?.x ?? 0) + 60, (m?.y ?? 0) + 20]);
  });

  test("findTemplate rejects a crop of an unrelated screen", () => {
    const other = toGray(syntheticScreen(640, 400, 99));
    const tpl = noisy(cropGray(other, { x: 300, y: 200, w: 90, h: 60 }), 3, 1);
    expect(variance(tpl)).toBeGreaterThan(100);
    expect(value(findTemplate(screen, tpl))).toBeUndefined();
    expect(value(bestMatch(screen, tpl)).score).toBeLessThan(0.9);
  });

  test("the pyramid search agrees with the exhaustive search on generated screens", () => {
    const [SW, SH] = [320, 240];
    const sizes: Array<[number, number]> = [
      [32, 32],
      [48, 16],
      [72, 24],
      [100, 60],
      [140, 80],
    ];
    let compared = 0;
    for (const seed of [3, 4, 5]) {
      const g = toGray(syntheticScreen(SW, SH, seed));
      const rng = new Rng(seed * 31);
      for (const [w, h] of sizes) {
        const x = rng.int(0, SW - w),
          y = rng.int(0, SH - h);
        const crop = cropGray(g, { x, y, w, h });
        if (variance(crop) < 100) continue; // flat crops match every flat patch equally
        for (const tpl of [crop, noisy(crop, 12, seed + w)]) {
          const fast = value(bestMatch(g, tpl));
          const ref = value(exhaustiveBest(g, tpl));
          compared++;
          // equal scores at different places are genuine ties (identical or
          // brightness-shifted copies); otherwise the location must be the same
          expect(fast.score).toBeCloseTo(ref.score, 9);
          if (fast.score < ref.score - 1e-9 || ((fast.x !== ref.x || fast.y !== ref.y) && Math.abs(fast.score - ref.score) > 1e-9)) {
            throw new Error(`pyramid miss: ${w}×${h} at ${x},${y}: fast ${JSON.stringify(fast)} ref ${JSON.stringify(ref)}`);
          }
        }
      }
    }
    expect(compared).toBeGreaterThanOrEqual(16);
  });

  test("a region restricts the search and offsets coordinates back to the screen", () => {
    const tpl = cropGray(screen, { x: 230, y: 120, w: 60, h: 30 });
    const m = value(findTemplate(screen, tpl, { region: { x: 200, y: 100, w: 200, h: 100 } }));
    expect(m === undefined ? undefined : [m.x, m.y]).toEqual([230, 120]);
    const elsewhere = value(findTemplate(screen, tpl, { region: { x: 400, y: 250, w: 200, h: 100 } }));
    expect(elsewhere === undefined || elsewhere.x >= 400).toBe(true);
  });

  test("bad regions and oversized templates are errors, not exceptions", () => {
    const tpl = cropGray(screen, { x: 0, y: 0, w: 50, h: 50 });
    const r1 = findTemplate(screen, tpl, { region: { x: 600, y: 0, w: 100, h: 10 } });
    expect(r1.ok ? "ok" : r1.error.code).toBe("vision.bad_region");
    const r2 = findTemplate(screen, tpl, { region: { x: 0, y: 0, w: 40, h: 40 } });
    expect(r2.ok ? "ok" : r2.error.code).toBe("vision.template_too_large");
  });

  test("a constant-coloured template scores without NaN", () => {
    const flat = newGray(20, 20);
    flat.data.fill(37);
    const g = newGray(100, 80);
    g.data.forEach((_, i) => (g.data[i] = (i * 7919) % 251));
    for (let y = 50; y < 75; y++) for (let x = 60; x < 85; x++) g.data[y * 100 + x] = 37;
    const m = value(bestMatch(g, flat));
    expect(Number.isNaN(m.score)).toBe(false);
    expect([m.x, m.y, m.score]).toEqual([60, 50, 1]);
    const s = new NccScorer(g, flat);
    expect(s.map().every((v) => v === 0 || v === 1)).toBe(true);
    // and a textured template on a flat window scores 0
    expect(new NccScorer(g, cropGray(g, { x: 0, y: 0, w: 10, h: 10 })).score(65, 55)).toBe(0);
  });

  test("findAllTemplates returns each copy once, best first", () => {
    const g = newGray(300, 200);
    g.data.fill(200);
    const icon = cropGray(screen, { x: 24, y: 16, w: 40, h: 40 });
    const spots = [
      [10, 10],
      [150, 20],
      [40, 120],
      [220, 140],
    ] as const;
    for (const [sx, sy] of spots) for (let y = 0; y < 40; y++) g.data.set(icon.data.subarray(y * 40, y * 40 + 40), (sy + y) * 300 + sx);
    const all = value(findAllTemplates(g, icon));
    expect(all.map((m) => [m.x, m.y]).sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual([
      [10, 10],
      [40, 120],
      [150, 20],
      [220, 140],
    ]);
    expect(all.every((m) => m.score > 0.99)).toBe(true);
  });

  test("firstExactOccurrence finds the top-most copy and reports absence", () => {
    const tpl = cropGray(screen, { x: 300, y: 200, w: 30, h: 12 });
    const r = firstExactOccurrence(screen, tpl);
    expect(r.kind).toBe("found");
    if (r.kind === "found") expect(r.y <= 200).toBe(true);
    expect(firstExactOccurrence(screen, noisy(tpl, 40, 2)).kind).toBe("absent");
  });
});
