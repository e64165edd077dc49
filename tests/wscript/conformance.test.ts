/**
 * The wscript conformance suite, run through the real CLI path
 * (`vmlab wscript run|check`, as a subprocess of main.ts). Every `*.wscript`
 * file here states its expectation in comments:
 *
 *   //> text              one expected stdout line (in order)
 *   // exit: N            expected exit code (default 0)
 *   // args: a b          arguments after the script path
 *   // error: CODE @ L:C  expected compile error code and span start (all of them, in order) — uses `check`
 *   // fault: message     expected fault message
 *   // trace: fn@L:C, …   expected stack trace, innermost first
 *
 * Helper modules imported by these scripts live in lib/ (found through this
 * folder's wscript.toml `src_roots`).
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const DIR = import.meta.dir;
const MAIN = join(DIR, "..", "..", "main.ts");
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".wscript"))
  .sort();

function expectations(src: string) {
  const lines = src.split("\n");
  const pick = (re: RegExp) => lines.map((l) => re.exec(l)).find((m) => m);
  const stdout = lines.filter((l) => l.startsWith("//>")).map((l) => l.slice(l.startsWith("//> ") ? 4 : 3));
  const errors = lines.flatMap((l) => {
    const m = /^\/\/ error: (E\d+) @ (\d+):(\d+)/.exec(l);
    return m ? [`${m[1]}@${m[2]}:${m[3]}`] : [];
  });
  const exit = pick(/^\/\/ exit: (-?\d+)/);
  const args = pick(/^\/\/ args: (.*)$/);
  return {
    stdout,
    errors,
    exit: exit ? Number(exit[1]) : undefined,
    args: args ? (args[1] as string).split(" ") : [],
    fault: pick(/^\/\/ fault: (.*)$/)?.[1],
    trace: pick(/^\/\/ trace: (.*)$/)?.[1],
  };
}

function cli(args: string[]) {
  const p = Bun.spawnSync([process.execPath, MAIN, "wscript", ...args], { cwd: DIR, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  return { code: p.exitCode, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

describe("wscript conformance (vmlab wscript run|check)", () => {
  for (const f of files) {
    test(`${f} behaves as its comments state`, () => {
      const path = join(DIR, f);
      const exp = expectations(readFileSync(path, "utf8"));
      if (exp.errors.length) {
        const r = cli(["check", path]);
        const got = [...r.stderr.matchAll(/^error\[(E\d+)\]: .*\(.*:(\d+):(\d+)\)$/gm)].map((m) => `${m[1]}@${m[2]}:${m[3]}`);
        expect(got).toEqual(exp.errors);
        expect(r.code).toBe(1);
        return;
      }
      const r = cli(["run", path, ...exp.args]);
      if (exp.fault !== undefined) {
        expect(r.stderr.split("\n")[0]).toBe(`Error: ${exp.fault}`);
        if (exp.trace) {
          const got = [...r.stderr.matchAll(/^ {2}at (\S+) +\S+?:(\d+):(\d+)$/gm)].map((m) => `${m[1]}@${m[2]}:${m[3]}`).join(", ");
          expect(got).toBe(exp.trace);
        }
        expect(r.code).toBe(exp.exit ?? 1);
      } else {
        expect(r.stderr).toBe("");
        expect(r.code).toBe(exp.exit ?? 0);
      }
      expect(r.stdout).toBe(exp.stdout.map((l) => `${l}\n`).join(""));
    });
  }
});
