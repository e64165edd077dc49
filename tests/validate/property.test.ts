/**
 * Property tests with a small seeded generator (failures reproduce: the
 * seed is in the test name). The lexer, parser, evaluator and the whole
 * validator never throw on arbitrary input; printing a parsed document and
 * parsing it again is stable (print∘parse is a fixpoint after one round).
 */
import { describe, expect, test } from "bun:test";
import { evaluateSource, parse, print } from "../../core/wcl/mod.ts";
import { run } from "./harness.ts";

/** Iterations per property; kept small so the suite stays fast. */
const RUNS = 400;
const SEED = 0x5eed;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  "lab",
  "vm",
  '"x"',
  "{",
  "}",
  "[",
  "]",
  "(",
  ")",
  "=",
  "==",
  ",",
  "\n",
  " ",
  "1",
  "2.5",
  "512MiB",
  "0x1F",
  "true",
  "null",
  "let",
  "for",
  "in",
  "if",
  "else",
  "import",
  "<vmlab.wcl>",
  '"a${b}c"',
  '"\\n"',
  "<<EOF\nhi\nEOF\n",
  "<<-X\n  y\n  X\n",
  "//c\n",
  "/*",
  "*/",
  "#",
  "+",
  "-",
  "*",
  "/",
  "?",
  ":",
  "..",
  "=>",
  "!",
  "&&",
  "||",
  "@",
  "macro",
  "table",
  "partial",
  "x",
  "cpus",
  "$",
  "${",
  '"',
  "\\",
  "é",
  "\t",
];

function soup(r: () => number): string {
  const n = Math.floor(r() * 60);
  let s = "";
  for (let i = 0; i < n; i++) {
    s += r() < 0.85 ? (PIECES[Math.floor(r() * PIECES.length)] ?? "") : String.fromCharCode(Math.floor(r() * 0x250));
  }
  return s;
}

/** A random well-formed document. */
function doc(r: () => number, depth = 0): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T;
  const ident = () => pick(["a", "b", "cpus", "memory", "name", "x_1", "tags"]);
  const expr = (d: number): string => {
    if (d > 2 || r() < 0.4) return pick(["1", "42", "2.5", "true", "false", "null", "8GiB", '"s"', '"a\\tb"', '"i${1 + 2}"', "v", "-3"]);
    switch (Math.floor(r() * 6)) {
      case 0:
        return `[${Array.from({ length: Math.floor(r() * 3) }, () => expr(d + 1)).join(", ")}]`;
      case 1:
        return `{ ${ident()} = ${expr(d + 1)} }`;
      case 2:
        return `${expr(d + 1)} ${pick(["+", "-", "*", "==", "<", "&&", ".."])} ${expr(d + 1)}`;
      case 3:
        return `${expr(d + 1)} ? ${expr(d + 1)} : ${expr(d + 1)}`;
      case 4:
        return `len(${expr(d + 1)})`;
      default:
        return `(${expr(d + 1)})`;
    }
  };
  const lines: string[] = [];
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.45) lines.push(`${ident()} = ${expr(0)}`);
    else if (k < 0.6) lines.push(`let v = ${expr(0)}`);
    else if (k < 0.7 && depth < 3) lines.push(`for v in [1, 2] {\n${doc(r, depth + 1)}\n}`);
    else if (k < 0.8 && depth < 3) lines.push(`if true {\n${doc(r, depth + 1)}\n} else {\n${doc(r, depth + 1)}\n}`);
    else if (depth < 3) lines.push(`${pick(["vm", "nic", "server"])} ${pick(['"n"', "web-1", "", '"a" 2'])} {\n${doc(r, depth + 1)}\n}`);
  }
  return lines.join("\n");
}

describe("parser properties", () => {
  test(`never throws on arbitrary input (seed ${SEED})`, () => {
    const r = rng(SEED);
    for (let i = 0; i < RUNS; i++) {
      const src = soup(r);
      expect(() => parse(src, "p.wcl")).not.toThrow();
      expect(() => evaluateSource(src, "/p.wcl")).not.toThrow();
    }
  });

  test(`the validator never throws on arbitrary input (seed ${SEED + 1})`, () => {
    const r = rng(SEED + 1);
    for (let i = 0; i < RUNS / 4; i++) {
      const src = `lab "x" {\n${soup(r)}\n}`;
      expect(() => run(src)).not.toThrow();
    }
  });

  test(`printing then parsing a document is stable (seed ${SEED + 2})`, () => {
    const r = rng(SEED + 2);
    for (let i = 0; i < RUNS; i++) {
      const src = doc(r);
      const first = parse(src, "p.wcl");
      expect(first.diagnostics).toEqual([]);
      const printed = print(first.file);
      const second = parse(printed, "p.wcl");
      expect(second.diagnostics).toEqual([]);
      expect(print(second.file)).toBe(printed);
    }
  });

  test(`any soup that parses cleanly prints stably (seed ${SEED + 3})`, () => {
    const r = rng(SEED + 3);
    for (let i = 0; i < RUNS; i++) {
      const first = parse(soup(r), "p.wcl");
      if (first.diagnostics.length > 0) continue;
      const printed = print(first.file);
      expect(print(parse(printed, "p.wcl").file)).toBe(printed);
    }
  });
});
