import { describe, expect, test } from "bun:test";
import { Context } from "../compile.ts";
import { fnHandle } from "./script_fn.ts";
import { Vm } from "./vm.ts";

const compile = (src: string) => {
  const r = new Context().compile("t.wscript", src);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.unit;
};
const unit = compile("struct Key { code: int }\nfn on_key(k: Key, n: int) -> bool { k.code == n }\nfn id[T](x: T) -> T { x }\nfn tick() {}\n");

describe("fnHandle()", () => {
  test("a handle whose signature matches calls the script function", () => {
    const h = fnHandle<[object, number], boolean>(unit, "on_key", "fn(Key, int) -> bool");
    expect(h.ok).toBe(true);
    if (!h.ok) return;
    const vm = new Vm(unit);
    const key = vm.classes()["Key"];
    expect(h.fn.call(vm, new (key as new (c: number) => object)(7), 7)).toEqual({ ok: true, value: true });
    expect(h.fn.call(vm, new (key as new (c: number) => object)(7), 8)).toEqual({ ok: true, value: false });
  });
  test("a unit return may be written `()` or left out", () => {
    expect(fnHandle(unit, "tick", "fn()").ok).toBe(true);
    expect(fnHandle(unit, "tick", "fn() -> ()").ok).toBe(true);
  });
  test("a different signature is refused at lookup, naming both", () => {
    const h = fnHandle(unit, "on_key", "fn(Key, string) -> bool");
    expect(h).toEqual({
      ok: false,
      error: {
        code: "signature_mismatch",
        name: "on_key",
        message: "Cannot take a handle to `on_key`: the script declares `fn(Key, int) -> bool`, the host expects `fn(Key, string) -> bool`",
      },
    });
  });
  test("missing, generic and malformed lookups are error values", () => {
    expect(fnHandle(unit, "nope", "fn()")).toMatchObject({ ok: false, error: { code: "no_such_fn" } });
    expect(fnHandle(unit, "id", "fn(int) -> int")).toMatchObject({ ok: false, error: { code: "generic_fn" } });
    expect(fnHandle(unit, "tick", "int")).toMatchObject({ ok: false, error: { code: "bad_signature" } });
  });
  test("a handle refuses a VM of another unit", () => {
    const h = fnHandle(unit, "tick", "fn()");
    if (!h.ok) throw new Error("lookup");
    const r = h.fn.call(new Vm(compile("fn tick() {}")));
    expect(r.ok).toBe(false);
  });
});
