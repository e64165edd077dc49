/**
 * Where screen pictures come from: the `ScreenSource` contract and its QMP
 * implementation over `screendump`.
 *
 * `QmpScreenSource` asks QEMU to write the console to a scratch file it can reach (a
 * folder of the VM's runtime directory), reads it back and removes it. QEMU 7.2 writes
 * the file completely before it replies, so no polling of the file is needed. Two
 * paths:
 *  - `frame()` for matching and OCR: PPM, the cheapest to write and to decode;
 *  - `png()` for screenshots: QMP `screendump format=png` when this QEMU supports it
 *    (≥ 7.1 built with libpng), else PPM re-encoded by `core/vision`. The first refusal
 *    is remembered, so later screenshots go straight to PPM.
 * Scratch names carry a per-instance counter, so overlapping captures never share a file.
 * Every failure is a `ScreenError` (`screen.capture_failed`, or `screen.vision` for a
 * picture that does not decode).
 */
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { QmpExecutor } from "../qmp/commands.ts";
import { screendump } from "../qmp/commands.ts";
import { isQmpError } from "../qmp/errors.ts";
import type { RgbImage } from "../vision/mod.ts";
import { decodeImage, encodePng } from "../vision/mod.ts";
import { reasonOf, ScreenError } from "./errors.ts";

/** Longest a screendump may take (a 4K framebuffer under TCG on a loaded host). */
export const SCREENDUMP_TIMEOUT_MS = 30_000;

/** A source of screen pictures. */
export interface ScreenSource {
  /** The current screen, decoded. */
  frame(): Promise<RgbImage>;
  /** The current screen as PNG bytes. */
  png(): Promise<Uint8Array>;
}

/** The screen of a QEMU VM through QMP `screendump`. */
export class QmpScreenSource implements ScreenSource {
  readonly #qmp: QmpExecutor;
  readonly #vm: string;
  readonly #dir: string;
  #seq = 0;
  #pngSupported: boolean | undefined;

  /** `scratchDir` must exist and be writable by QEMU (the VM's runtime folder). */
  constructor(qmp: QmpExecutor, vm: string, scratchDir: string) {
    this.#qmp = qmp;
    this.#vm = vm;
    this.#dir = scratchDir;
  }

  /** Whether QEMU wrote PNG itself (undefined until the first `png()`). */
  get pngSupported(): boolean | undefined {
    return this.#pngSupported;
  }

  async frame(): Promise<RgbImage> {
    const bytes = await this.#dump("ppm");
    const img = decodeImage(bytes, "screendump");
    if (!img.ok) throw new ScreenError(this.#vm, { code: "screen.vision", error: img.error, hint: img.error.hint });
    return img.value;
  }

  async png(): Promise<Uint8Array> {
    if (this.#pngSupported !== false) {
      try {
        const bytes = await this.#dump("png");
        this.#pngSupported = true;
        return bytes;
      } catch (err) {
        if (this.#pngSupported === true || !refusesPng(err)) throw err;
        this.#pngSupported = false;
      }
    }
    return encodePng(await this.frame());
  }

  async #dump(format: "png" | "ppm"): Promise<Uint8Array> {
    const file = join(this.#dir, `.screendump-${process.pid}-${++this.#seq}.${format}`);
    try {
      await screendump(this.#qmp, file, { format, timeoutMs: SCREENDUMP_TIMEOUT_MS });
      return await readFile(file);
    } catch (err) {
      throw new ScreenError(
        this.#vm,
        { code: "screen.capture_failed", reason: reasonOf(err), hint: "the VM must be running with a display (vga is not none)" },
        { cause: err },
      );
    } finally {
      await rm(file, { force: true }).catch(() => undefined);
    }
  }
}

/** True when QEMU rejected `format: "png"` itself (too old, or built without libpng). */
function refusesPng(err: unknown): boolean {
  if (!(err instanceof ScreenError) || !isQmpError(err.cause, "qmp.command_failed")) return false;
  const d = err.cause.detail;
  return d.code === "qmp.command_failed" && /png|format/i.test(d.desc);
}
