import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readImageFile } from "./decode.ts";
import type { VisionResult } from "./errors.ts";
import { newGray, toGray } from "./image.ts";
import { ocr } from "./ocr.ts";
import { prepareForOcr } from "./ocr_prep.ts";
import { parseTesseractTsv, TesseractCli } from "./tesseract_cli.ts";

const FIXTURE = new URL("./testdata/seabios_720x400.png", import.meta.url).pathname;
const HAVE_TESSERACT = spawnSync("tesseract", ["--version"]).status === 0;
if (!HAVE_TESSERACT) console.warn("SKIP OCR recognition tests: 'tesseract' not found — apt-get install tesseract-ocr");

function value<T>(r: VisionResult<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

describe("OCR", () => {
  test.skipIf(!HAVE_TESSERACT)("ocr reads a VGA text-mode screendump", async () => {
    const img = value(await readImageFile(FIXTURE));
    const r = value(await ocr(new TesseractCli(), img));
    expect(r.text).toContain("Booting from Hard Disk");
    expect(r.text).toContain("No bootable device.");
    expect(r.text).toMatch(/could not read the boot disk/);
    const word = r.words.find((w) => w.text === "bootable");
    // "No bootable device." is text row 7 (16 px rows), starting at column 3 (9 px cells)
    expect(word?.box.y).toBeGreaterThanOrEqual(7 * 16 - 2);
    expect(word?.box.y).toBeLessThanOrEqual(7 * 16 + 4);
    expect(word?.box.x).toBeGreaterThanOrEqual(3 * 9 - 2);
    expect(word?.box.x).toBeLessThanOrEqual(3 * 9 + 4);
  });

  test.skipIf(!HAVE_TESSERACT)("ocr of a region reads only that region, in screen coordinates", async () => {
    const img = value(await readImageFile(FIXTURE));
    const r = value(await ocr(new TesseractCli(), img, { x: 0, y: 108, w: 300, h: 24 }));
    expect(r.text.trim()).toBe("No bootable device.");
    expect(r.words[0]?.box.y).toBeGreaterThanOrEqual(108);
  });

  test("a missing tesseract binary is an error naming the package", async () => {
    const r = await new TesseractCli({ binary: "/nonexistent/tesseract" }).recognize(newGray(10, 10));
    expect(r.ok ? "ok" : r.error.code).toBe("vision.ocr_unavailable");
    expect(r.ok ? "" : r.error.hint).toContain("tesseract-ocr");
  });

  test("a failing engine process is reported as ocr_failed", async () => {
    const r = await new TesseractCli({ binary: "false" }).recognize(newGray(10, 10));
    expect(r.ok ? "ok" : r.error.code).toBe("vision.ocr_failed");
  });

  test("parseTesseractTsv rebuilds lines and blocks from word rows", () => {
    const head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext";
    const rows = [
      "5\t1\t1\t1\t1\t1\t10\t20\t30\t12\t96.5\tHello",
      "5\t1\t1\t1\t1\t2\t45\t20\t40\t12\t91\tworld",
      "4\t1\t1\t1\t2\t0\t10\t40\t80\t12\t-1\t",
      "5\t1\t1\t1\t2\t1\t10\t40\t20\t12\t88\tagain",
      "5\t1\t2\t1\t1\t1\t10\t90\t20\t12\t70\tnext",
    ];
    const r = parseTesseractTsv([head, ...rows].join("\n"));
    expect(r.text).toBe("Hello world\nagain\n\nnext");
    expect(r.words[1]).toEqual({ text: "world", confidence: 91, box: { x: 45, y: 20, w: 40, h: 12 } });
  });

  test("prepareForOcr inverts dark screens and doubles small ones", async () => {
    const g = toGray(value(await readImageFile(FIXTURE)));
    const p = prepareForOcr(g);
    expect([p.image.width, p.image.height, p.scale]).toEqual([1440, 800, 2]);
    expect(p.image.data[p.image.data.length - 1]).toBe(255); // black corner became white
  });
});
