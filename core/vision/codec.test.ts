import { describe, expect, test } from "bun:test";
import { deflateSync } from "node:zlib";
import { crc32 } from "./crc32.ts";
import { decodeImage, readImageFile } from "./decode.ts";
import type { VisionResult } from "./errors.ts";
import type { RgbImage } from "./image.ts";
import { cropRgb, newRgb, toGray } from "./image.ts";
import { decodePng } from "./png_decode.ts";
import { encodePng } from "./png_encode.ts";
import { decodePpm, encodePpm } from "./ppm.ts";
import { syntheticScreen } from "./testing/synth.ts";

const FIXTURE = new URL("./testdata/seabios_720x400.png", import.meta.url).pathname;

function value<T>(r: VisionResult<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

function errorCode<T>(f: () => VisionResult<T>): string {
  const r = f(); // must not throw
  return r.ok ? "ok" : r.error.code;
}

/** Builds a PNG by hand so tests can vary colour type, depth and filters. */
function handPng(width: number, height: number, colorType: number, depth: number, rows: Uint8Array, extra: Array<[string, Uint8Array]> = []): Uint8Array {
  const chunk = (type: string, data: Uint8Array): number[] => {
    const b = new Uint8Array(12 + data.length);
    const v = new DataView(b.buffer);
    v.setUint32(0, data.length);
    for (let i = 0; i < 4; i++) b[4 + i] = type.charCodeAt(i);
    b.set(data, 8);
    v.setUint32(8 + data.length, crc32(b, 4, 8 + data.length));
    return [...b];
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const body = [...chunk("IHDR", ihdr), ...extra.flatMap(([t, d]) => chunk(t, d)), ...chunk("IDAT", deflateSync(rows)), ...chunk("IEND", new Uint8Array())];
  return Uint8Array.from([...sig, ...body]);
}

describe("PNG codec", () => {
  test("encodePng then decodePng returns the same pixels", () => {
    const img = syntheticScreen(320, 200, 7);
    const back = value(decodePng(encodePng(img), "mem"));
    expect(back.width).toBe(320);
    expect(back.height).toBe(200);
    expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
  });

  test("a QEMU screendump PNG decodes to its VGA text-mode size", async () => {
    const img = value(await readImageFile(FIXTURE));
    expect([img.width, img.height]).toEqual([720, 400]);
    // top-left is light text on black: the first text row has bright pixels, the bottom is black
    const g = toGray(img);
    expect(Math.max(...g.data.subarray(0, 720 * 14))).toBeGreaterThan(150);
    expect(Math.max(...g.data.subarray(720 * 380))).toBe(0);
  });

  test("grey, grey+alpha, RGBA, 16-bit and palette PNGs decode to RGB", () => {
    // 2×1 grey 8-bit, filter None
    expect([...value(decodePng(handPng(2, 1, 0, 8, Uint8Array.from([0, 10, 200])), "g")).data]).toEqual([10, 10, 10, 200, 200, 200]);
    // 1×1 grey+alpha
    expect([...value(decodePng(handPng(1, 1, 4, 8, Uint8Array.from([0, 77, 255])), "ga")).data]).toEqual([77, 77, 77]);
    // 1×2 RGBA with the Up filter on the second row
    expect([...value(decodePng(handPng(1, 2, 6, 8, Uint8Array.from([0, 1, 2, 3, 255, 2, 1, 1, 1, 0])), "rgba")).data]).toEqual([1, 2, 3, 2, 3, 4]);
    // 1×1 RGB 16-bit keeps the high byte
    expect([...value(decodePng(handPng(1, 1, 2, 16, Uint8Array.from([0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc])), "rgb16")).data]).toEqual([0x12, 0x56, 0x9a]);
    // 4×1 palette at 2 bits: indices 0,1,2,1
    const plte = Uint8Array.from([0, 0, 0, 255, 0, 0, 0, 255, 0]);
    expect([...value(decodePng(handPng(4, 1, 3, 2, Uint8Array.from([0, 0b00011001]), [["PLTE", plte]]), "pal")).data]).toEqual([
      0, 0, 0, 255, 0, 0, 0, 255, 0, 255, 0, 0,
    ]);
    // 8×1 grey at 1 bit scales bits to 0/255
    expect([...value(decodePng(handPng(8, 1, 0, 1, Uint8Array.from([0, 0b10000001])), "bits")).data].filter((_, i) => i % 3 === 0)).toEqual([
      255, 0, 0, 0, 0, 0, 0, 255,
    ]);
  });

  test("Sub, Average and Paeth filters are reversed", () => {
    // 2×2 grey: row0 Sub [10, +5], row1 Paeth [+1, +1] / Average check on a third row
    const rows = Uint8Array.from([1, 10, 5, 4, 1, 1, 3, 2, 2]);
    const px = [...value(decodePng(handPng(2, 3, 0, 8, rows), "f")).data].filter((_, i) => i % 3 === 0);
    // row0: 10, 15; row1 paeth: a=0,b=10,c=0 → 11; then a=11,b=15,c=10 → p=16 → nearest b=15 → 16
    // row2 average: 2 + (0+11)>>1 = 7; 2 + (7+16)>>1 = 13
    expect(px).toEqual([10, 15, 11, 16, 7, 13]);
  });

  test("hostile PNG bytes yield errors, never exceptions", () => {
    const good = encodePng(syntheticScreen(64, 48, 3));
    expect(errorCode(() => decodePng(good.subarray(0, 40), "t"))).toBe("vision.truncated");
    expect(errorCode(() => decodePng(good.subarray(0, good.length - 20), "t"))).toMatch(/vision\.(truncated|corrupt)/);
    const badCrc = good.slice();
    badCrc[30] = (badCrc[30] as number) ^ 0xff; // inside IHDR → its CRC no longer matches
    expect(errorCode(() => decodePng(badCrc, "c"))).toBe("vision.corrupt");
    const huge = handPng(100_000, 100_000, 2, 8, new Uint8Array(10));
    expect(errorCode(() => decodePng(huge, "h"))).toBe("vision.too_large");
    expect(errorCode(() => decodePng(handPng(4, 4, 2, 8, new Uint8Array(5)), "short"))).toBe("vision.truncated");
    expect(errorCode(() => decodePng(handPng(1, 1, 0, 8, Uint8Array.from([9, 0])), "filter"))).toBe("vision.corrupt");
    expect(errorCode(() => decodePng(handPng(1, 1, 2, 3, Uint8Array.from([0, 0])), "depth"))).toBe("vision.corrupt");
    expect(errorCode(() => decodePng(handPng(1, 1, 3, 8, Uint8Array.from([0, 5]), [["PLTE", Uint8Array.from([1, 2, 3])]]), "idx"))).toBe("vision.corrupt");
    const bomb = handPng(16, 16, 0, 8, new Uint8Array(10_000_000));
    expect(errorCode(() => decodePng(bomb, "bomb"))).toBe("vision.corrupt");
    const lenLie = good.slice();
    new DataView(lenLie.buffer).setUint32(8, 0xfffffff0);
    expect(errorCode(() => decodePng(lenLie, "len"))).toBe("vision.truncated");
    for (let cut = 0; cut < good.length; cut += 7) expect(decodeImage(good.subarray(0, cut), "fuzz").ok).toBe(false);
  });
});

describe("PPM codec", () => {
  test("encodePpm then decodePpm returns the same pixels", () => {
    const img = syntheticScreen(100, 60, 9);
    const back = value(decodePpm(encodePpm(img), "mem"));
    expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
  });

  test("comments, PGM and 16-bit samples are understood", () => {
    const head = new TextEncoder().encode("P5\n# made by hand\n2 1\n255\n");
    const pgm = Uint8Array.from([...head, 3, 250]);
    expect([...value(decodePpm(pgm, "pgm")).data]).toEqual([3, 3, 3, 250, 250, 250]);
    const head16 = new TextEncoder().encode("P6 1 1 65535\n");
    const ppm16 = Uint8Array.from([...head16, 0xff, 0xff, 0, 0, 0x80, 0x00]);
    expect([...value(decodePpm(ppm16, "16")).data]).toEqual([255, 0, 128]);
  });

  test("a QEMU PPM screendump decodes to the same pixels as its PNG twin", async () => {
    const png = value(await readImageFile(FIXTURE));
    const back = value(decodeImage(encodePpm(png), "twin.ppm"));
    expect(Buffer.from(back.data).equals(Buffer.from(png.data))).toBe(true);
  });

  test("hostile PPM bytes yield errors, never exceptions", () => {
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    expect(errorCode(() => decodePpm(enc("P6\n4 4\n255\n\x00\x00"), "t"))).toBe("vision.truncated");
    expect(errorCode(() => decodePpm(enc("P6\n99999 99999\n255\n"), "h"))).toBe("vision.too_large");
    expect(errorCode(() => decodePpm(enc("P6\n4"), "h"))).toBe("vision.truncated");
    expect(errorCode(() => decodePpm(enc("P6\nx 4\n255\n"), "h"))).toBe("vision.corrupt");
    expect(errorCode(() => decodePpm(enc("P6\n1 1\n0\n\x00\x00\x00"), "m"))).toBe("vision.corrupt");
    expect(errorCode(() => decodePpm(enc("P6\n1 1\n12345678901234\n"), "m"))).toBe("vision.corrupt");
    expect(errorCode(() => decodeImage(enc("GIF89a"), "gif"))).toBe("vision.unknown_format");
  });

  test("readImageFile reports a missing file as data", async () => {
    const r = await readImageFile("/nonexistent/ref.png");
    expect(r.ok ? "ok" : r.error.code).toBe("vision.read_failed");
  });
});

describe("image operations", () => {
  test("toGray uses OpenCV's fixed-point BT.601 weights", () => {
    const img: RgbImage = { width: 3, height: 1, data: Uint8Array.from([255, 0, 0, 0, 255, 0, 10, 20, 30]) };
    expect([...toGray(img).data]).toEqual([76, 150, 18]);
  });

  test("cropRgb copies the requested rectangle", () => {
    const img = newRgb(4, 3);
    for (let i = 0; i < img.data.length; i++) img.data[i] = i;
    const c = cropRgb(img, { x: 1, y: 1, w: 2, h: 2 });
    expect([...c.data]).toEqual([15, 16, 17, 18, 19, 20, 27, 28, 29, 30, 31, 32]);
  });
});
