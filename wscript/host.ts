/**
 * Host registrations: modules of functions and constants, data types and
 * opaque types, declared with wscript signature text (concept_embedding.md).
 *
 * A signature is written the way a `.wscripti` file writes it, e.g.
 * `m.fn("print_at(x: int, y: int, s: string)", impl)`; the checker knows it
 * before any script compiles, so misuse is a compile error. Host functions
 * receive and return script values (see rt_core.ts for the representation;
 * `Some`/`None`/`Ok`/`Err` are exported for building Option and Result).
 * An implementation may return a Promise: such functions can only be called
 * from a VM running in a worker (`WorkerVm`), which blocks the script thread
 * while the host awaits.
 */
import type { FnDecl } from "./ast.ts";
import { parse } from "./parser.ts";

/** A host function implementation (may be async; see WorkerVm). */
export type HostImpl = (...args: never[]) => unknown;

export type HostFnEntry = { name: string; decl: FnDecl; sigText: string; impl: HostImpl };
export type HostConstEntry = { name: string; typeText: string; value: unknown };
export type OpaqueType = { name: string; methods: HostFnEntry[] };

/** Thrown by a registration whose signature text does not parse (a host bug, not a script error). */
export class RegistrationError extends Error {}

function parseSig(name: string, text: string): FnDecl {
  const r = parse("<host>", `fn ${text}`, { interfaceMode: true });
  const item = r.program.items[0];
  if (r.diagnostics.length || item?.kind !== "fn") throw new RegistrationError(`Cannot register \`${name}\`: bad signature \`${text}\`: ${r.diagnostics[0]?.message ?? "not a function"}`);
  return item;
}

/** A named bag of host functions, constants and types; scripts opt in with `use name`. */
export class HostModule {
  readonly fns: HostFnEntry[] = [];
  readonly consts: HostConstEntry[] = [];
  readonly dataTypes: string[] = [];
  readonly opaqueTypes: OpaqueType[] = [];
  constructor(readonly name: string) {}

  /** Register `name(params) -> ret` with its implementation. */
  fn(signature: string, impl: HostImpl): this {
    const decl = parseSig(signature, signature);
    this.fns.push({ name: decl.name.name, decl, sigText: signature, impl });
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

  /** Declare an opaque handle type with its methods (signatures take `self`). */
  opaque(name: string, methods: Record<string, HostImpl>): this {
    const entries = Object.entries(methods).map(([sig, impl]) => {
      const decl = parseSig(sig, sig);
      if (!decl.hasSelf) throw new RegistrationError(`Cannot register method \`${name}.${decl.name.name}\`: it must take \`self\``);
      return { name: decl.name.name, decl, sigText: sig, impl };
    });
    this.opaqueTypes.push({ name, methods: entries });
    return this;
  }
}
