/**
 * bench/vision — template matching against OpenCV `matchTemplate(TM_CCOEFF_NORMED)`.
 *
 * Screens: generated screen-like pictures (windows, title bars, pseudo-font text, buttons,
 * icons; `core/vision/testing/synth.ts`) at 1024×768 and 1920×1080. Templates 32×32 up to
 * 300×100 cropped at seeded, textured positions, in two kinds: `exact` (a pixel copy, as
 * a reference cropped from an earlier screenshot) and `noisy` (±NOISE grey levels, so no
 * exact copy exists and the pyramid path does the work). Both contenders see the same PNG
 * files, convert with the same BT.601 fixed point and time matching only (decode
 * excluded); OpenCV runs in `python3` (Debian `python3-opencv`) in the same run.
 * "agree" = same best location, or an exact tie in score (identical copies).
 *
 * Usage: bun bench/vision/vision.ts [runs=7]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cropRgb, encodePng, toGray } from "../../core/vision/mod.ts";
import type { GrayImage, RgbImage } from "../../core/vision/mod.ts";
import { bestMatch } from "../../core/vision/mod.ts";
import { Rng, syntheticScreen } from "../../core/vision/testing/synth.ts";

const RUNS = Number(process.argv[2] ?? 7);
const NOISE = 8;
const SCREENS: Array<[number, number]> = [[1024, 768], [1920, 1080]];
const TEMPLATES: Array<[number, number]> = [[32, 32], [64, 48], [120, 40], [200, 80], [300, 100]];
const PYTHON = "/usr/bin/python3";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function variance(g: GrayImage): number {
  let s = 0, q = 0;
  for (const v of g.data) (s += v), (q += v * v);
  return q / g.data.length - (s / g.data.length) ** 2;
}

function addNoise(img: RgbImage, rng: Rng): RgbImage {
  const d = img.data.map((v) => Math.max(0, Math.min(255, v + rng.int(-NOISE, NOISE + 1))));
  return { width: img.width, height: img.height, data: d };
}

interface Case { name: string; screen: string; template: string; g: GrayImage; t: GrayImage }

const dir = mkdtempSync(join(tmpdir(), "vmlab-bench-vision-"));
try {
  const cases: Case[] = [];
  for (const [W, H] of SCREENS) {
    const rgb = syntheticScreen(W, H, W);
    const screenPath = join(dir, `screen_${W}x${H}.png`);
    writeFileSync(screenPath, encodePng(rgb));
    const g = toGray(rgb);
    const rng = new Rng(W * 7 + H);
    for (const [w, h] of TEMPLATES) {
      let x = 0, y = 0;
      for (let tries = 0; tries < 100; tries++) {
        x = rng.int(0, W - w);
        y = rng.int(0, H - h);
        if (variance(toGray(cropRgb(rgb, { x, y, w, h }))) > 400) break;
      }
      for (const kind of ["exact", "noisy"] as const) {
        const crop = cropRgb(rgb, { x, y, w, h });
        const tpl = kind === "exact" ? crop : addNoise(crop, rng);
        const p = join(dir, `t_${W}_${w}x${h}_${kind}.png`);
        writeFileSync(p, encodePng(tpl));
        cases.push({ name: `${W}×${H} ${w}×${h} ${kind}`, screen: screenPath, template: p, g, t: toGray(tpl) });
      }
    }
  }
  const py = spawnSync(PYTHON, [join(import.meta.dir, "opencv_match.py")], { input: JSON.stringify(cases.map((c) => ({ screen: c.screen, template: c.template, runs: RUNS }))), encoding: "utf8", maxBuffer: 1 << 24 });
  if (py.status !== 0) {
    console.error(`OpenCV peer failed (is python3-opencv installed? apt-get install python3-opencv):\n${py.stderr}`);
    process.exit(1);
  }
  const cv = JSON.parse(py.stdout) as Array<{ ms: number; x: number; y: number; score: number; threads: number }>;
  console.log(`runs per case: ${RUNS}; OpenCV threads: ${cv[0]?.threads}; vmlab: 1 thread (Bun ${Bun.version})`);
  console.log("case                          vmlab ms   opencv ms   ratio   vmlab (x,y) score       opencv (x,y) score      agree");
  let agreeAll = 0;
  const ratios: number[] = [];
  cases.forEach((c, i) => {
    const times: number[] = [];
    let m = { x: -1, y: -1, score: 0 };
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      const res = bestMatch(c.g, c.t);
      times.push(performance.now() - t0);
      if (res.ok) m = res.value;
    }
    const o = cv[i] as (typeof cv)[number];
    const ours = median(times);
    const agree = (m.x === o.x && m.y === o.y) || Math.abs(m.score - o.score) < 1e-5;
    if (agree) agreeAll++;
    ratios.push(ours / o.ms);
    console.log(
      `${c.name.padEnd(28)} ${ours.toFixed(2).padStart(9)} ${o.ms.toFixed(2).padStart(11)} ${(ours / o.ms).toFixed(2).padStart(7)}   ` +
        `${`(${m.x},${m.y}) ${m.score.toFixed(4)}`.padEnd(23)} ${`(${o.x},${o.y}) ${o.score.toFixed(4)}`.padEnd(23)} ${agree ? "yes" : "NO"}`,
    );
  });
  console.log(`agreement: ${agreeAll}/${cases.length}; median ratio vmlab/opencv: ${median(ratios).toFixed(2)} (below 1 = vmlab faster)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
