import { describe, expect, test } from "bun:test";
import { Context } from "../compile.ts";
import { Shared } from "./shared.ts";
import { Vm } from "./vm.ts";

const r = new Context().compile(
  "t.wscript",
  "struct C { n: int }\nfn push3(xs: List[int]) { xs.push(3) }\nfn bump(c: C) { c.n += 1 }\nfn make() -> List[int] { [1] }\n",
);
if (!r.ok) throw new Error("compile");
const vm = new Vm(r.unit);

describe("Shared", () => {
  test("a host value inserted into the VM is mutated in place by the script", () => {
    const s = Shared.of<number[]>([1, 2]);
    if (!s.ok) throw new Error("share");
    const v = s.shared.value();
    if (!v.ok) throw new Error("value");
    expect(vm.call("push3", [v.value]).ok).toBe(true);
    expect(s.shared.read((xs) => [...xs])).toEqual({ ok: true, value: [1, 2, 3] });
  });
  test("a live script value returned to the host is shared both ways", () => {
    const made = vm.call("make");
    if (!made.ok) throw new Error("call");
    const s = Shared.of(made.value as number[]);
    if (!s.ok) throw new Error("share");
    s.shared.write((xs) => xs.push(9));
    vm.call("push3", [made.value]);
    expect(made.value).toEqual([1, 9, 3]);
  });
  test("script structs are shared by reference", () => {
    const C = vm.classes()["C"] as new (n: number) => { n: number };
    const s = Shared.of(new C(0));
    if (!s.ok) throw new Error("share");
    const v = s.shared.value();
    if (v.ok) vm.call("bump", [v.value]);
    expect(s.shared.read((c) => c.n)).toEqual({ ok: true, value: 1 });
  });
  test("aliasing violations are errors, never exceptions", () => {
    const s = Shared.of<number[]>([]);
    if (!s.ok) throw new Error("share");
    const sh = s.shared;
    const inner = sh.write(() => [sh.read((x) => x.length), sh.write(() => 0), sh.value()]);
    expect(inner.ok && inner.value.map((x) => (x.ok ? "ok" : x.error.code))).toEqual([
      "already_mutably_borrowed",
      "already_mutably_borrowed",
      "already_mutably_borrowed",
    ]);
    const nested = sh.read(() => [sh.read(() => 1), sh.write(() => 1)]);
    expect(nested.ok && nested.value.map((x) => (x.ok ? "ok" : x.error.code))).toEqual(["ok", "already_borrowed"]);
    expect(sh.write(() => 1)).toEqual({ ok: true, value: 1 });
  });
  test("immutable values cannot be shared", () => {
    expect(Shared.of(5 as unknown as object)).toMatchObject({ ok: false, error: { code: "not_shareable" } });
  });
});
