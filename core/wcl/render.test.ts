import { describe, expect, test } from "bun:test";
import { error } from "./diagnostic.ts";
import { ECHO_MAX_CHARS, LINE_WINDOW_CHARS, render, toJson } from "./render.ts";

const src = 'lab "x" {\n  vm "a" { cpu = 2 }\n}\n';
const d = error("unknown-attribute", "unknown attribute `cpu` in `vm`", { file: "/w/lab/vmlab.wcl", start: 21, end: 24 }, { name: "cpu", hint: "did you mean `cpus`?" });
const sources = new Map([["/w/lab/vmlab.wcl", src]]);

describe("render() of huge user text", () => {
  // A 5 MB one-line string once printed 26 MB of errors: every echo is bounded.
  const big = "x".repeat(5_000_000);
  const text = `lab "x" { vm "a" { template = "${big}" cpus = "two" } }\n`;
  const at = text.indexOf("cpus");
  const far = error("type-mismatch", "expected an integer for `cpus`", { file: "/l.wcl", start: at, end: at + 4 });
  const echo = error("unknown-template", `template "${big}" is not in the store`, { file: "/l.wcl", start: 30, end: 30 + big.length }, { name: big, hint: `did you mean "${big}"?` });
  const src = new Map([["/l.wcl", text]]);
  test("shows a window of the source line around the caret, with the caret under the span", () => {
    const out = render(far, src, { color: false });
    expect(out.length).toBeLessThan(ECHO_MAX_CHARS + 4 * LINE_WINDOW_CHARS);
    const lines = out.split("\n");
    const codeLine = lines[3] as string;
    const caretLine = lines[4] as string;
    expect(codeLine).toContain('cpus = "two"');
    expect(codeLine).toContain("…");
    expect(caretLine.indexOf("^")).toBe(codeLine.indexOf("cpus"));
  });
  test("clips the message, name and hint, saying how much was left out", () => {
    const out = render(echo, src, { color: false });
    expect(out.length).toBeLessThan(4 * ECHO_MAX_CHARS + 4 * LINE_WINDOW_CHARS);
    expect(out).toContain("more characters)");
    const json = JSON.stringify(toJson(echo, src));
    expect(json.length).toBeLessThan(4 * ECHO_MAX_CHARS + 200);
  });
});

describe("render()", () => {
  test("prints code, location, the source line, a caret under the span and the hint", () => {
    expect(render(d, sources, { color: false, cwd: "/w" })).toBe(
      "error[unknown-attribute]: unknown attribute `cpu` in `vm`\n" +
        " --> lab/vmlab.wcl:2:12\n" +
        "  |\n" +
        '2 |   vm "a" { cpu = 2 }\n' +
        "  |            ^^^\n" +
        "  = hint: did you mean `cpus`?\n",
    );
  });
  test("colours only when asked", () => {
    expect(render(d, sources, { color: true })).toContain("\x1b[1;31merror[unknown-attribute]");
  });
  test("serialises to JSON with resolved line and column", () => {
    expect(toJson(d, sources)).toEqual({
      code: "unknown-attribute", severity: "error", message: "unknown attribute `cpu` in `vm`", name: "cpu", hint: "did you mean `cpus`?",
      file: "/w/lab/vmlab.wcl", line: 2, col: 12, endLine: 2, endCol: 15,
    });
  });
});
