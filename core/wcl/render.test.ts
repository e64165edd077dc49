import { describe, expect, test } from "bun:test";
import { error } from "./diagnostic.ts";
import { toJson } from "./render.ts";

const src = 'lab "x" {\n  vm "a" { cpu = 2 }\n}\n';
const d = error("unknown-attribute", "unknown attribute `cpu` in `vm`", { file: "/w/lab/vmlab.wcl", start: 21, end: 24 }, { name: "cpu", hint: "did you mean `cpus`?" });
const sources = new Map([["/w/lab/vmlab.wcl", src]]);

describe("toJson()", () => {
  test("serialises to JSON with resolved line and column", () => {
    expect(toJson(d, sources)).toEqual({
      code: "unknown-attribute", severity: "error", message: "unknown attribute `cpu` in `vm`", name: "cpu", hint: "did you mean `cpus`?",
      file: "/w/lab/vmlab.wcl", line: 2, col: 12, endLine: 2, endCol: 15,
    });
  });
});
