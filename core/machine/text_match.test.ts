import { describe, expect, test } from "bun:test";
import type { OcrResult } from "../vision/mod.ts";
import { compilePattern, matchText } from "./text_match.ts";

const result: OcrResult = {
  text: "vmlab tiny linux\nroot shell on tty1",
  words: [
    { text: "vmlab", confidence: 96, box: { x: 0, y: 16, w: 45, h: 14 } },
    { text: "tiny", confidence: 90, box: { x: 54, y: 16, w: 36, h: 14 } },
    { text: "linux", confidence: 84, box: { x: 99, y: 16, w: 45, h: 14 } },
    { text: "root", confidence: 95, box: { x: 0, y: 32, w: 36, h: 14 } },
    { text: "shell", confidence: 95, box: { x: 45, y: 32, w: 45, h: 14 } },
    { text: "on", confidence: 95, box: { x: 99, y: 32, w: 18, h: 14 } },
    { text: "tty1", confidence: 95, box: { x: 126, y: 32, w: 36, h: 14 } },
  ],
};

describe("matchText()", () => {
  test("boxes the words the match overlaps and scores their mean confidence", () => {
    const re = compilePattern("tiny lin");
    if (!re.ok) throw new Error(re.reason);
    expect(matchText(result, re.re)).toEqual({ x: 54, y: 16, w: 90, h: 14, cx: 99, cy: 23, score: 0.87, text: "tiny lin" });
  });

  test("places a repeated word at its own occurrence", () => {
    const r: OcrResult = {
      text: "ok ok",
      words: [
        { text: "ok", confidence: 50, box: { x: 0, y: 0, w: 10, h: 10 } },
        { text: "ok", confidence: 70, box: { x: 20, y: 0, w: 10, h: 10 } },
      ],
    };
    expect(matchText(r, /ok$/)).toMatchObject({ x: 20, score: 0.7, text: "ok" });
  });

  test("a match across lines spans both lines", () => {
    expect(matchText(result, /linux\nroot/)).toMatchObject({ x: 0, y: 16, w: 144, h: 30, text: "linux\nroot" });
  });

  test("without word boxes the coordinates are 0 and the score 1, as the reference says", () => {
    expect(matchText({ text: "login:", words: [] }, /log(in)/)).toEqual({ x: 0, y: 0, w: 0, h: 0, cx: 0, cy: 0, score: 1, text: "login" });
  });

  test("no match is undefined", () => {
    expect(matchText(result, /password/)).toBeUndefined();
  });
});

describe("compilePattern()", () => {
  test("reports a regex syntax error as data", () => {
    const r = compilePattern("a(b");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain("Invalid regular expression");
  });

  test("drops the global and sticky flags so repeated polls start from the beginning", () => {
    const r = compilePattern(/x/gi);
    expect(r.ok && r.re.flags).toBe("i");
  });
});
