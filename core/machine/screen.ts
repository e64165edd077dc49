/**
 * The screen of a running VM: screenshots, image matching, OCR and the waits built on
 * them (fact_vm_vision.md, entity_match_type.md, PRD §10.3, issue 7 item 6).
 *
 * Contract:
 *  - `screenshot()` → PNG bytes; `saveScreenshot(path?)` writes one (atomically) and
 *    returns its path — no path means auto-named under `screenshotDir`
 *    (`.vmlab/screenshots/` in a lab).
 *  - `findImage(needle, {threshold, region})` → `ScreenMatch | undefined`, one shot;
 *    `waitForImage` / `waitForAny` poll with backoff until a hit (first needle in list
 *    order wins on a screen where several appear). Grey normalised cross-correlation,
 *    threshold 0.9 by default (`core/vision`).
 *  - `ocr(region?)` → text; `waitForText(pattern, {timeoutMs, region})` polls OCR until
 *    the regular expression matches (see `text_match.ts` for the returned box).
 *  - A wait that times out throws `screen.timeout` saying what it last saw — the best
 *    score and place, or the last OCR text — and, when `screenshotDir` is set, the path
 *    of a screenshot of that very screen.
 * Needles are image files (resolved against `imageRoot`, the lab root) or decoded
 * images; a file is read once per call, not once per poll. Every failure is a
 * `ScreenError`. Time comes from an injected clock.
 */
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { CodedError } from "../errors/mod.ts";
import { assertReplaceable } from "../fs/replace.ts";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { systemClock, type Clock } from "../clock/mod.ts";
import type { GrayImage, OcrEngine, OcrResult, Rect, RgbImage, VisionError } from "../vision/mod.ts";
import { bestMatch, DEFAULT_THRESHOLD, encodePng, ocr as runOcr, readImageFile, TesseractCli, toGray } from "../vision/mod.ts";
import { type BestSeen, reasonOf, ScreenError } from "./errors.ts";
import { type Backoff, pollUntil } from "./poll.ts";
import { imageHit, type ScreenMatch } from "./screen_match.ts";
import type { ScreenSource } from "./screen_source.ts";
import { compilePattern, matchText } from "./text_match.ts";

/** Default wait of `waitForImage` / `waitForText` when none is given. */
export const DEFAULT_WAIT_TIMEOUT_MS = 60_000;
/** Longest accepted wait (a day): anything longer is surely a units mistake. */
export const MAX_WAIT_TIMEOUT_MS = 86_400_000;

/** A reference image: a file path, or an already decoded image with a name for messages. */
export type Needle = string | { readonly name: string; readonly image: RgbImage };

/** Where and how strictly to match. */
export interface FindImageOptions {
  /** Minimum score, 0 < t ≤ 1 (default 0.9). */
  readonly threshold?: number;
  /** Search only inside this rectangle of the screen. */
  readonly region?: Rect;
}

/** `FindImageOptions` plus how long to wait. */
export interface WaitImageOptions extends FindImageOptions {
  readonly timeoutMs?: number;
}

/** How long to wait for text, and where to read it. */
export interface WaitTextOptions {
  readonly timeoutMs?: number;
  readonly region?: Rect;
}

/** Construction options of `Screen`. */
export interface ScreenOptions {
  /** Where pictures come from (normally `QmpScreenSource`). */
  readonly source: ScreenSource;
  /** OCR back end (default: the `tesseract` CLI). */
  readonly ocrEngine?: OcrEngine;
  /** Folder of auto-named screenshots and timeout evidence; unset = none saved. */
  readonly screenshotDir?: string;
  /** Base of relative needle paths (the lab root). Default: the process's cwd. */
  readonly imageRoot?: string;
  readonly clock?: Clock;
  readonly backoff?: Backoff;
}

interface LoadedNeedle {
  readonly name: string;
  readonly gray: GrayImage;
}

/** Screen automation for one VM. */
export class Screen {
  readonly #vm: string;
  readonly #source: ScreenSource;
  readonly #clock: Clock;
  readonly #backoff: Backoff | undefined;
  readonly #screenshotDir: string | undefined;
  readonly #imageRoot: string | undefined;
  #ocrEngine: OcrEngine | undefined;
  #shotSeq = 0;

  constructor(vm: string, opts: ScreenOptions) {
    this.#vm = vm;
    this.#source = opts.source;
    this.#clock = opts.clock ?? systemClock();
    this.#backoff = opts.backoff;
    this.#screenshotDir = opts.screenshotDir;
    this.#imageRoot = opts.imageRoot;
    this.#ocrEngine = opts.ocrEngine;
  }

