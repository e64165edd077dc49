/**
 * Real screenshots for bench/vision: the HTML pages in `pages/` rendered by a real browser
 * engine (Debian's `chromium`, headless), at a given screen size.
 *
 * Each page is rendered twice with the size in the URL hash (`page.html#1920x1080`, read by
 * `pages/frame.js`, which pins the layout to that size): `--screenshot` for the PNG and
 * `--dump-dom` for the boxes of the page's `[data-target]` elements (buttons, labels, icons,
 * fields), which the bench crops templates around. Both land in
 * `$XDG_CACHE_HOME/vmlab/bench-vision/`, named by page, size and a hash of the page
 * sources (the page, `frame.js`, `common.css`), the chromium version and the flags, so a
 * rerun with nothing changed starts no browser.
 *
 * Without chromium on PATH, `findChromium()` says so and the bench runs synthetic cases only.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../../core/paths.ts";
import { cropRgb, encodePng, formatVisionError, readImageFile } from "../../core/vision/mod.ts";

/** Folder of the page sources. */
export const PAGES_DIR = join(import.meta.dir, "pages");
/** Files every page includes; part of each cache key. */
const SHARED = ["frame.js", "common.css"];
/** Longest one chromium run may take (a cold start on a loaded host). */
const CHROMIUM_TIMEOUT_MS = 90_000;
/**
 * Extra window height: headless chromium's viewport is shorter than `--window-size` (by
 * 87 px in chromium 156), so the window is made taller and the PNG cropped to the screen.
 */
const WINDOW_SLACK = 160;
/** Candidate binaries, Debian's first. */
const CHROMIUM_NAMES = ["chromium", "chromium-browser", "google-chrome"];

/** Where rendered screens are cached. */
export function benchCacheDir(): string {
  return join(cacheDir(), "bench-vision");
}

export interface Chromium {
  readonly binary: string;
  /** `chromium --version`, e.g. "Chromium 156.0.8078.79 built on Debian …". */
  readonly version: string;
}

/** A page element's box in screen pixels, by the `data-target` kind the page gave it. */
export interface Target {
  readonly kind: string;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface RenderedPage {
  readonly png: string;
  readonly targets: readonly Target[];
  readonly cached: boolean;
}

/** The first chromium-like binary on PATH that answers `--version`, else undefined. */
export function findChromium(): Chromium | undefined {
  for (const name of CHROMIUM_NAMES) {
    const r = spawnSync(name, ["--version"], { encoding: "utf8", timeout: 30_000 });
    if (r.status === 0 && r.stdout.trim() !== "") return { binary: name, version: r.stdout.trim() };
  }
  return undefined;
}

function flags(width: number, height: number): string[] {
  return [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--allow-file-access-from-files",
    `--window-size=${width},${height + WINDOW_SLACK}`,
  ];
}

function run(chromium: Chromium, args: string[], what: string): string {
  const r = spawnSync(chromium.binary, args, { encoding: "utf8", timeout: CHROMIUM_TIMEOUT_MS, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`Cannot ${what}: chromium exited with ${r.status ?? r.signal}: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
  return r.stdout;
}

function parseTargets(dom: string, page: string): Target[] {
  const m = /<pre id="vmlab-targets" hidden="">([^<]*)<\/pre>/.exec(dom);
  if (!m?.[1]) throw new Error(`Cannot read the targets of ${page}: frame.js left no #vmlab-targets`);
  const text = m[1].replaceAll("&quot;", '"').replaceAll("&amp;", "&");
  return JSON.parse(text) as Target[];
}

/** Renders `page` (a file name in `pages/`) at width×height, or returns the cached render. */
export async function renderPage(chromium: Chromium, page: string, width: number, height: number, cache = benchCacheDir()): Promise<RenderedPage> {
  const h = createHash("sha256");
  for (const f of [page, ...SHARED]) h.update(`${f}\n`).update(readFileSync(join(PAGES_DIR, f)));
  h.update(`${chromium.version}\n${flags(width, height).join(" ")}`);
  const stem = join(cache, `${page.replace(/\.html$/, "")}-${width}x${height}-${h.digest("hex").slice(0, 16)}`);
  const png = `${stem}.png`;
  const json = `${stem}.json`;
  if (existsSync(png) && existsSync(json)) return { png, targets: JSON.parse(readFileSync(json, "utf8")) as Target[], cached: true };
  mkdirSync(cache, { recursive: true });
  const url = `file://${join(PAGES_DIR, page)}#${width}x${height}`;
  const targets = parseTargets(run(chromium, [...flags(width, height), "--dump-dom", url], `lay out ${page}`), page);
  const tmp = `${stem}.tmp.png`;
  run(chromium, [...flags(width, height), `--screenshot=${tmp}`, url], `screenshot ${page}`);
  if (!existsSync(tmp)) throw new Error(`Cannot screenshot ${page}: chromium wrote no ${tmp}`);
  const shot = await readImageFile(tmp);
  rmSync(tmp, { force: true });
  if (!shot.ok) throw new Error(`Cannot screenshot ${page}: ${formatVisionError(shot.error)}`);
  if (shot.value.width !== width || shot.value.height < height)
    throw new Error(`Cannot screenshot ${page}: chromium gave ${shot.value.width}×${shot.value.height}, not at least ${width}×${height}`);
  writeFileSync(tmp, encodePng(cropRgb(shot.value, { x: 0, y: 0, w: width, h: height })));
  renameSync(tmp, png);
  writeFileSync(json, JSON.stringify(targets));
  return { png, targets, cached: false };
}
