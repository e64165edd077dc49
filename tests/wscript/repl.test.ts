/**
 * `vmlab wscript repl` end to end: lines piped into the real CLI (main.ts as
 * a subprocess, stdin not a TTY so there are no prompts); values on stdout,
 * errors on stderr, exit code 0 at end of input.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";

const MAIN = join(import.meta.dir, "..", "..", "main.ts");

function repl(input: string) {
  const p = Bun.spawnSync([process.execPath, MAIN, "wscript", "repl"], {
    stdin: new TextEncoder().encode(input),
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: p.exitCode, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

describe("vmlab wscript repl", () => {
  test("bindings persist across lines and expressions print their values", () => {
    const r = repl("let xs = [1, 2, 3]\nxs.map(|x| x * 2).fold(0, |a, x| a + x)\nxs.push(10)\nxs\n");
    expect(r.stdout).toBe("12\n[1, 2, 3, 10]\n");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
  test("multi-line input continues while brackets are open", () => {
    const r = repl("fn fact(n: int) -> int {\n    if n <= 1 { 1 } else {\n        n * fact(n - 1)\n    }\n}\nfact(10)\nlet m = [\n  1,\n  2,\n]\nm.len()\n");
    expect(r.stdout).toBe("3628800\n2\n");
    expect(r.stderr).toBe("");
  });
  test("the prelude is available and `use math` brings in the module", () => {
    const r = repl('println(fmt("{} and {}", 1, "two"))\nuse math\nmath::iabs(-7)\n');
    expect(r.stdout).toBe("1 and two\n7\n");
  });
  test("a compile error and a fault are rendered and the session continues", () => {
    const r = repl("let a = 2\nlet b: string = a\nlet c = a / 0\na + 1\n:quit\na + 2\n");
    expect(r.stdout).toBe("3\n");
    expect(r.stderr).toContain("error[E0201]: expected `string`, found `int`  (<input>:1:17)");
    expect(r.stderr).toContain("Error: division by zero");
    expect(r.code).toBe(0);
  });
});
