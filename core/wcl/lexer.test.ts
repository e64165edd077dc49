import { describe, expect, test } from "bun:test";
import { lex } from "./lexer.ts";

const kinds = (src: string) => lex(src, "t.wcl").tokens.map((t) => `${t.kind}:${t.text}`);

describe("lex()", () => {
  test("lexes byte sizes as their own kind with the value in bytes", () => {
    const t = lex("512MiB 8GiB 10GB 1.5KiB", "t").tokens;
    expect(t.map((x) => [x.kind, x.value])).toEqual([
      ["bytes", 536870912],
      ["bytes", 8589934592],
      ["bytes", 1e10],
      ["bytes", 1536],
      ["eof", undefined],
    ]);
  });
  test("reports an unknown unit with its name", () => {
    const r = lex("4Gb", "t");
    expect(r.diagnostics[0]?.code).toBe("E004");
    expect(r.diagnostics[0]?.name).toBe("Gb");
  });
  test("reads hex, octal, binary and underscored integers and floats", () => {
    const t = lex("0xFF 0o755 0b1010_1010 1_000_000 3.14 2.998e8", "t").tokens;
    expect(t.slice(0, 6).map((x) => x.value)).toEqual([255, 493, 170, 1000000, 3.14, 2.998e8]);
    expect(t[4]?.kind).toBe("float");
  });
  test("does not take the dots of a range as a decimal point", () => {
    expect(kinds("0..3")).toEqual(["int:0", "punct:..", "int:3", "eof:"]);
  });
  test("decodes escapes and records interpolation holes as source ranges", () => {
    const src = '"a\\n\\"${x + 1}\\u0041"';
    const t = lex(src, "t").tokens[0];
    expect(t?.parts?.[0]).toEqual({ kind: "text", text: 'a\n"' });
    const hole = t?.parts?.[1];
    expect(hole?.kind === "hole" ? src.slice(hole.start, hole.end) : "").toBe("x + 1");
    expect(t?.parts?.[2]).toEqual({ kind: "text", text: "A" });
  });
  test("reports an unterminated string as E003", () => {
    expect(lex('x = "abc\ny = 1', "t").diagnostics.map((d) => d.code)).toEqual(["E003"]);
  });
  test("skips line, hash and nested block comments and keeps doc comments", () => {
    const t = lex("// c\n# c\n/* a /* b */ c */ /// doc\nx", "t").tokens;
    expect(t[0]?.text).toBe("x");
    expect(t[0]?.doc).toBe("doc");
  });
  test("strips the common indent of an indented heredoc", () => {
    const t = lex("x = <<-EOF\n    a\n      b\n    EOF\ny", "t").tokens;
    expect(t[2]?.parts).toEqual([{ kind: "text", text: "a\n  b\n" }]);
    expect(t[3]?.text).toBe("y");
  });
  test("keeps a raw heredoc verbatim", () => {
    const t = lex("x = <<'EOF'\n${x} \\n\nEOF\n", "t").tokens;
    expect(t[2]?.parts).toEqual([{ kind: "text", text: "${x} \\n\n" }]);
  });
  test("marks tokens that start a new line", () => {
    expect(lex("a b\nc", "t").tokens.map((t) => t.nl)).toEqual([true, false, true, true]);
  });
});
