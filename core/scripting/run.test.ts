import { describe, expect, test } from "bun:test";
import { compileScript, runHandler, runProvision } from "./run.ts";
import { FakeLab, FakeVm } from "./testing/fake_lab.ts";

const lab = () => new FakeLab("demo", "/lab", [new FakeVm("dc01")]);

function compiled(source: string, entry: "main" | "handle" = "main") {
  const s = compileScript("/lab/scripts/t.ws", { source, entry });
  if (!s.ok) throw new Error(s.rendered);
  return s.unit;
}

/** Resolves after the event loop has turned `n` times. */
const turns = (n: number) =>
  new Promise<void>((resolve) => {
    const step = (k: number) => (k === 0 ? resolve() : setImmediate(() => step(k - 1)));
    step(n);
  });

describe("compileScript", () => {
  test("compileScript() reports a type error with file:line:col and a caret", () => {
    const s = compileScript("/lab/scripts/bad.ws", { source: 'use vmlab\nfn main(lab: Lab) {\n    let n: int = "x"\n}\n' });
    expect(s.ok).toBe(false);
    if (s.ok) return;
    expect(s.diagnostics[0]?.code).toBe("E0201");
    expect(s.rendered).toContain("/lab/scripts/bad.ws:3:");
    expect(s.rendered).toContain('let n: int = "x"');
    expect(s.rendered).toContain("could not compile /lab/scripts/bad.ws (1 error)");
  });

  test("compileScript() refuses fs, process and script imports", () => {
    for (const [use, what] of [
      ["use fs", "fs"],
      ["use process", "process"],
      ["use helpers", "helpers"],
    ]) {
      const s = compileScript("/lab/scripts/t.ws", { source: `use vmlab\n${use}\nfn main(lab: Lab) {}\n` });
      expect(s.ok).toBe(false);
      if (!s.ok) expect(s.diagnostics[0]?.message).toBe(`unresolved import \`${what}\``);
    }
  });

  test("compileScript() offers json, regex, math, time, toml and xml", () => {
    const s = compileScript("/lab/scripts/t.ws", { source: "use vmlab\nuse json\nuse regex\nuse math\nuse time\nuse toml\nuse xml\nfn main(lab: Lab) {}\n" });
    expect(s.ok).toBe(true);
  });

  test("compileScript() requires the entry with the documented signature", () => {
    const cases: [string, "main" | "handle", string][] = [
      ["use vmlab\nfn setup(lab: Lab) {}\n", "main", "a provision script must define `main`"],
      ["use vmlab\nfn main(name: string) {}\n", "main", "`main` takes (name: string), but a provision script is called as `fn main(lab: Lab)`"],
      ["use vmlab\nfn main(lab: Lab) -> int { 1 }\n", "main", "`main` returns `int`; an entry returns nothing or a Result"],
      [
        "use vmlab\nfn handle(lab: Lab, event: Event) {}\n",
        "handle",
        "`handle` takes (lab: Lab, event: Event), but an event handler is called as `fn handle(event: Event, lab: Lab)`",
      ],
    ];
    for (const [source, entry, message] of cases) {
      const s = compileScript("/lab/scripts/t.ws", { source, entry });
      expect(s.ok).toBe(false);
      if (!s.ok) expect(s.diagnostics.map((d) => d.message)).toEqual([message]);
    }
    expect(compileScript("/lab/t.ws", { source: "use vmlab\nfn main(lab: Lab) -> Result[unit, string] { Ok(()) }\n" }).ok).toBe(true);
  });

  test("compileScript() of a missing file is one diagnostic naming it", () => {
    const s = compileScript("/nonexistent/setup.ws");
    expect(s.ok).toBe(false);
    if (!s.ok) expect(s.rendered).toStartWith("error[script.unreadable]: cannot read script /nonexistent/setup.ws:");
  });
});

