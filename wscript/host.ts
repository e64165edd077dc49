/**
 * Host registrations: modules of functions and constants, data types and
 * opaque types, declared with wscript signature text (concept_embedding.md).
 *
 * A signature is written the way a `.wscripti` file writes it, e.g.
 * `m.fn("print_at(x: int, y: int, s: string)", impl)`; the checker knows it
 * before any script compiles, so misuse is a compile error. Host functions
 * receive and return script values (see rt_core.ts for the representation;
 * `Some`/`None`/`Ok`/`Err` are exported for building Option and Result).
 * Asynchronous host functions (`asyncFn`, e.g. "wait until the VM boots")
 * can only run under `runInWorker` (run_in_worker.ts): the script runs on a
 * worker thread that blocks while the embedder's thread awaits the Promise.
 * A same-thread `Vm` faults if a script reaches one. A module that is
 * `portable` (the stdlib modules) is rebuilt inside the worker from its
 * factory name and arguments, so its calls never cross threads.
 */
import type { FnDecl } from "./syntax/ast.ts";
import { parse } from "./syntax/parser.ts";
import type { Span } from "./syntax/span.ts";

/** A host function implementation (async ones are registered with `asyncFn`). */
export type HostImpl = (...args: never[]) => unknown;

/** `origin`, when known, is where the entry is declared (a `.wscripti` file): editors jump there. */
export type HostFnEntry = { name: string; decl: FnDecl; sigText: string; impl: HostImpl; async: boolean; origin?: Span };
/** How to rebuild a module inside a worker thread: a stdlib factory name and its (structured-cloneable) arguments. */
export type PortableSpec = { factory: string; args: unknown[] };
export type HostConstEntry = { name: string; typeText: string; value: unknown; origin?: Span };
export type OpaqueType = { name: string; methods: HostFnEntry[]; origin?: Span };

/** Thrown by a registration whose signature text does not parse (a host bug, not a script error). */
export class RegistrationError extends Error {}

function parseSig(name: string, text: string): FnDecl {
  const r = parse("<host>", `fn ${text}`, { interfaceMode: true });
  const item = r.program.items[0];
  if (r.diagnostics.length || item?.kind !== "fn")
    throw new RegistrationError(`Cannot register \`${name}\`: bad signature \`${text}\`: ${r.diagnostics[0]?.message ?? "not a function"}`);
  return item;
}

/** A named bag of host functions, constants and types; scripts opt in with `use name`. */
export class HostModule {
  readonly fns: HostFnEntry[] = [];
  readonly consts: HostConstEntry[] = [];
  readonly dataTypes: string[] = [];
  /** Where each data type (by index in `dataTypes`) is declared, when known. */
  readonly dataTypeOrigins = new Map<number, Span>();
  readonly opaqueTypes: OpaqueType[] = [];
  /** Set by stdlib factories whose module can be rebuilt in a worker (see std/mod.ts). */
  portable: PortableSpec | undefined;
  constructor(readonly name: string) {}

  /** Register `name(params) -> ret` with its implementation. */
  fn(signature: string, impl: HostImpl): this {
    const decl = parseSig(signature, signature);
    this.fns.push({ name: decl.name.name, decl, sigText: signature, impl, async: false });
    return this;
  }

  /**
   * Register a host function whose implementation returns a Promise. The
   * script calls it like any other function and blocks until it settles;
   * only scripts run with `runInWorker` may reach it.
   * @example m.asyncFn("wait_boot(vm: string, timeout_ms: int) -> bool", async (vm, t) => lab.waitBoot(vm, Number(t)))
   */
  asyncFn(signature: string, impl: (...args: never[]) => Promise<unknown>): this {
    const decl = parseSig(signature, signature);
    this.fns.push({ name: decl.name.name, decl, sigText: signature, impl, async: true });
    return this;
  }

  /** Register a constant, e.g. `m.const("MAX_PANES: int", 16)`. Constants fold at compile time. */
  const(decl: string, value: unknown): this {
    const m = /^\s*(\w+)\s*:\s*(.+)$/.exec(decl);
    if (!m) throw new RegistrationError(`Cannot register constant: expected \`NAME: type\`, got \`${decl}\``);
    this.consts.push({ name: m[1] as string, typeText: (m[2] as string).trim(), value });
    return this;
  }

  /** Declare a data type (struct or enum in wscript syntax); data types are ambient. */
  type(source: string): this {
    this.dataTypes.push(source);
    return this;
  }

  /**
   * Declare an opaque handle type with its methods (signatures take `self`).
   * `asyncMethods` are awaited on the embedder's thread like `asyncFn`.
   */
  opaque(name: string, methods: Record<string, HostImpl>, asyncMethods: Record<string, (...args: never[]) => Promise<unknown>> = {}): this {
    const entry = (sig: string, impl: HostImpl, isAsync: boolean): HostFnEntry => {
      const decl = parseSig(sig, sig);
      if (!decl.hasSelf) throw new RegistrationError(`Cannot register method \`${name}.${decl.name.name}\`: it must take \`self\``);
      return { name: decl.name.name, decl, sigText: sig, impl, async: isAsync };
    };
    const entries = [
      ...Object.entries(methods).map(([sig, impl]) => entry(sig, impl, false)),
      ...Object.entries(asyncMethods).map(([sig, impl]) => entry(sig, impl, true)),
    ];
    this.opaqueTypes.push({ name, methods: entries });
    return this;
  }
}
