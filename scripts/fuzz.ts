/**
 * `npm run fuzz`: every fuzz test at full volume (issue #19 "Fuzz volume").
 *
 * The fuzz tests are the test files that call `fuzzIterations()`
 * (net/testing/fuzz.ts); `npm test` runs them at the CI slice (10^5 inputs
 * per codec). This runs the same files with `FUZZ_ITERATIONS` = 10^6 (or the
 * value already in the environment) and `FUZZ_SEED` passed through, so a
 * failure reproduces with the same two numbers. Extra arguments go to
 * `bun test` (e.g. `-t dhcp`).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { FUZZ_FULL_ITERATIONS } from "../net/testing/fuzz.ts";

const root = join(import.meta.dir, "..");
const SKIP = new Set(["node_modules", "dist", ".git"]);

function testFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) testFiles(p, out);
    else if (name.endsWith(".test.ts") && readFileSync(p, "utf8").includes("fuzzIterations(")) out.push(relative(root, p));
  }
  return out;
}

const files = testFiles(root).sort();
const iterations = process.env.FUZZ_ITERATIONS ?? String(FUZZ_FULL_ITERATIONS);
process.stderr.write(`[fuzz] ${files.length} files, FUZZ_ITERATIONS=${iterations}${process.env.FUZZ_SEED ? ` FUZZ_SEED=${process.env.FUZZ_SEED}` : ""}\n`);
const p = Bun.spawnSync([process.execPath, "test", "--timeout", "0", ...files.map((f) => `./${f}`), ...process.argv.slice(2)], {
  cwd: root,
  env: { ...process.env, FUZZ_ITERATIONS: iterations },
  stdout: "inherit",
  stderr: "inherit",
});
process.exit(p.exitCode ?? 1);
