/**
 * OCR contract and the screen-facing entry point `ocr(engine, image, region?)`
 * (fact_vm_vision.md: `vm.ocr`, `vm.ocr_region`, `vm.wait_for_text`; PRD §10.3).
 *
 * `OcrEngine` is the swappable back end (see `tesseract_cli.ts`); `ocr` does the parts
 * every engine needs: crop to the region, prepare the picture (`ocr_prep.ts`: dark
 * backgrounds inverted, small text upscaled) and map word boxes back to screen
 * coordinates. Engines see only the prepared grey image.
 */
import type { Rect, VisionResult } from "./errors.ts";
import { ok } from "./errors.ts";
import type { GrayImage, RgbImage } from "./image.ts";
import { checkRegion, cropRgb, toGray } from "./image.ts";
import { prepareForOcr } from "./ocr_prep.ts";

/** One recognised word: its text, the engine's confidence (0..100) and its box on the screen. */
export interface OcrWord {
  readonly text: string;
  readonly confidence: number;
  readonly box: Rect;
}

/** Recognised text: lines joined with "\n", and the words with their boxes. */
export interface OcrResult {
  readonly text: string;
  readonly words: readonly OcrWord[];
}

/** An OCR back end. It must not throw: failures are `vision.ocr_unavailable` / `vision.ocr_failed`. */
export interface OcrEngine {
  /** Short name for errors and logs, e.g. "tesseract". */
  readonly name: string;
  /** Recognises text in a prepared grey image (dark text on a light background). */
  recognize(img: GrayImage): Promise<VisionResult<OcrResult>>;
}

/** Runs OCR over a screen image or a region of it; word boxes are in screen coordinates. */
export async function ocr(engine: OcrEngine, image: RgbImage, region?: Rect, source = "screen"): Promise<VisionResult<OcrResult>> {
  let area = image;
  let dx = 0;
  let dy = 0;
  if (region !== undefined) {
    const r = checkRegion(region, image.width, image.height, source);
    if (!r.ok) return r;
    area = cropRgb(image, r.value);
    dx = r.value.x;
    dy = r.value.y;
  }
  const prepared = prepareForOcr(toGray(area));
  const res = await engine.recognize(prepared.image);
  if (!res.ok) return res;
  const k = prepared.scale;
  const words = res.value.words.map((w) => ({
    text: w.text,
    confidence: w.confidence,
    box: { x: Math.floor(w.box.x / k) + dx, y: Math.floor(w.box.y / k) + dy, w: Math.ceil(w.box.w / k), h: Math.ceil(w.box.h / k) },
  }));
  return ok({ text: res.value.text, words });
}