  /** The current screen as PNG bytes. */
  screenshot(): Promise<Uint8Array> {
    return this.#source.png();
  }

  /** The current screen, decoded. */
  capture(): Promise<RgbImage> {
    return this.#source.frame();
  }

  /** The current screen size. */
  async size(): Promise<{ width: number; height: number }> {
    const f = await this.#source.frame();
    return { width: f.width, height: f.height };
  }

  /**
   * Saves a PNG screenshot and returns its path; without a path (or with "") it is
   * auto-named `<vm>-<timestamp>.png` under `screenshotDir`.
   */
  async saveScreenshot(path?: string): Promise<string> {
    const target = path ? this.#resolve(path) : this.#autoName("");
    return this.#write(target, await this.#source.png());
  }

  /** The best hit of `needle` at or above the threshold on the current screen, if any. */
  async findImage(needle: Needle, opts: FindImageOptions = {}): Promise<ScreenMatch | undefined> {
    const threshold = this.#threshold(opts.threshold);
    const [n] = await this.#load([needle]);
    const hit = this.#best(toGray(await this.#source.frame()), n as LoadedNeedle, opts.region);
    return hit.score >= threshold ? imageHit(hit) : undefined;
  }

  /**
   * Waits until `needle` appears (score ≥ threshold) and returns the hit.
   * @example const ok = await screen.waitForImage("images/ok.png", { timeoutMs: 120_000 });
   */
  async waitForImage(needle: Needle, opts: WaitImageOptions = {}): Promise<ScreenMatch> {
    const { index: _index, ...hit } = await this.waitForAny([needle], opts);
    return hit;
  }

  /** Waits until any of `needles` appears; `index` says which one. */
  async waitForAny(needles: readonly Needle[], opts: WaitImageOptions = {}): Promise<ScreenMatch & { index: number }> {
    const threshold = this.#threshold(opts.threshold);
    const timeoutMs = this.#timeout(opts.timeoutMs);
    const loaded = await this.#load(needles);
    let last: RgbImage | undefined;
    let best: BestSeen | undefined;
    const out = await pollUntil(async () => {
      last = await this.#source.frame();
      const gray = toGray(last);
      best = undefined;
      for (const [index, n] of loaded.entries()) {
        const hit = this.#best(gray, n, opts.region);
        if (hit.score >= threshold) return { ...imageHit(hit), index };
        if (best === undefined || hit.score > best.score) best = { x: hit.x, y: hit.y, score: hit.score };
      }
      return undefined;
    }, this.#pollOpts(timeoutMs));
    if (out.value !== undefined) return out.value;
    const screenshot = await this.#evidence(last);
    throw new ScreenError(this.#vm, {
      code: "screen.timeout",
      kind: "image",
      target: loaded.map((n) => n.name).join(", "),
      timeoutMs,
      polls: out.polls,
      ...(best === undefined ? {} : { best }),
      ...(screenshot === undefined ? {} : { screenshot }),
      hint: `the best score stayed below the threshold ${threshold}; compare the screenshot with the reference image, or lower the threshold`,
    });
  }

  /** OCR text of the screen or of a region of it. */
  async ocr(region?: Rect): Promise<string> {
    return (await this.ocrDetailed(region)).text;
  }

  /** OCR text with word boxes in screen coordinates. */
  async ocrDetailed(region?: Rect, frame?: RgbImage): Promise<OcrResult> {
    const img = frame ?? (await this.#source.frame());
    const r = await runOcr(this.#engine(), img, region, "screen");
    if (!r.ok) throw this.#visionError(r.error);
    return r.value;
  }

  /**
   * Waits until OCR text of the screen (or region) matches `pattern`, a regular expression.
   * @example await screen.waitForText("login:", { timeoutMs: 300_000 });
   */
  async waitForText(pattern: string | RegExp, opts: WaitTextOptions = {}): Promise<ScreenMatch> {
    const timeoutMs = this.#timeout(opts.timeoutMs);
    const source = pattern instanceof RegExp ? pattern.source : pattern;
    const compiled = compilePattern(pattern);
    if (!compiled.ok) {
      throw new ScreenError(this.#vm, {
        code: "screen.bad_pattern",
        pattern: source,
        reason: compiled.reason,
        hint: "the pattern is a JavaScript regular expression; escape special characters with \\",
      });
    }
    let last: RgbImage | undefined;
    let lastText: string | undefined;
    const out = await pollUntil(async () => {
      last = await this.#source.frame();
      const result = await this.ocrDetailed(opts.region, last);
      lastText = result.text;
      return matchText(result, compiled.re);
    }, this.#pollOpts(timeoutMs));
    if (out.value !== undefined) return out.value;
    const screenshot = await this.#evidence(last);
    throw new ScreenError(this.#vm, {
      code: "screen.timeout",
      kind: "text",
      target: source,
      timeoutMs,
      polls: out.polls,
      ...(lastText === undefined ? {} : { lastText }),
      ...(screenshot === undefined ? {} : { screenshot }),
      hint: "OCR may read characters differently (l/1, O/0); loosen the pattern or wait longer",
    });
  }

  #pollOpts(timeoutMs: number): { timeoutMs: number; clock: Clock; backoff?: Backoff } {
    return this.#backoff === undefined ? { timeoutMs, clock: this.#clock } : { timeoutMs, clock: this.#clock, backoff: this.#backoff };
  }

