/**
 * PNG encoder for screenshots: 8-bit RGB, non-interlaced, zlib level `PNG_ZLIB_LEVEL`.
 *
 * Each row gets the filter (None/Sub/Up/Average/Paeth) whose output has the smallest sum
 * of absolute signed bytes — the heuristic the PNG spec suggests (§12.8); screen content
 * (flat areas, text) compresses to a few percent of the raw size.
 * Spec: PNG §5 (chunks), §7.3 + §9 (filters), §11.2.2 (IHDR).
 * Leaves out: alpha, palette output, ancillary chunks.
 */
import { deflateSync } from "node:zlib";
import { crc32 } from "./crc32.ts";
import type { RgbImage } from "./image.ts";
import { PNG_SIGNATURE } from "./png_decode.ts";

/** zlib level used for screenshots: 6 is zlib's balance of speed and size. */
export const PNG_ZLIB_LEVEL = 6;

const BPP = 3;

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a),
    pb = Math.abs(p - b),
    pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Encodes an RGB image as PNG bytes. */
export function encodePng(img: RgbImage): Uint8Array {
  const stride = img.width * BPP;
  const raw = new Uint8Array(img.height * (stride + 1));
  const cand = new Uint8Array(stride);
  const src = img.data;
  for (let y = 0; y < img.height; y++) {
    const row = y * stride;
    const prev = row - stride;
    let bestCost = Infinity;
    const dst = y * (stride + 1);
    for (let f = 0; f <= 4; f++) {
      let cost = 0;
      for (let i = 0; i < stride; i++) {
        const x = src[row + i] as number;
        const a = i >= BPP ? (src[row + i - BPP] as number) : 0;
        const b = y > 0 ? (src[prev + i] as number) : 0;
        const c = i >= BPP && y > 0 ? (src[prev + i - BPP] as number) : 0;
        const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, c);
        const v = (x - pred) & 0xff;
        cand[i] = v;
        cost += v < 128 ? v : 256 - v;
      }
      if (cost < bestCost) {
        bestCost = cost;
        raw[dst] = f;
        raw.set(cand, dst + 1);
      }
    }
  }
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, img.width);
  hv.setUint32(4, img.height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const parts = [
    Uint8Array.from(PNG_SIGNATURE),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: PNG_ZLIB_LEVEL })),
    chunk("IEND", new Uint8Array(0)),
  ];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
