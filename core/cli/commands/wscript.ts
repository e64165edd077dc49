/**
 * `vmlab wscript run <file> [args…]` and `vmlab wscript check <file>`
 * (wscript fact_cli_commands.md). `run` compiles with the full stdlib and
 * calls `main`; an int return is the exit code (unit → 0), a compile error or
 * fault exits 1. `check` compiles only and exits 1 with diagnostics.
 * Sets `process.exitCode`; never calls `process.exit`.
 */
import { readFileSync } from "node:fs";
import type { Command } from "@commander-js/extra-typings";
import { Context, renderDiagnostic, renderFault, stdModules, Vm } from "../../../wscript/mod.ts";

/** Output is buffered and flushed in chunks of this size (and at the end). */
const STDOUT_CHUNK = 1 << 16;

function load(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    process.stderr.write(`error[E0001]: Cannot read script ${file}: ${e instanceof Error ? e.message : String(e)}\n  help: check the path\n`);
    return undefined;
  }
}

function compile(file: string, args: string[]) {
  const src = load(file);
  if (src === undefined) return undefined;
  const ctx = new Context();
  for (const m of stdModules(args)) ctx.module(m);
  const r = ctx.compile(file, src);
  if (!r.ok) {
    for (const d of r.diagnostics) process.stderr.write(renderDiagnostic(d, r.files));
    process.stderr.write(`error: could not compile ${file} (${r.diagnostics.length} error${r.diagnostics.length === 1 ? "" : "s"})\n`);
    return undefined;
  }
  return r.unit;
}

export function register(program: Command): void {
  const ws = program.command("wscript").description("run or type-check wscript scripts");
  ws.command("run")
    .description("compile and run a script's main(); its int return is the exit code")
    .argument("<file>", "the .wscript file")
    .argument("[args...]", "arguments for process::args()")
    .allowUnknownOption()
    .action((file: string, args: string[]) => {
      const unit = compile(file, args);
      if (!unit) { process.exitCode = 1; return; }
      let buf = "";
      const flush = () => { if (buf) { process.stdout.write(buf); buf = ""; } };
      const vm = new Vm(unit, { stdout: (s) => { buf += s; if (buf.length > STDOUT_CHUNK) flush(); } });
      const main = unit.exports.get("main");
      if (!main) { process.stderr.write(`error[E0601]: ${file} has no \`fn main()\`\n  help: add \`fn main() -> int { 0 }\`\n`); process.exitCode = 1; return; }
      const res = vm.call("main", []);
      flush();
      if (!res.ok) {
        if (res.error.exitCode !== undefined) { process.exitCode = res.error.exitCode; return; }
        process.stderr.write(renderFault(res.error, unit.files));
        process.exitCode = 1;
        return;
      }
      const v = res.value;
      process.exitCode = typeof v === "number" || typeof v === "bigint" ? Number(BigInt.asIntN(32, BigInt(v))) & 0xff : 0;
    });
  ws.command("check")
    .description("type-check a script without running it")
    .argument("<file>", "the .wscript file")
    .action((file: string) => {
      process.exitCode = compile(file, []) ? 0 : 1;
    });
}
