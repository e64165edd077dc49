/**
 * Format sniffing: `decodeImage(bytes, source)` picks the PNG or PPM/PGM decoder from the
 * file's magic bytes (never from its name) and returns an `RgbImage` or a `VisionError`.
 * `readImageFile(path)` adds the file read, reporting a missing file as data too.
 */
import { readFile } from "node:fs/promises";
import type { VisionResult } from "./errors.ts";
import { fail } from "./errors.ts";
import type { RgbImage } from "./image.ts";
import { decodePng, isPng } from "./png_decode.ts";
import { decodePpm, isPpm } from "./ppm.ts";

/** Decodes PNG or binary PPM/PGM bytes; `source` names the file in errors. */
export function decodeImage(bytes: Uint8Array, source: string): VisionResult<RgbImage> {
  if (isPng(bytes)) return decodePng(bytes, source);
  if (isPpm(bytes)) return decodePpm(bytes, source);
  return fail({
    code: "vision.unknown_format",
    source,
    message: "Cannot decode image: neither PNG nor binary PPM/PGM",
    hint: "reference images must be PNG (or PPM as written by QEMU screendump)",
  });
}

/** Reads and decodes an image file. */
export async function readImageFile(path: string): Promise<VisionResult<RgbImage>> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return fail({
      code: "vision.read_failed",
      source: path,
      message: `Cannot read image file: ${reason}`,
      hint: "check the path; reference images resolve relative to the lab root (convention: images/)",
    });
  }
  return decodeImage(bytes, path);
}
