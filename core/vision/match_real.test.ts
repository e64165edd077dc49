/**
 * A real screenshot (a terminal page rendered by Chromium at 1024×768) and a noisy 32×32
 * crop of a label at (4,118): the coarse pass alone lost this position (the 8×8 coarse
 * template sits off the screen's coarse grid and ranked ~85th of the maxima), returning
 * (113,152) at 0.59. The escalated pass must find the true best, as OpenCV does.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bestMatch, findTemplate } from "./match.ts";
import { decodePng } from "./png_decode.ts";
import { toGray } from "./image.ts";

const data = join(import.meta.dir, "testdata");
const gray = (f: string) => {
  const r = decodePng(readFileSync(join(data, f)), f);
  if (!r.ok) throw new Error(`cannot decode ${f}`);
  return toGray(r.value);
};

describe("matching on a real screenshot", () => {
  test("a small noisy template off the coarse grid is found at its true position", () => {
    const screen = gray("terminal-1024x768.png");
    const tpl = gray("terminal-label-32x32-noisy.png");
    const r = bestMatch(screen, tpl);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect({ x: r.value.x, y: r.value.y }).toEqual({ x: 4, y: 118 });
    expect(r.value.score).toBeGreaterThan(0.99);
    const f = findTemplate(screen, tpl);
    expect(f.ok && f.value?.x).toBe(4);
  });
});
