/** Property: the parser never throws, whatever the input. */
import { expect, test } from "bun:test";
import { Context, parse } from "../../wscript/mod.ts";

/** Deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const PIECES = [
  "fn",
  "main",
  "(",
  ")",
  "{",
  "}",
  "[",
  "]",
  "let",
  "x",
  "=",
  "1",
  '"s{x}"',
  "'c'",
  "match",
  "=>",
  ",",
  "\n",
  "if",
  "else",
  "|",
  "#{",
  ":",
  "::",
  "?",
  ".",
  "struct",
  "enum",
  "impl",
  "for",
  "in",
  "..",
  "-",
  "+",
  "*",
  "units",
  "#[derive(Eq)]",
  '"{',
  "/*",
  "0x",
  "1.5s",
];

test("parse never throws on random token soup", () => {
  const r = rng(42);
  for (let i = 0; i < 1500; i++) {
    const n = Math.floor(r() * 40);
    let src = "";
    for (let j = 0; j < n; j++) src += (PIECES[Math.floor(r() * PIECES.length)] as string) + (r() < 0.5 ? " " : "");
    expect(() => parse("fuzz.wscript", src)).not.toThrow();
  }
});

test("compile never throws on random token soup or random bytes", () => {
  const r = rng(7);
  const ctx = new Context();
  for (let i = 0; i < 400; i++) {
    const src =
      i % 2
        ? Array.from({ length: 60 }, () => String.fromCharCode(Math.floor(r() * 128))).join("")
        : `fn main() -> int { ${Array.from({ length: 12 }, () => PIECES[Math.floor(r() * PIECES.length)]).join(" ")} }`;
    expect(() => ctx.compile("fuzz.wscript", src)).not.toThrow();
  }
});
