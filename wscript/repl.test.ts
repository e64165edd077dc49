import { describe, expect, test } from "bun:test";
import { Repl } from "./repl.ts";
import { Session } from "./session.ts";
import { stdModules } from "./std/mod.ts";

function repl() {
  const b = Session.builder();
  for (const m of stdModules()) b.module(m);
  let out = "";
  const r = new Repl(b.build(), {
    stdout: (s) => {
      out += s;
    },
  });
  /** Evaluate and return the value, or "ERR: <first line>". */
  const ev = (src: string): string | undefined => {
    const o = r.eval(src);
    return o.ok ? o.value : `ERR: ${o.error.split("\n")[0]}`;
  };
  return { r, ev, out: () => out };
}

describe("Repl", () => {
  test("a weak reference upgrades while a binding holds its target, and not after (issue 17 class 6)", () => {
    const { ev } = repl();
    ev("struct N { v: int }");
    ev("let a = N { v: 1 }");
    ev("let w = weak(a)");
    expect(ev("w.upgrade().is_some()")).toBe("true");
    ev("a = N { v: 2 }");
    expect(ev("w.upgrade().is_some()")).toBe("false");
  });
  test("floats display as floats (issue 17 class 1)", () => {
    const { ev } = repl();
    expect(ev("[1.0, 2.5]")).toBe("[1.0, 2.5]");
    expect(ev("3.0")).toBe("3.0");
  });
  test("let bindings persist across inputs and expressions show their value", () => {
    const { ev } = repl();
    expect(ev("let xs = [1, 2, 3]")).toBeUndefined();
    expect(ev("xs.map(|x| x * 2).fold(0, |a, x| a + x)")).toBe("12");
    expect(ev("xs.push(4)")).toBeUndefined();
    expect(ev("xs.len()")).toBe("4");
  });
  test("reassigning and shadowing a binding is seen by later inputs", () => {
    const { ev } = repl();
    ev("let n = 1");
    ev("n = n + 10");
    expect(ev("n")).toBe("11");
    ev('let n = "now a string"');
    expect(ev("n")).toBe('"now a string"');
  });
  test("the prelude is always there and `use` brings in stdlib modules", () => {
    const { ev, out } = repl();
    expect(ev("println(str(2 + 2))")).toBeUndefined();
    expect(out()).toBe("4\n");
    expect(ev("math::sqrt(9.0)")).toBe("ERR: error[E0433]: module `math` is not imported  (<input>:1:1)");
    expect(ev("use math")).toBeUndefined();
    expect(ev("math::sqrt(9.0)")).toBe("3.0");
  });
  test("functions and types entered earlier stay defined, and redefining replaces them", () => {
    const { ev } = repl();
    ev("fn f(x: int) -> int { x + 1 }");
    ev("#[derive(Eq)]\nstruct P { x: int }");
    expect(ev("f(1)")).toBe("2");
    expect(ev("P { x: f(2) }")).toBe("P { x: 3 }");
    ev("fn f(x: int) -> int { x * 100 }");
    expect(ev("f(1)")).toBe("100");
  });
  test("a compile error is rendered against the input and changes nothing", () => {
    const { r, ev } = repl();
    ev("let a = 1");
    const o = r.eval("let b: string = a");
    expect(o.ok).toBe(false);
    if (!o.ok) expect(o.error).toContain("error[E0201]: expected `string`, found `int`  (<input>:1:17)");
    expect(r.bound()).toEqual([{ name: "a", type: "int" }]);
  });
  test("a fault is rendered with its trace and the session continues", () => {
    const { r, ev } = repl();
    ev("let a = 5");
    const o = r.eval("let z = a / 0");
    expect(o.ok).toBe(false);
    if (!o.ok) expect(o.error.split("\n")[0]).toBe("Error: division by zero");
    expect(ev("a * 2")).toBe("10");
    expect(r.bound().map((b) => b.name)).toEqual(["a"]);
  });
  test("strings, chars and unit values display as literals", () => {
    const { ev } = repl();
    expect(ev('"hi"')).toBe('"hi"');
    expect(ev("'c'")).toBe("'c'");
    expect(ev("units Len: int { mm = 1, m = 1000 }")).toBeUndefined();
    expect(ev("Len::m(3)")).toBe("3m");
  });
  test("a binding of an uninferred type is dropped with a note", () => {
    const { r } = repl();
    const o = r.eval("let f = |x| x");
    expect(o.ok && o.notes[0]).toContain("`f` has a type that is not fully inferred");
  });
  test("needsMore() keeps reading while brackets are open or the input ends in an operator", () => {
    expect(Repl.needsMore("fn f() {")).toBe(true);
    expect(Repl.needsMore("fn f() {\n  1\n}")).toBe(false);
    expect(Repl.needsMore("let xs = [1,")).toBe(true);
    expect(Repl.needsMore("1 +")).toBe(true);
    expect(Repl.needsMore('"{ not a bracket"')).toBe(false);
    expect(Repl.needsMore("/* open")).toBe(true);
  });
});
