/**
 * `vmlab wscript run <file> [args…]` and `vmlab wscript check <file>`
 * (wscript fact_cli_commands.md). `run` compiles with the full stdlib and
 * calls `main`; an int return is the exit code (unit → 0), a compile error or
 * fault exits 1, `process::exit(n)` exits n. `check` compiles only and exits
 * 1 with diagnostics; it honours the nearest `wscript.toml` (its
 * `interfaces` are type-checked against, its `src_roots` searched by `use`).
 *
 * `run --worker` runs the script the way the lab daemon runs provision
 * scripts: on a worker thread, with `time::sleep` served asynchronously by
 * this thread (wscript/run_in_worker.ts).
 *
 * `repl` (process_use_repl.md) reads inputs from stdin — prompts `>> ` and
 * `.. ` only when stdin is a terminal, so piped input gives clean output —
 * keeps reading while brackets are open (an empty line forces evaluation),
 * prints values on stdout and errors on stderr, and goes on after an error;
 * `:quit` or end of input ends it with code 0. Bindings persist; the
 * prelude is always there and `use math` etc. bring in the stdlib
 * (wscript/repl.ts, on a `Session`).
 *
 * `lsp` serves the language server on stdin/stdout (wscript/lsp/): exit code
 * 0 after `shutdown` + `exit`, 1 otherwise.
 * Sets `process.exitCode`; never calls `process.exit`.
 */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Command } from "@commander-js/extra-typings";
import { CodedError } from "../../errors/mod.ts";
import { reportError } from "../render.ts";
import {
  asyncTimeModule,
  Context,
  fsResolver,
  renderDiagnostic,
  renderFault,
  runInWorker,
  stdModules,
  Vm,
  type CallResult,
  type CompiledUnit,
  type Diagnostic,
} from "../../../wscript/mod.ts";
import { findManifest, interfaceModules, Repl, serveLsp, Session, type SourceFile } from "../../../wscript/mod.ts";

/** Output is buffered and flushed in chunks of this size (and at the end). */
const STDOUT_CHUNK = 1 << 16;

function load(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    reportError(
      new CodedError("script.unreadable", `cannot read script ${file}: ${e instanceof Error ? e.message : String(e)}`, {
        subject: file,
        hint: "check the script's path",
      }),
    );
    return undefined;
  }
}

function report(file: string, diagnostics: readonly Diagnostic[], files: ReadonlyMap<string, SourceFile>): void {
  for (const d of diagnostics) process.stderr.write(renderDiagnostic(d, files));
  process.stderr.write(`error: could not compile ${file} (${diagnostics.length} error${diagnostics.length === 1 ? "" : "s"})\n`);
}

function compile(file: string, args: string[], opts: { interfaces: boolean; worker: boolean }): CompiledUnit | undefined {
  const src = load(file);
  if (src === undefined) return undefined;
  const ctx = new Context();
  const found = findManifest(file);
  const early: Diagnostic[] = [...found.diagnostics];
  if (opts.interfaces) {
    for (const p of found.manifest?.interfaces ?? []) {
      const text = load(p);
      if (text === undefined) return undefined;
      const im = interfaceModules(p, text);
      early.push(...im.diagnostics);
      for (const m of im.modules) ctx.module(m);
    }
  }
  for (const m of stdModules(args)) ctx.module(m);
  if (opts.worker) ctx.module(asyncTimeModule());
  ctx.withResolver(fsResolver(found.manifest?.srcRoots ?? []));
  if (early.length) {
    report(file, early, new Map());
    return undefined;
  }
  const r = ctx.compile(file, src);
  if (!r.ok) {
    report(file, r.diagnostics, r.files);
    return undefined;
  }
  return r.unit;
}

function finish(unit: CompiledUnit, res: CallResult): void {
  if (!res.ok) {
    if (res.error.exitCode !== undefined) {
      process.exitCode = res.error.exitCode & 0xff;
      return;
    }
    process.stderr.write(renderFault(res.error, unit.files));
    process.exitCode = 1;
    return;
  }
  const v = res.value;
  process.exitCode = typeof v === "number" || typeof v === "bigint" ? Number(BigInt.asUintN(8, BigInt(v))) : 0;
}

export function register(program: Command): void {
  const ws = program.command("wscript").description("run or type-check wscript scripts");
  ws.command("run")
    .description("compile and run a script's main(); its int return is the exit code")
    .argument("<file>", "the .wscript file")
    .argument("[args...]", "arguments for process::args()")
    .option("--worker", "run on a worker thread with async host calls (as the lab daemon does)")
    .allowUnknownOption()
    .action(async (file: string, args: string[], opts: { worker?: boolean }) => {
      const unit = compile(file, args, { interfaces: false, worker: opts.worker === true });
      if (!unit) {
        process.exitCode = 1;
        return;
      }
      if (!unit.exports.has("main")) {
        reportError(new CodedError("E0601", `${file} has no \`fn main()\``, { subject: file, hint: "add `fn main() -> int { 0 }`" }));
        process.exitCode = 1;
        return;
      }
      let buf = "";
      const flush = () => {
        if (buf) {
          process.stdout.write(buf);
          buf = "";
        }
      };
      const stdout = (s: string) => {
        buf += s;
        if (buf.length > STDOUT_CHUNK) flush();
      };
      if (opts.worker) {
        // Output is written as it arrives: the worker already batches it.
        const res = await runInWorker(unit, "main", [], {
          stdout: (s) => {
            process.stdout.write(s);
          },
        });
        finish(unit, res);
        return;
      }
      const res = new Vm(unit, { stdout }).call("main", []);
      flush();
      finish(unit, res);
    });
  ws.command("repl")
    .description("interactive read-eval-print loop; bindings persist across inputs")
    .action(async () => {
      process.exitCode = await repl();
    });
  ws.command("lsp")
    .description("language server over stdio (diagnostics, hover, go-to-definition, completion)")
    .action(async () => {
      process.exitCode = await serveLsp(process.stdin, process.stdout);
    });
  ws.command("check")
    .description("type-check a script without running it (honours wscript.toml interfaces)")
    .argument("<file>", "the .wscript file")
    .action((file: string) => {
      process.exitCode = compile(file, [], { interfaces: true, worker: false }) ? 0 : 1;
    });
}

/** The REPL front end: lines from stdin into a `Repl`. */
async function repl(): Promise<number> {
  const tty = process.stdin.isTTY === true;
  const b = Session.builder().resolver(fsResolver([]));
  for (const m of stdModules([])) b.module(m);
  const engine = new Repl(b.build(), {
    stdout: (s) => {
      process.stdout.write(s);
    },
  });
  const rl = createInterface({ input: process.stdin, output: tty ? process.stdout : undefined, terminal: tty });
  const prompt = (p: string) => {
    if (tty) {
      rl.setPrompt(p);
      rl.prompt();
    }
  };
  if (tty) process.stdout.write("wscript repl — :quit to leave\n");
  let buf = "";
  prompt(">> ");
  for await (const line of rl) {
    if (!buf && /^\s*:(q|quit|exit)\s*$/.test(line)) break;
    buf = buf ? `${buf}\n${line}` : line;
    if (Repl.needsMore(buf) && line.trim() !== "") {
      prompt(".. ");
      continue;
    }
    if (buf.trim()) {
      const out = engine.eval(buf);
      if (out.ok) {
        for (const n of out.notes) process.stderr.write(`${n}\n`);
        if (out.value !== undefined) process.stdout.write(`${out.value}\n`);
      } else process.stderr.write(out.error);
    }
    buf = "";
    prompt(">> ");
  }
  rl.close();
  return 0;
}