describe("runProvision", () => {
  test("runProvision() reports a fault with its location and script stack trace", async () => {
    const unit = compiled(
      'use vmlab\nfn pick(xs: List[string]) -> string {\n    xs[5]\n}\nfn main(lab: Lab) {\n    lab.log("start")\n    lab.log(pick(["a"]))\n}\n',
    );
    const l = lab();
    const r = await runProvision(unit, l);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(l.logs).toEqual(["start"]);
    expect(r.error).toStartWith("Error: list index 5 out of bounds (len 1)\n");
    expect(r.error).toContain("[/lab/scripts/t.ws:3:5]");
    expect(r.error).toMatch(/at pick\s+\/lab\/scripts\/t\.ws:3:5/);
    expect(r.error).toMatch(/at main\s+\/lab\/scripts\/t\.ws:7:/);
  });

  test("runProvision() fails when main returns Err, with its message", async () => {
    const unit = compiled('use vmlab\nfn main(lab: Lab) -> Result[unit, string] {\n    let vm = lab.vm("nope")?\n    Ok(())\n}\n');
    const r = await runProvision(unit, lab());
    expect(r).toEqual({ ok: false, error: "Error: `main` returned Err: Cannot find VM 'nope' in lab demo (it has 'dc01')\n", fault: undefined });
  });

  test("runProvision() succeeds when main returns Ok", async () => {
    const unit = compiled('use vmlab\nfn main(lab: Lab) -> Result[unit, string] {\n    lab.vm("dc01")?.wait_ready(10)?\n    Ok(())\n}\n');
    expect(await runProvision(unit, lab())).toEqual({ ok: true });
  });

  test("runProvision() stops a runaway script when its fuel runs out", async () => {
    const unit = compiled("use vmlab\nfn main(lab: Lab) {\n    let n = 0\n    loop { n = n + 1 }\n}\n");
    const r = await runProvision(unit, lab(), { fuel: 100_000 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toStartWith("Error: fuel exhausted\n");
  });

  test("runProvision() of a spinning script leaves the event loop free, and abort cancels it", async () => {
    const unit = compiled('use vmlab\nfn main(lab: Lab) {\n    lab.log("spinning")\n    let n = 0\n    loop { n = n + 1 }\n}\n');
    const l = lab();
    const ac = new AbortController();
    const pending = runProvision(unit, l, { fuel: Infinity, signal: ac.signal });
    while (l.logs.length === 0) await turns(1); // the script is running now
    await turns(200); // would hang if the loop ran on this thread
    ac.abort();
    const r = await pending;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toStartWith("Error: script cancelled");
  });

  test("runProvision() sends println to onLog when given", async () => {
    const unit = compiled('use vmlab\nfn main(lab: Lab) {\n    println("to the cli")\n    lab.log("to the lab")\n}\n');
    const l = lab();
    const lines: string[] = [];
    await runProvision(unit, l, { onLog: (s) => lines.push(s) });
    expect(lines).toEqual(["to the cli"]);
    expect(l.logs).toEqual(["to the lab"]);
  });
});

describe("runHandler", () => {
  test("runHandler() passes the Event with its data as JSON text", async () => {
    const unit = compiled(
      'use vmlab\nuse json\nfn handle(event: Event, lab: Lab) {\n    lab.log(event.name + " " + event.vm + " " + event.data)\n    let Ok(vm) = lab.vm(event.vm) else { return }\n    lab.log(vm.name())\n}\n',
      "handle",
    );
    const l = lab();
    expect(await runHandler(unit, { name: "vm.crashed", vm: "dc01", data: { reason: "crashed", exit: "signal SIGKILL" } }, l)).toEqual({ ok: true });
    expect(l.logs).toEqual(['vm.crashed dc01 {"reason":"crashed","exit":"signal SIGKILL"}', "dc01"]);
  });

  test("runHandler() reports a handler's fault", async () => {
    const unit = compiled("use vmlab\nfn handle(event: Event, lab: Lab) {\n    let vm = lab.vm(event.vm).unwrap()\n}\n", "handle");
    const r = await runHandler(unit, { name: "host.disk_low", vm: "", data: {} }, lab());
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("/lab/scripts/t.ws:3:");
  });
});
