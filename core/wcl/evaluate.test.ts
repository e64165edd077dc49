import { describe, expect, test } from "bun:test";
import { evaluate, evaluateSource } from "./evaluate.ts";
import { toPlain, type DocBlock } from "./value.ts";

const ev = (src: string) => evaluateSource(src, "/lab/t.wcl");
const attrs = (b: { attrs: readonly { name: string; value: Parameters<typeof toPlain>[0] }[] }) =>
  Object.fromEntries(b.attrs.map((a) => [a.name, toPlain(a.value)]));
const value = (expr: string) => {
  const r = ev(`x = ${expr}`);
  return { v: r.document.attrs[0] ? toPlain(r.document.attrs[0].value) : undefined, codes: r.diagnostics.map((d) => d.code) };
};

describe("evaluate()", () => {
  test("for over a range declares one block per element", () => {
    const r = ev('for i in 0..3 { vm "node${i}" { cpus = i + 1 } }');
    expect(r.document.blocks.map((b) => toPlain(b.args[0] as never))).toEqual(["node0", "node1", "node2"]);
    expect(r.diagnostics).toEqual([]);
  });
  test("let bindings are lazy and order independent", () => {
    expect(attrs(ev("let b = a * 2\nlet a = 21\nx = b").document)).toEqual({ x: 42 });
  });
  test("a let cycle is E041", () => {
    expect(ev("let a = b\nlet b = a\nx = a").diagnostics.map((d) => d.code)).toContain("E041");
  });
  test("arithmetic keeps ints, floats and sizes apart", () => {
    expect(value("7 / 2").v).toBe(3);
    expect(value("7.0 / 2").v).toBe(3.5);
    expect(value("2 * 4GiB").v).toBe(8 * 2 ** 30);
    expect(value('"a" + "b"').v).toBe("ab");
    expect(value("1 + 1GiB").codes).toEqual(["E050"]);
    expect(value("1 / 0").codes).toEqual(["E051"]);
  });
  test("if needs a bool condition", () => {
    expect(ev("if 1 { a = 1 }").diagnostics.map((d) => d.code)).toEqual(["E026"]);
  });
  test("for needs a list", () => {
    expect(ev('for x in "abc" { }').diagnostics.map((d) => d.code)).toEqual(["E025"]);
  });
  test("builtins work and unknown functions suggest a name", () => {
    expect(value('join(map(split("a,b", ","), s => upper(s)), "-")').v).toBe("A-B");
    expect(value("len([1, 2, 3]) + sum([1, 2])").v).toBe(6);
    const r = ev("x = lenght([1])");
    expect(r.diagnostics[0]?.code).toBe("E052");
    expect(r.diagnostics[0]?.hint).toContain("length");
  });
  test("duplicate attributes are E031 and reported once", () => {
    expect(ev("a = 1\na = 2").diagnostics.map((d) => [d.code, d.name])).toEqual([["E031", "a"]]);
  });
  test("an error is reported once, not at every use", () => {
    expect(ev("let a = nope\nx = a + 1\ny = a").diagnostics.map((d) => d.code)).toEqual(["E040"]);
  });
  test("recursive lambdas stop at the call depth limit", () => {
    expect(ev("let f = x => f(x)\ny = f(1)").diagnostics.map((d) => d.code)).toContain("E029");
  });
  test("imports splice blocks in and share exported lets only", () => {
    const files: Record<string, string> = {
      "/lab/main.wcl": 'import "./lib/a.wcl"\nx = base + 1\ny = hidden',
      "/lab/lib/a.wcl": "export let base = 10\nlet hidden = 1\nseg { }",
    };
    const r = evaluate("/lab/main.wcl", { read: (p) => files[p], library: () => undefined });
    expect(r.document.blocks.map((b: DocBlock) => b.kind)).toEqual(["seg"]);
    expect(attrs(r.document).x).toBe(11);
    expect(r.diagnostics.map((d) => [d.code, d.name])).toEqual([["E040", "hidden"]]);
  });
  test("missing imports and libraries are E010 and E015; import? is silent", () => {
    const r = evaluate("/l/m.wcl", {
      read: (p) => (p === "/l/m.wcl" ? 'import "./no.wcl"\nimport? "./maybe.wcl"\nimport <nope.wcl>' : undefined),
      library: () => undefined,
    });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E010", "E015"]);
  });
  test("import cycles are E041", () => {
    const files: Record<string, string> = { "/a.wcl": 'import "./b.wcl"', "/b.wcl": 'import "./a.wcl"' };
    expect(evaluate("/a.wcl", { read: (p) => files[p], library: () => undefined }).diagnostics.map((d) => d.code)).toEqual(["E041"]);
  });
  test("values carry the span of the literal that produced them", () => {
    const r = ev('l = ["a", "bb"]');
    const v = r.document.attrs[0]?.value;
    expect(v?.kind === "list" ? v.items[1]?.span : undefined).toEqual({ file: "/lab/t.wcl", start: 10, end: 14 });
  });
});