  #engine(): OcrEngine {
    this.#ocrEngine ??= new TesseractCli();
    return this.#ocrEngine;
  }

  #best(gray: GrayImage, n: LoadedNeedle, region: Rect | undefined) {
    const r = bestMatch(gray, n.gray, region === undefined ? {} : { region }, n.name);
    if (!r.ok) throw this.#visionError(r.error);
    return r.value;
  }

  async #load(needles: readonly Needle[]): Promise<LoadedNeedle[]> {
    if (needles.length === 0) {
      throw new ScreenError(this.#vm, { code: "screen.bad_option", option: "images", value: 0, hint: "give at least one reference image" });
    }
    const out: LoadedNeedle[] = [];
    for (const n of needles) {
      if (typeof n !== "string") {
        out.push({ name: n.name, gray: toGray(n.image) });
        continue;
      }
      const path = this.#resolve(n);
      const img = await readImageFile(path);
      if (!img.ok) throw this.#visionError(img.error);
      out.push({ name: n, gray: toGray(img.value) });
    }
    return out;
  }

  #resolve(path: string): string {
    return isAbsolute(path) ? path : resolve(this.#imageRoot ?? process.cwd(), path);
  }

  #threshold(t: number | undefined): number {
    const v = t ?? DEFAULT_THRESHOLD;
    if (!Number.isFinite(v) || v <= 0 || v > 1) {
      throw new ScreenError(this.#vm, {
        code: "screen.bad_option",
        option: "threshold",
        value: v,
        hint: "give a similarity between 0 (exclusive) and 1; 0.9 is the default",
      });
    }
    return v;
  }

  #timeout(t: number | undefined): number {
    const v = t ?? DEFAULT_WAIT_TIMEOUT_MS;
    if (!Number.isFinite(v) || v < 0 || v > MAX_WAIT_TIMEOUT_MS) {
      throw new ScreenError(this.#vm, { code: "screen.bad_option", option: "timeout", value: v, hint: "give a timeout in milliseconds between 0 and one day" });
    }
    return v;
  }

  #visionError(error: VisionError): ScreenError {
    return new ScreenError(this.#vm, { code: "screen.vision", error, hint: error.hint });
  }

  #autoName(tag: string): string {
    if (this.#screenshotDir === undefined) {
      throw new ScreenError(this.#vm, {
        code: "screen.save_failed",
        path: "(auto)",
        reason: "no screenshot folder is configured",
        hint: "give a path to save to",
      });
    }
    const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").replace(/\..*$/, "");
    return join(this.#screenshotDir, `${this.#vm}-${tag}${stamp}-${++this.#shotSeq}.png`);
  }

  async #write(path: string, png: Uint8Array): Promise<string> {
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      await mkdir(dirname(path), { recursive: true });
      assertReplaceable(path, "screenshot destination");
      await writeFile(tmp, png);
      await rename(tmp, path);
      return path;
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      if (err instanceof CodedError) throw err;
      throw new ScreenError(this.#vm, { code: "screen.save_failed", path, reason: reasonOf(err), hint: "check that the folder is writable" }, { cause: err });
    }
  }

  /** Saves the screen a wait gave up on; never masks the timeout with its own failure. */
  async #evidence(frame: RgbImage | undefined): Promise<string | undefined> {
    if (frame === undefined || this.#screenshotDir === undefined) return undefined;
    try {
      return await this.#write(this.#autoName("timeout-"), encodePng(frame));
    } catch {
      return undefined;
    }
  }
}
