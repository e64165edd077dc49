/**
 * PNG decoder for untrusted bytes (reference images, QEMU `screendump format=png`).
 *
 * Contract: `decodePng(bytes, source)` returns an `RgbImage` or a `VisionError`; it never
 * throws. Every chunk length, the IHDR fields, each chunk's CRC, the image size
 * (`MAX_IMAGE_SIDE`, `MAX_IMAGE_PIXELS`) and the exact inflated length are checked before
 * use; zlib output is capped at the expected size so a decompression bomb cannot allocate
 * more than the image needs.
 *
 * Supports: non-interlaced images, colour types 0/2/3/4/6 at every legal bit depth
 * (16-bit samples keep their high byte, alpha is dropped, palette indices are bounds-checked).
 * Spec: PNG (ISO/IEC 15948, W3C 3rd ed.) §5 datastream, §7 filters, §11.2 IHDR/PLTE.
 * Leaves out: Adam7 interlace (a `vision.unsupported` error), gamma/colour chunks, APNG.
 */
import { inflateSync } from "node:zlib";
import { crc32 } from "./crc32.ts";
import type { VisionError, VisionResult } from "./errors.ts";
import { fail, ok } from "./errors.ts";
import type { RgbImage } from "./image.ts";
import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, newRgb } from "./image.ts";

/** The 8-byte PNG signature (§5.2). */
export const PNG_SIGNATURE: readonly number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Channels per colour type (§11.2.2). */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Legal bit depths per colour type. */
const DEPTHS: Readonly<Record<number, readonly number[]>> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

const HINT_CORRUPT = "the file is not a valid PNG; re-save the reference image or take a fresh screenshot";

interface Header {
  width: number;
  height: number;
  depth: number;
  colorType: number;
}

/** True when `bytes` starts with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Decodes a PNG file to RGB. */
export function decodePng(bytes: Uint8Array, source: string): VisionResult<RgbImage> {
  const err = (code: "vision.truncated" | "vision.corrupt" | "vision.unsupported", offset: number, message: string): VisionResult<RgbImage> =>
    fail({ code, source, offset, message, hint: code === "vision.unsupported" ? "re-save the image as a non-interlaced 8-bit RGB PNG" : HINT_CORRUPT });
  if (!isPng(bytes)) return fail({ code: "vision.unknown_format", source, message: "Cannot decode image: not a PNG signature", hint: HINT_CORRUPT });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let header: Header | undefined;
  let palette: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let idatBytes = 0;
  let sawEnd = false;
  while (pos < bytes.length && !sawEnd) {
    if (pos + 12 > bytes.length) return err("vision.truncated", pos, "Cannot decode PNG: chunk header cut short");
    const len = view.getUint32(pos);
    const type = String.fromCharCode(bytes[pos + 4] as number, bytes[pos + 5] as number, bytes[pos + 6] as number, bytes[pos + 7] as number);
    const dataStart = pos + 8;
    if (len > 0x7fffffff || dataStart + len + 4 > bytes.length)
      return err("vision.truncated", pos, `Cannot decode PNG: chunk ${JSON.stringify(type)} claims ${len} bytes past the end of the file`);
    const storedCrc = view.getUint32(dataStart + len);
    if (crc32(bytes, pos + 4, dataStart + len) !== storedCrc)
      return err("vision.corrupt", pos, `Cannot decode PNG: CRC mismatch in chunk ${JSON.stringify(type)}`);
    const data = bytes.subarray(dataStart, dataStart + len);
    if (header === undefined && type !== "IHDR") return err("vision.corrupt", pos, "Cannot decode PNG: first chunk is not IHDR");
    switch (type) {
      case "IHDR": {
        if (header !== undefined) return err("vision.corrupt", pos, "Cannot decode PNG: duplicate IHDR");
        if (len !== 13) return err("vision.corrupt", pos, `Cannot decode PNG: IHDR is ${len} bytes, not 13`);
        const h: Header = { width: view.getUint32(dataStart), height: view.getUint32(dataStart + 4), depth: data[8] as number, colorType: data[9] as number };
        const r = checkHeader(h, data, source, pos);
        if (r !== undefined) return fail(r);
        header = h;
        break;
      }
      case "PLTE":
        if (len % 3 !== 0 || len === 0 || len > 768) return err("vision.corrupt", pos, `Cannot decode PNG: palette of ${len} bytes`);
        palette = data;
        break;
      case "IDAT":
        idat.push(data);
        idatBytes += len;
        break;
      case "IEND":
        sawEnd = true;
        break;
      default:
        break; // ancillary chunks (gAMA, tEXt, …) carry nothing we use
    }
    pos = dataStart + len + 4;
  }
  if (header === undefined) return err("vision.truncated", pos, "Cannot decode PNG: no IHDR chunk");
  if (idat.length === 0) return err("vision.truncated", pos, "Cannot decode PNG: no image data (IDAT)");
  if (header.colorType === 3 && palette === undefined) return err("vision.corrupt", pos, "Cannot decode PNG: palette image without PLTE");
  const channels = CHANNELS[header.colorType] as number;
  const bitsPerPixel = channels * header.depth;
  const stride = Math.ceil((header.width * bitsPerPixel) / 8);
  const expected = header.height * (stride + 1);
  const joined = new Uint8Array(idatBytes);
  let at = 0;
  for (const part of idat) {
    joined.set(part, at);
    at += part.length;
  }
  let raw: Uint8Array;
  try {
    raw = inflateSync(joined, { maxOutputLength: expected + 1 });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return err(/end of file/i.test(msg) ? "vision.truncated" : "vision.corrupt", 8, `Cannot decode PNG: image data does not inflate (${msg})`);
  }
  if (raw.length !== expected)
    return err(
      raw.length < expected ? "vision.truncated" : "vision.corrupt",
      8,
      `Cannot decode PNG: image data inflates to ${raw.length} bytes, expected ${expected}`,
    );
  const unfiltered = unfilter(raw, header.height, stride, Math.max(1, bitsPerPixel >> 3));
  if (unfiltered === undefined) return err("vision.corrupt", 8, "Cannot decode PNG: unknown row filter type");
  return toRgb(unfiltered, header, stride, palette, source);
}

