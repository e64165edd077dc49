/**
 * wscript — a statically typed, Rust-flavoured embeddable scripting language
 * (../shared/reference/wscript/). Pipeline: lexer → error-recovering parser →
 * type checker → JavaScript code generation (run by the engine's JIT).
 *
 * Scripts whose host functions block (e.g. waiting minutes for a VM) run with
 * `runInWorker(unit, "main", args, opts)` instead of a `Vm`: the script runs
 * on a worker thread, host functions (`HostModule.asyncFn`) are awaited on
 * the embedder's thread, whose event loop stays free.
 *
 * Projects whose scripts import each other use a `Session` (registrations +
 * resolver; `compile`, `analyze` for editors, `run`). Typed handles to
 * script functions: `fnHandle(unit, name, "fn(int) -> bool")`; live shared
 * values: `Shared.of(v)`. The REPL engine is `Repl` (repl.ts), the language
 * server `lsp/` (both used by `vmlab wscript repl|lsp`).
 *
 * Embedding in five steps: build `HostModule`s → `new Context().module(m)` →
 * `ctx.compile(path, source)` (all type errors surface here) → `new Vm(unit)`
 * → `vm.call("main", args)`. Faults come back as data with a script trace.
 *
 * @example
 * const m = new HostModule("term").fn("print_at(x: int, y: int, s: string)", (x, y, s) => {});
 * const r = new Context().module(m).compile("main.wscript", "use term\nfn main() -> int { 0 }");
 * if (r.ok) new Vm(r.unit).call("main");
 */
export { Context, fsResolver, noImports, type CompiledUnit, type CompileResult, type Resolver } from "./compile.ts";
export { HostModule, RegistrationError, type HostImpl } from "./host.ts";
export {
  Vm,
  renderFault,
  DEFAULT_CALL_DEPTH_LIMIT,
  REENTRY_DEPTH_LIMIT,
  type CallResult,
  type RuntimeError,
  type TraceFrame,
  type VmOptions,
} from "./rt/vm.ts";
export { renderDiagnostic, type Diagnostic } from "./syntax/diagnostic.ts";
export { parse } from "./syntax/parser.ts";
export { lex } from "./syntax/lexer.ts";
export { SourceFile, type Span } from "./syntax/span.ts";
export { Some, None, Ok, Err, ScriptFault, show, type Int } from "./rt/core.ts";
export {
  stdModules,
  asyncTimeModule,
  fsModule,
  jsonModule,
  mathModule,
  processModule,
  regexModule,
  timeModule,
  tomlModule,
  xmlModule,
  type StdName,
} from "./std/mod.ts";
export { runInWorker, type WorkerCallResult, type WorkerRunOptions } from "./rt/run_in_worker.ts";
export { HandleRef } from "./rt/codec.ts";
export { writeInterface } from "./interface.ts";
export { Session, SessionBuilder, type RunOptions, type SessionCompiled, type SessionCompileResult } from "./session.ts";
export { Analysis, analyzeWith, type Binding, type Occurrence } from "./lsp/analysis.ts";
export { complete, type CompletionItem, type CompletionKind } from "./lsp/complete.ts";
export { ScriptFn, fnHandle, type FnHandleError, type ScriptCallResult } from "./rt/script_fn.ts";
export { Shared, type SharedError, type SharedResult } from "./rt/shared.ts";
export { Unifier, type Type } from "./check/types.ts";
export { findManifest, interfaceModules, type Manifest } from "./manifest.ts";
export { Repl } from "./repl.ts";
export { serveLsp } from "./lsp/mod.ts";
