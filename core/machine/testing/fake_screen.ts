/**
 * Test doubles for the screen: a `ScreenSource` that plays a list of frames (the last
 * one repeats), and an `OcrEngine` that "reads" a scripted text per call.
 */
import type { GrayImage, OcrEngine, OcrResult, RgbImage, VisionResult } from "../../vision/mod.ts";
import { encodePng } from "../../vision/mod.ts";
import type { ScreenSource } from "../screen_source.ts";

/** Plays frames in order; the last one repeats forever. */
export class FrameSequence implements ScreenSource {
  readonly #frames: RgbImage[];
  /** How many frames were taken. */
  taken = 0;

  constructor(frames: RgbImage[]) {
    if (frames.length === 0) throw new Error("FrameSequence needs at least one frame");
    this.#frames = frames;
  }

  async frame(): Promise<RgbImage> {
    const f = this.#frames[Math.min(this.taken, this.#frames.length - 1)] as RgbImage;
    this.taken++;
    return f;
  }

  async png(): Promise<Uint8Array> {
    return encodePng(await this.frame());
  }
}

/** Returns the scripted texts in order (the last repeats), with no word boxes. */
export class ScriptedOcr implements OcrEngine {
  readonly name = "scripted";
  readonly seen: GrayImage[] = [];
  readonly #texts: string[];

  constructor(texts: string[]) {
    this.#texts = texts;
  }

  async recognize(img: GrayImage): Promise<VisionResult<OcrResult>> {
    const text = this.#texts[Math.min(this.seen.length, this.#texts.length - 1)] ?? "";
    this.seen.push(img);
    return { ok: true, value: { text, words: [] } };
  }
}
