/**
 * The screens bench/vision matches on, each with its own way of picking template crops:
 *  - `synthetic`: generated screen-like pictures (`core/vision/testing/synth.ts`), always;
 *  - `page`: real UI (installer wizard, login screen, terminal, settings dialog; `pages/`)
 *    rendered by headless chromium at 1024×768 and 1920×1080, when chromium is installed;
 *  - `console`: a QMP screendump of the tiny guest's VGA text console (720×400), when the
 *    tiny template is available.
 * What is missing is reported in `notes`, never fatal: the bench runs with what it has.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Rect, RgbImage } from "../../core/vision/mod.ts";
import { encodePng, formatVisionError, readImageFile } from "../../core/vision/mod.ts";
import { Rng, syntheticScreen } from "../../core/vision/testing/synth.ts";
import { cropAtTarget, cropByTexture, cropRandomTextured } from "./crops.ts";
import { benchCacheDir, findChromium, renderPage } from "./render.ts";
import { vmConsoleShot } from "./vm_console.ts";

/** Screen sizes of the synthetic and rendered screens. */
export const SIZES: ReadonlyArray<readonly [number, number]> = [
  [1024, 768],
  [1920, 1080],
];
/** Pages in `pages/`, rendered at every size. */
export const PAGES = ["installer.html", "login.html", "terminal.html", "settings.html"];

export type ScreenKind = "synthetic" | "page" | "console";

export interface BenchScreen {
  readonly kind: ScreenKind;
  /** e.g. "installer 1920×1080". */
  readonly label: string;
  /** PNG both contenders read. */
  readonly path: string;
  readonly rgb: RgbImage;
  /** Seeds the crop picks and the noise of this screen's templates. */
  readonly rng: Rng;
  /** A w×h template window and what it shows, or undefined when no textured spot is left. */
  pick(w: number, h: number): { rect: Rect; what: string } | undefined;
}

export interface Screens {
  readonly screens: BenchScreen[];
  readonly notes: string[];
}

async function load(path: string): Promise<RgbImage> {
  const r = await readImageFile(path);
  if (!r.ok) throw new Error(`Cannot read ${path}: ${formatVisionError(r.error)}`);
  return r.value;
}

/** Collects every screen this host can provide; `tmp` holds the synthetic PNGs. */
export async function collectScreens(tmp: string): Promise<Screens> {
  const screens: BenchScreen[] = [];
  const notes: string[] = [];
  for (const [W, H] of SIZES) {
    const rgb = syntheticScreen(W, H, W);
    const path = join(tmp, `synthetic_${W}x${H}.png`);
    writeFileSync(path, encodePng(rgb));
    const rng = new Rng(W * 7 + H);
    screens.push({
      kind: "synthetic",
      label: `synth ${W}×${H}`,
      path,
      rgb,
      rng,
      pick: (w, h) => ({ rect: cropRandomTextured(rgb, w, h, rng), what: "random" }),
    });
  }
  const cache = benchCacheDir();
  const chromium = findChromium();
  if (chromium === undefined) {
    notes.push("NOTE: chromium not found — real-screenshot cases SKIPPED, synthetic only (apt-get install chromium)");
  } else {
    let rendered = 0;
    for (const page of PAGES) {
      for (const [W, H] of SIZES) {
        const r = await renderPage(chromium, page, W, H, cache);
        if (!r.cached) rendered++;
        const rgb = await load(r.png);
        const used = new Set<(typeof r.targets)[number]>();
        const pick = (w: number, h: number): { rect: Rect; what: string } | undefined => {
          const c = cropAtTarget(rgb, r.targets, used, w, h);
          return c && { rect: c.rect, what: c.kind };
        };
        screens.push({ kind: "page", label: `${page.replace(/\.html$/, "")} ${W}×${H}`, path: r.png, rgb, rng: new Rng(W * 7 + H + page.length), pick });
      }
    }
    notes.push(
      `real screenshots: ${PAGES.length} pages × ${SIZES.length} sizes by ${chromium.version} (${rendered} rendered now, the rest cached in ${cache})`,
    );
  }
  const vm = await vmConsoleShot(cache);
  if (vm.kind === "absent") {
    notes.push(`NOTE: VM console case SKIPPED: ${vm.note}`);
  } else {
    const rgb = await load(vm.path);
    const rng = new Rng(rgb.width * 7 + rgb.height);
    screens.push({
      kind: "console",
      label: `vm-console ${rgb.width}×${rgb.height}`,
      path: vm.path,
      rgb,
      rng,
      pick: (w, h) => ({ rect: cropByTexture(rgb, w, h, rng), what: "text" }),
    });
    notes.push(`VM console: tiny guest QMP screendump, ${rgb.width}×${rgb.height} (${vm.cached ? "cached" : "captured now"}: ${vm.path})`);
  }
  return { screens, notes };
}
