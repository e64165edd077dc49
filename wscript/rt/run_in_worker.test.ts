import { describe, expect, test } from "bun:test";
import { Context, HostModule, runInWorker, stdModules, Vm } from "../mod.ts";

function compile(src: string, ...mods: HostModule[]) {
  const ctx = new Context();
  for (const m of stdModules([])) ctx.module(m);
  for (const m of mods) ctx.module(m);
  const r = ctx.compile("w.wscript", src);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.unit;
}

/** Resolves after the calling thread's event loop has run `n` turns. */
const turns = (n: number) =>
  new Promise<void>((resolve) => {
    const step = (k: number) => (k === 0 ? resolve() : setImmediate(() => step(k - 1)));
    step(n);
  });

describe("runInWorker", () => {
  test("runInWorker() awaits an async host function while the script blocks, and returns its value", async () => {
    let served = 0;
    const lab = new HostModule("lab").asyncFn("wait(n: int) -> int", async (n: never) => {
      await turns(5);
      served++;
      return (n as number) * 2;
    });
    const unit = compile('use lab\nfn main() -> int { let a = lab::wait(20); println("got {a}"); a + 2 }', lab);
    const lines: string[] = [];
    const res = await runInWorker(unit, "main", [], { onLog: (l) => lines.push(l) });
    expect(res).toMatchObject({ ok: true, value: 42 });
    expect(served).toBe(1);
    expect(lines).toEqual(["got 40"]);
  });

  test("runInWorker() keeps the embedder's event loop free while the script spins, and abort terminates it", async () => {
    const unit = compile("fn main() -> int { let n = 0\n loop { n += 1 } }");
    const ac = new AbortController();
    const pending = runInWorker(unit, "main", [], { signal: ac.signal });
    await turns(50); // would never finish if the script ran on this thread
    ac.abort();
    const res = await pending;
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.message).toBe("script cancelled");
  });

  test("runInWorker() delivers a fault with its script trace as data", async () => {
    const unit = compile("fn inner(xs: List[int]) -> int {\n    xs[3]\n}\nfn main() -> int {\n    inner([1])\n}");
    const res = await runInWorker(unit, "main");
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.message).toBe("list index 3 out of bounds (len 1)");
    const at = res.error.trace.map((t) => `${t.fn}@${t.span ? unit.files.get(t.span.file)?.position(t.span.start).line : "?"}`);
    expect(at).toEqual(["inner@2", "main@5"]);
  });

  test("runInWorker() moves structs, enums, lists, maps and host handles across the thread boundary", async () => {
    const handle = { secret: 7 };
    let seen: unknown;
    const m = new HostModule("h")
      .type("struct P { x: int, tags: List[string] }")
      .opaque("Tok", { "value(self) -> int": ((t: { secret: number }) => t.secret) as never })
      .fn("tok() -> Tok", (() => handle) as never)
      .fn("echo(p: P, m: Map[string, Option[int]]) -> P", ((p: { x: number; tags: string[] }, mm: Map<string, unknown>) => {
        seen = mm;
        return { ...p, x: p.x + 1, $n: "P" };
      }) as never);
    const unit = compile(
      'use h\nfn main() -> int {\n let p = h::echo(P { x: 1, tags: ["a"] }, #{ "k": Some(2) })\n let t = h::tok()\n println(p)\n p.x * 100 + t.value()\n}',
      m,
    );
    const out: string[] = [];
    const res = await runInWorker(unit, "main", [], { onLog: (l) => out.push(l) });
    expect(res).toMatchObject({ ok: true, value: 207 });
    expect(out).toEqual(['P { x: 2, tags: ["a"] }']);
    expect(seen).toBeInstanceOf(Map);
  });

  test("runInWorker() lets an async host function call back into a script closure", async () => {
    const m = new HostModule("h").asyncFn("sum_of(f: fn(int) -> int, n: int) -> int", async (f: never, n: never) => {
      let s = 0;
      for (let i = 0; i < (n as number); i++) s += (await (f as (x: number) => Promise<number>)(i)) as number;
      return s;
    });
    const unit = compile("use h\nfn main() -> int { h::sum_of(|i| i * 10, 4) }", m);
    expect(await runInWorker(unit, "main")).toMatchObject({ ok: true, value: 60 });
  });

  test("runInWorker() reports exhausted fuel deterministically", async () => {
    const unit = compile("fn main() -> int { let n = 0\n while true { n += 1 }\n n }");
    const res = await runInWorker(unit, "main", [], { fuel: 1000 });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.message).toBe("fuel exhausted");
    expect(res.fuel).toBe(0);
  });

  test("a same-thread Vm faults clearly when a script reaches an async host function", () => {
    const m = new HostModule("h").asyncFn("slow() -> int", async () => 1);
    const unit = compile("use h\nfn main() -> int { h::slow() }", m);
    const res = new Vm(unit, { stdout: () => {} }).call("main");
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.message).toContain("async host function");
  });
});
