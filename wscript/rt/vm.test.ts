import { describe, expect, test } from "bun:test";
import { Context, Vm } from "../mod.ts";

const unit = (src: string) => {
  const r = new Context().compile("t.wscript", src);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.unit;
};

describe("Vm limits", () => {
  test("fuel is spent exactly once per function entry and loop iteration", () => {
    const u = unit("fn f() -> int { 1 }\nfn main() -> int { let s = 0\n for i in 0..10 { s += f() }\n s }");
    const vm = new Vm(u, { fuel: 1000 });
    expect(vm.call("main")).toMatchObject({ ok: true, value: 10 });
    expect(vm.fuel()).toBe(1000 - 1 - 10 - 10);
  });
  test("fuel larger than one refill slice is drawn down across slices without loss", () => {
    const u = unit("fn main() -> int { let s = 0\n for i in 0..5 { s += 1 }\n s }");
    const vm = new Vm(u, { fuel: 3 * 2 ** 30 + 7 });
    vm.call("main");
    expect(vm.fuel()).toBe(3 * 2 ** 30 + 7 - 6);
  });
  test("a tail call counts toward the call-depth limit", () => {
    const u = unit("fn down(n: int) -> int { down(n + 1) }\nfn main() -> int { down(0) }");
    const res = new Vm(u, { callDepthLimit: 50 }).call("main");
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.message).toBe("call depth limit exceeded (50)");
  });
  test("range loops stay exact across the 2^53 boundary", () => {
    const u = unit("fn main() -> int { let n = 0\n for i in 9007199254740990..9007199254740994 { n += 1 }\n n }");
    expect(new Vm(u).call("main")).toMatchObject({ ok: true, value: 4 });
  });
});

describe("host→script re-entry", () => {
  test("a host function calling back into the script nests at most REENTRY_DEPTH_LIMIT deep, and faults trappably", async () => {
    const { HostModule, REENTRY_DEPTH_LIMIT } = await import("../mod.ts");
    let deepest = 0;
    const m = new HostModule("cb").fn("apply(f: fn(int) -> int, x: int) -> int", (f: (x: number) => number, x: number) => {
      deepest = Math.max(deepest, x);
      return f(x);
    });
    const r = new Context()
      .module(m)
      .compile(
        "t.wscript",
        "use cb\nfn down(n: int) -> int { cb::apply(|x| down(x + 1), n) }\nfn once() -> int { cb::apply(|x| x * 2, 21) }\nfn main() -> int { down(0) }",
      );
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    const vm = new Vm(r.unit);
    const res = vm.call("main");
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.message).toBe(`host→script re-entry limit exceeded (${REENTRY_DEPTH_LIMIT})`);
    expect(deepest).toBe(REENTRY_DEPTH_LIMIT);
    expect(vm.call("once")).toMatchObject({ ok: true, value: 42 });
  });
});
