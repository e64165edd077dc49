import { describe, expect, test } from "bun:test";
import { parse } from "./parser.ts";
import { print } from "./printer.ts";

const codes = (src: string) => parse(src, "t.wcl").diagnostics.map((d) => d.code);
const printed = (src: string) => print(parse(src, "t.wcl").file);

describe("parse()", () => {
  test("parses attributes separated only by whitespace", () => {
    expect(printed('vm "a" { cpus = 4  memory = 8GiB nic { nat = true } }')).toBe('vm "a" {\n  cpus = 4\n  memory = 8GiB\n  nic {\n    nat = true\n  }\n}\n');
  });
  test("parses inline ids with hyphens and inline arguments", () => {
    const f = parse('server web-1 8080 "prod" { }', "t").file;
    const b = f.items[0];
    expect(b?.type === "block" && b.id?.text).toBe("web-1");
    expect(b?.type === "block" && b.args.length).toBe(2);
  });
  test("respects operator precedence", () => {
    expect(printed("x = 1 + 2 * 3 == 7 && !false")).toBe("x = (((1 + (2 * 3)) == 7) && !false)\n");
  });
  test("parses ternaries, calls, indexes, members and lambdas", () => {
    expect(printed("x = a ? f(1, [2])[0] : m.k\ny = map(l, v => v * 2)")).toBe("x = (a ? f(1, [2])[0] : m.k)\ny = map(l, ((v) => (v * 2)))\n");
  });
  test("parses if/else and for with an index", () => {
    expect(printed("if a { x = 1 } else { y = 2 }\nfor v, i in l { b { } }")).toBe("if a {\n  x = 1\n} else {\n  y = 2\n}\nfor v, i in l {\n  b { }\n}\n");
  });
  test("parses relative, optional and library imports", () => {
    expect(printed('import "./x.wcl"\nimport? "./y.wcl"\nimport <vmlab.wcl>')).toBe('import "./x.wcl"\nimport? "./y.wcl"\nimport <vmlab.wcl>\n');
  });
  test("reports every independent syntax error, not just the first", () => {
    expect(codes("a = \nb = 1 +\nc = 3\nd = ]")).toEqual(["E002", "E002", "E002"]);
    expect(codes("lab { x = = 1\n y = 2 }\nvm { = }")).toEqual(["E002", "E002"]);
  });
  test("reports unsupported constructs as E190 and keeps parsing", () => {
    const r = parse('macro m(a) { x = a }\ntable t { a: string }\nvalidation "v" { check = true }\npartial let p = [1]\nx = (..service)\n@deco\nok = 1', "t");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E190", "E190", "E190", "E190", "E190", "E190"]);
    expect(r.file.items.some((i) => i.type === "attr" && i.name === "ok")).toBe(true);
  });
  test("bounds nesting depth instead of overflowing the stack", () => {
    expect(codes(`x = ${"[".repeat(5000)}`)).toContain("E029");
  });
  test("a missing closing brace is reported at end of file", () => {
    const r = parse('lab "x" {\n  a = 1\n', "t");
    expect(r.diagnostics[0]?.message).toContain("end of file");
  });
});