function checkHeader(h: Header, data: Uint8Array, source: string, pos: number): VisionError | undefined {
  if (h.width === 0 || h.height === 0 || h.width > MAX_IMAGE_SIDE || h.height > MAX_IMAGE_SIDE || h.width * h.height > MAX_IMAGE_PIXELS) {
    return {
      code: "vision.too_large",
      source,
      width: h.width,
      height: h.height,
      message: `Cannot decode PNG: ${h.width}×${h.height} is empty or larger than the ${MAX_IMAGE_SIDE}-pixel / ${MAX_IMAGE_PIXELS}-pixel limit`,
      hint: "use a smaller reference image",
    };
  }
  const depths = DEPTHS[h.colorType];
  if (depths === undefined || !depths.includes(h.depth)) {
    return {
      code: "vision.corrupt",
      source,
      offset: pos,
      message: `Cannot decode PNG: colour type ${h.colorType} with bit depth ${h.depth} is not legal`,
      hint: HINT_CORRUPT,
    };
  }
  if (data[10] !== 0 || data[11] !== 0)
    return { code: "vision.corrupt", source, offset: pos, message: "Cannot decode PNG: unknown compression or filter method", hint: HINT_CORRUPT };
  if (data[12] !== 0) {
    return {
      code: "vision.unsupported",
      source,
      offset: pos,
      message: "Cannot decode PNG: interlaced (Adam7) images are not supported",
      hint: "re-save the image without interlacing",
    };
  }
  return undefined;
}

/** Reverses the per-row filters (§7.3, §9) into a packed buffer of `height * stride` bytes. */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number): Uint8Array | undefined {
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] as number;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let i = 0; i < stride; i++) {
      const x = raw[src + i] as number;
      const a = i >= bpp ? (out[row + i - bpp] as number) : 0;
      const b = y > 0 ? (out[prev + i] as number) : 0;
      const c = i >= bpp && y > 0 ? (out[prev + i - bpp] as number) : 0;
      let v: number;
      switch (filter) {
        case 0:
          v = x;
          break;
        case 1:
          v = x + a;
          break;
        case 2:
          v = x + b;
          break;
        case 3:
          v = x + ((a + b) >> 1);
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a),
            pb = Math.abs(p - b),
            pc = Math.abs(p - c);
          v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          return undefined;
      }
      out[row + i] = v & 0xff;
    }
  }
  return out;
}

/** Reads one sample (the high byte of 16-bit samples, scaled for sub-byte depths). */
function sample(buf: Uint8Array, rowStart: number, index: number, depth: number, scale: boolean): number {
  switch (depth) {
    case 8:
      return buf[rowStart + index] as number;
    case 16:
      return buf[rowStart + index * 2] as number;
    default: {
      const bit = index * depth;
      const v = ((buf[rowStart + (bit >> 3)] as number) >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
      return scale ? Math.round((v * 255) / ((1 << depth) - 1)) : v;
    }
  }
}

function toRgb(buf: Uint8Array, h: Header, stride: number, palette: Uint8Array | undefined, source: string): VisionResult<RgbImage> {
  const img = newRgb(h.width, h.height);
  const ch = CHANNELS[h.colorType] as number;
  const d = img.data;
  for (let y = 0; y < h.height; y++) {
    const rs = y * stride;
    for (let x = 0; x < h.width; x++) {
      const o = (y * h.width + x) * 3;
      if (h.colorType === 3) {
        const idx = sample(buf, rs, x, h.depth, false);
        if (palette === undefined || idx * 3 + 2 >= palette.length) {
          return fail({ code: "vision.corrupt", source, offset: 8, message: `Cannot decode PNG: palette index ${idx} out of range`, hint: HINT_CORRUPT });
        }
        d[o] = palette[idx * 3] as number;
        d[o + 1] = palette[idx * 3 + 1] as number;
        d[o + 2] = palette[idx * 3 + 2] as number;
      } else if (ch < 3) {
        const g = sample(buf, rs, x * ch, h.depth, true);
        d[o] = g;
        d[o + 1] = g;
        d[o + 2] = g;
      } else {
        d[o] = sample(buf, rs, x * ch, h.depth, true);
        d[o + 1] = sample(buf, rs, x * ch + 1, h.depth, true);
        d[o + 2] = sample(buf, rs, x * ch + 2, h.depth, true);
      }
    }
  }
  return ok(img);
}
