/**
 * `wait_for_text` matching: a regular expression over OCR text, turned into a `Match`.
 *
 * The reference (entity_match_type.md) promises only `text` and `score` for text hits,
 * with coordinates 0. We do better where we can: the words the regex match overlaps
 * are found in the OCR word list, their boxes' union becomes `x, y, w, h` (so `cx, cy`
 * can feed `mouse_move`) and their mean confidence (0..1) the score. When no word can
 * be placed — the engine gave no boxes — coordinates stay 0 and the score is 1.
 *
 * Word offsets are recovered by finding each word, in order, in the text the engine
 * built from those same words, so the two never disagree. Pure; no I/O.
 */
import type { OcrResult } from "../vision/mod.ts";
import type { ScreenMatch } from "./screen_match.ts";

/** Compiles a script's pattern; a syntax error is returned as its message. */
export function compilePattern(pattern: string | RegExp): { ok: true; re: RegExp } | { ok: false; reason: string } {
  if (pattern instanceof RegExp) return { ok: true, re: new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, "")) };
  try {
    return { ok: true, re: new RegExp(pattern) };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

/** The first match of `re` in the OCR text as a `ScreenMatch`, or undefined. */
export function matchText(result: OcrResult, re: RegExp): ScreenMatch | undefined {
  const m = re.exec(result.text);
  if (m === null) return undefined;
  const start = m.index;
  const end = m.index + m[0].length;
  let cursor = 0;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  let confidence = 0;
  let n = 0;
  for (const w of result.words) {
    const at = result.text.indexOf(w.text, cursor);
    if (at < 0) continue;
    cursor = at + w.text.length;
    // An empty match (e.g. /^/) overlaps the word it touches.
    const overlaps = start === end ? at <= start && start <= cursor : at < end && cursor > start;
    if (!overlaps) continue;
    x0 = Math.min(x0, w.box.x);
    y0 = Math.min(y0, w.box.y);
    x1 = Math.max(x1, w.box.x + w.box.w);
    y1 = Math.max(y1, w.box.y + w.box.h);
    confidence += Math.max(0, Math.min(100, w.confidence));
    n++;
  }
  if (n === 0) return { x: 0, y: 0, w: 0, h: 0, cx: 0, cy: 0, score: 1, text: m[0] };
  const w = x1 - x0;
  const h = y1 - y0;
  return { x: x0, y: y0, w, h, cx: x0 + Math.floor(w / 2), cy: y0 + Math.floor(h / 2), score: confidence / n / 100, text: m[0] };
}
