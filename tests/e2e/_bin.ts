/**
 * Shared helpers for e2e tests: they drive the compiled `dist/vmlab` the way
 * a user does (own process, own cwd, environment). `npm test` builds it
 * first; running bun test alone builds it here if it is missing.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..", "..");

export function vmlabBin(): string {
  const bin = process.env.VMLAB_BIN ?? join(root, "dist", "vmlab");
  if (!existsSync(bin)) {
    const p = Bun.spawnSync([process.execPath, "run", join(root, "scripts", "build.ts")], { stdout: "inherit", stderr: "inherit" });
    if (p.exitCode !== 0) throw new Error("Cannot build dist/vmlab for the e2e tests");
  }
  return bin;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the binary (or a symlink to it) with args, in `cwd`, with extra env. */
export function run(args: readonly string[], opts: { cwd?: string; env?: Record<string, string>; bin?: string; stdin?: string } = {}): RunResult {
  const p = Bun.spawnSync([opts.bin ?? vmlabBin(), ...args], {
    cwd: opts.cwd ?? "/",
    env: { ...process.env, NO_COLOR: "1", ...(opts.env ?? {}) },
    stdout: "pipe",
    stderr: "pipe",
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
  });
  return { code: p.exitCode ?? -1, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}
