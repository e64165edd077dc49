/**
 * The wscript worker path inside the compiled binary: `vmlab wscript run
 * --worker` runs the script on a worker thread (an extra entrypoint of the
 * executable) and serves `time::sleep` asynchronously from the main thread,
 * the way the lab daemon runs provision scripts.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./_bin.ts";

const dir = mkdtempSync(join(tmpdir(), "vmlab-wscript-"));
const script = (name: string, src: string) => {
  const p = join(dir, name);
  writeFileSync(p, src);
  return p;
};

describe("vmlab wscript run --worker (compiled binary)", () => {
  test("a script blocked in an async host call (time::sleep) resumes with its state, output and exit code", () => {
    const p = script(
      "sleep.wscript",
      'use time\nfn main() -> int {\n    let xs = [1, 2]\n    println("before")\n    time::sleep(20)\n    xs.push(3)\n    println("after {xs}")\n    7\n}\n',
    );
    const r = run(["wscript", "run", "--worker", p]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("before\nafter [1, 2, 3]\n");
    expect(r.code).toBe(7);
  });

  test("a fault in the worker is rendered with its script stack trace", () => {
    const p = script("fault.wscript", "use time\nfn inner() -> int {\n    time::sleep(1)\n    1 / 0\n}\nfn main() -> int {\n    inner()\n}\n");
    const r = run(["wscript", "run", "--worker", p]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error: division by zero");
    expect(r.stderr).toMatch(/at inner +\S*fault\.wscript:4:5\n +at main +\S*fault\.wscript:7:5/);
  });

  test("check type-checks against the interfaces listed in wscript.toml", () => {
    writeFileSync(join(dir, "api.wscripti"), "module term {\n    fn print_at(x: int, y: int, s: string)\n    const MAX_PANES: int = 16\n}\n");
    writeFileSync(join(dir, "wscript.toml"), 'interfaces = ["api.wscripti"]\n');
    const ok = script("ok.wscript", 'use term\nfn main() -> int {\n    term::print_at(1, 2, "hi")\n    term::MAX_PANES\n}\n');
    const bad = script("bad.wscript", 'use term\nfn main() -> int {\n    term::print_at("oops", 1, 2)\n    0\n}\n');
    expect(run(["wscript", "check", ok]).code).toBe(0);
    const r = run(["wscript", "check", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error\[E0201\]: expected `int`, found `string` .*bad\.wscript:3:20/);
  });
});
