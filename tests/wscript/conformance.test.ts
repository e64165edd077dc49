/**
 * The wscript conformance suite: every `*.wscript` file here states its
 * expectation in comments, and this runner checks it through the library
 * (the same path `vmlab wscript run|check` takes).
 *
 *   //> text          one expected stdout line (in order)
 *   // exit: N        expected exit code of main (default 0 when stdout is given)
 *   // error: CODE @ L:C   expected compile error code and span start (one per line)
 *   // fault: message      expected fault message
 *   // trace: fn@L:C, …    expected stack trace, innermost first
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Context, stdModules, Vm } from "../../wscript/mod.ts";

const DIR = import.meta.dir;
const files = readdirSync(DIR).filter((f) => f.endsWith(".wscript")).sort();

function expectations(src: string) {
  const lines = src.split("\n");
  const stdout = lines.filter((l) => l.startsWith("//>")).map((l) => l.slice(l.startsWith("//> ") ? 4 : 3));
  const errors = lines.flatMap((l) => { const m = /^\/\/ error: (E\d+) @ (\d+):(\d+)/.exec(l); return m ? [`${m[1]}@${m[2]}:${m[3]}`] : []; });
  const exit = lines.map((l) => /^\/\/ exit: (-?\d+)/.exec(l)).find((m) => m);
  const fault = lines.map((l) => /^\/\/ fault: (.*)$/.exec(l)).find((m) => m);
  const trace = lines.map((l) => /^\/\/ trace: (.*)$/.exec(l)).find((m) => m);
  return { stdout, errors, exit: exit ? Number(exit[1]) : 0, fault: fault?.[1], trace: trace?.[1] };
}

describe("wscript conformance", () => {
  for (const f of files) {
    test(`${f} behaves as its comments state`, () => {
      const path = join(DIR, f);
      const src = readFileSync(path, "utf8");
      const exp = expectations(src);
      const ctx = new Context();
      for (const m of stdModules(["a1", "a2"])) ctx.module(m);
      const r = ctx.compile(path, src);
      if (exp.errors.length) {
        expect(r.ok).toBe(false);
        if (r.ok) return;
        const got = r.diagnostics.map((d) => { const p = r.files.get(d.span.file)?.position(d.span.start); return `${d.code}@${p?.line}:${p?.col}`; });
        expect(got).toEqual(exp.errors);
        return;
      }
      if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message} @${r.files.get(d.span.file)?.position(d.span.start).line}`).join("\n"));
      let out = "";
      const vm = new Vm(r.unit, { stdout: (s) => { out += s; } });
      const res = vm.call("main", []);
      if (exp.fault !== undefined) {
        expect(res.ok).toBe(false);
        if (res.ok) return;
        expect(res.error.message).toBe(exp.fault);
        if (exp.trace) {
          const got = res.error.trace.map((t) => { const p = t.span ? r.unit.files.get(t.span.file)?.position(t.span.start) : undefined; return `${t.fn}@${p?.line}:${p?.col}`; }).join(", ");
          expect(got).toBe(exp.trace);
        }
      } else {
        if (!res.ok) throw new Error(`fault: ${res.error.message}`);
        const code = typeof res.value === "number" || typeof res.value === "bigint" ? Number(res.value) : 0;
        expect(code).toBe(exp.exit);
      }
      expect(out).toBe(exp.stdout.map((l) => `${l}\n`).join(""));
    });
  }
});
