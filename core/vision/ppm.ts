/**
 * Netpbm PPM (P6, RGB) and PGM (P5, grey) binary decoder, and a P6 encoder.
 *
 * QEMU's `screendump` writes P6 with maxval 255 unless asked for PNG. Contract:
 * `decodePpm(bytes, source)` never throws; the header (magic, comments, width, height,
 * maxval) is parsed with bounds checks, sizes are capped (`MAX_IMAGE_SIDE`,
 * `MAX_IMAGE_PIXELS`), and the pixel data must be complete. Samples with maxval ≠ 255 are
 * rescaled to 0..255 (two-byte big-endian samples when maxval > 255).
 * Spec: netpbm `ppm(5)` / `pgm(5)`.
 * Leaves out: ASCII variants (P1–P3), PBM (P4), PAM (P7), multi-image files.
 */
import type { VisionResult } from "./errors.ts";
import { fail, ok } from "./errors.ts";
import type { RgbImage } from "./image.ts";
import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, newRgb } from "./image.ts";

const HINT = "the file is not a valid binary PPM/PGM; re-save it or take a fresh screenshot";
/** Header numbers longer than this are rejected (a 16384 limit needs 5 digits). */
const MAX_HEADER_DIGITS = 9;

/** True when `bytes` starts with a binary PPM or PGM magic ("P6" / "P5"). */
export function isPpm(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x50 && (bytes[1] === 0x36 || bytes[1] === 0x35);
}

function isSpace(b: number | undefined): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0b || b === 0x0c;
}

/** Decodes a binary PPM (P6) or PGM (P5) to RGB. */
export function decodePpm(bytes: Uint8Array, source: string): VisionResult<RgbImage> {
  if (!isPpm(bytes)) return fail({ code: "vision.unknown_format", source, message: "Cannot decode image: not a P6/P5 netpbm header", hint: HINT });
  const channels = bytes[1] === 0x36 ? 3 : 1;
  let pos = 2;
  const readNumber = (): number | undefined => {
    for (;;) {
      while (isSpace(bytes[pos])) pos++;
      if (bytes[pos] !== 0x23) break; // '#': comment to end of line
      while (pos < bytes.length && bytes[pos] !== 0x0a && bytes[pos] !== 0x0d) pos++;
    }
    const start = pos;
    let v = 0;
    while (pos < bytes.length && (bytes[pos] as number) >= 0x30 && (bytes[pos] as number) <= 0x39) {
      v = v * 10 + ((bytes[pos] as number) - 0x30);
      pos++;
      if (pos - start > MAX_HEADER_DIGITS) return undefined;
    }
    return pos === start ? undefined : v;
  };
  const width = readNumber();
  const height = readNumber();
  const maxval = readNumber();
  if (width === undefined || height === undefined || maxval === undefined || !isSpace(bytes[pos])) {
    return fail({
      code: pos >= bytes.length ? "vision.truncated" : "vision.corrupt",
      source,
      offset: pos,
      message: "Cannot decode PPM: malformed header",
      hint: HINT,
    });
  }
  pos++; // the single whitespace byte before the raster
  if (width === 0 || height === 0 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS) {
    return fail({
      code: "vision.too_large",
      source,
      width,
      height,
      message: `Cannot decode PPM: ${width}×${height} is empty or over the size limit`,
      hint: "use a smaller image",
    });
  }
  if (maxval === 0 || maxval > 65535)
    return fail({ code: "vision.corrupt", source, offset: pos, message: `Cannot decode PPM: maxval ${maxval} is out of range 1..65535`, hint: HINT });
  const bytesPerSample = maxval > 255 ? 2 : 1;
  const need = width * height * channels * bytesPerSample;
  if (bytes.length - pos < need) {
    return fail({
      code: "vision.truncated",
      source,
      offset: bytes.length,
      message: `Cannot decode PPM: raster has ${bytes.length - pos} bytes, expected ${need}`,
      hint: HINT,
    });
  }
  const img = newRgb(width, height);
  const n = width * height;
  const read = (i: number): number => {
    const raw = bytesPerSample === 1 ? (bytes[pos + i] as number) : ((bytes[pos + 2 * i] as number) << 8) | (bytes[pos + 2 * i + 1] as number);
    return maxval === 255 ? raw : Math.round((Math.min(raw, maxval) * 255) / maxval);
  };
  if (channels === 3 && maxval === 255) {
    img.data.set(bytes.subarray(pos, pos + need));
  } else {
    for (let p = 0; p < n; p++) {
      for (let c = 0; c < 3; c++) img.data[p * 3 + c] = read(channels === 3 ? p * 3 + c : p);
    }
  }
  return ok(img);
}

/** Encodes an RGB image as binary PPM (P6, maxval 255). */
export function encodePpm(img: RgbImage): Uint8Array {
  const head = new TextEncoder().encode(`P6\n${img.width} ${img.height}\n255\n`);
  const out = new Uint8Array(head.length + img.data.length);
  out.set(head);
  out.set(img.data, head.length);
  return out;
}
