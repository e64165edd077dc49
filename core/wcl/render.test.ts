import { describe, expect, test } from "bun:test";
import { error } from "./diagnostic.ts";
import { ECHO_MAX_CHARS, toJson } from "./render.ts";

const src = 'lab "x" {\n  vm "a" { cpu = 2 }\n}\n';
const d = error(
  "config.unknown_attribute",
  "unknown attribute `cpu` in `vm`",
  { file: "/w/lab/vmlab.wcl", start: 21, end: 24 },
  { name: "cpu", hint: "did you mean `cpus`?" },
);
const sources = new Map([["/w/lab/vmlab.wcl", src]]);

describe("toJson()", () => {
  test("serialises to JSON with resolved line and column", () => {
    expect(toJson(d, sources)).toEqual({
      code: "config.unknown_attribute",
      severity: "error",
      message: "unknown attribute `cpu` in `vm`",
      name: "cpu",
      hint: "did you mean `cpus`?",
      file: "/w/lab/vmlab.wcl",
      line: 2,
      col: 12,
      endLine: 2,
      endCol: 15,
    });
  });
});

describe("toJson() of huge user text", () => {
  test("clips the message, name and hint, saying how much was left out", () => {
    const big = "x".repeat(5_000_000);
    const text = `lab "x" { vm "a" { template = "${big}" } }\n`;
    const echo = error(
      "config.unknown_template",
      `template "${big}" is not in the store`,
      { file: "/l.wcl", start: 30, end: 30 + big.length },
      { name: big, hint: `did you mean "${big}"?` },
    );
    const json = toJson(echo, new Map([["/l.wcl", text]]));
    expect(JSON.stringify(json).length).toBeLessThan(4 * ECHO_MAX_CHARS + 200);
    expect(json.message).toContain("more characters)");
  });
});
