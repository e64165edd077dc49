/**
 * `ScriptFn<A, R>`: a typed host handle to a script function
 * (concept_embedding.md "Calling script from Rust", PRD §6.4).
 *
 * `fnHandle(unit, name, signature)` looks the function up once and verifies
 * its signature against the one the host expects, written as a wscript
 * function type (`"fn(int, string) -> bool"`); a missing function, a generic
 * one (not callable from the host) or a different signature is an error
 * value, never an exception. The handle then resolves to the compiled
 * function once per VM and `call(vm, ...args)` is cheap thereafter. The TS
 * type parameters are the host's view of the arguments and result; they are
 * the caller's promise, checked against the script by the signature text.
 *
 * @example
 * const h = fnHandle<[number], boolean>(unit, "on_key", "fn(int) -> bool");
 * if (h.ok) h.fn.call(vm, 42);
 */
import type { TypeExpr } from "../syntax/ast.ts";
import type { CompiledUnit } from "../compile.ts";
import { parse } from "../syntax/parser.ts";
import { Unifier, type FnSig } from "../check/types.ts";
import type { RuntimeError, Vm } from "./vm.ts";

export type FnHandleError = { code: "no_such_fn" | "generic_fn" | "bad_signature" | "signature_mismatch"; name: string; message: string };
export type ScriptCallResult<R> = { ok: true; value: R } | { ok: false; error: RuntimeError };

/** Canonical text of a written type (the same shape `Unifier.show` prints). */
function typeText(t: TypeExpr): string {
  switch (t.kind) {
    case "unit":
      return "()";
    case "dyn":
      return `dyn ${t.trait.name}`;
    case "fn": {
      const r = t.ret ? typeText(t.ret) : "()";
      return `fn(${t.params.map(typeText).join(", ")})${r === "()" ? "" : ` -> ${r}`}`;
    }
    case "named": {
      const n = t.path.map((p) => p.name).join("::");
      if (n === "unit" && !t.args.length) return "()";
      return t.args.length ? `${n}[${t.args.map(typeText).join(", ")}]` : n;
    }
  }
}

/** The signature of a script fn as `fn(int, string) -> bool`. */
export function sigText(sig: FnSig): string {
  const u = new Unifier();
  return u.show({ k: "fn", params: sig.params, ret: sig.ret });
}

export class ScriptFn<A extends unknown[], R> {
  private resolved = new WeakMap<Vm, (...a: unknown[]) => unknown>();

  /** Prefer `fnHandle`, which verifies the signature. */
  constructor(
    readonly unit: CompiledUnit,
    readonly name: string,
    readonly signature: string,
    readonly arity: number,
  ) {}

  /** Call the function on `vm` (a VM of the same unit). Faults come back as data. */
  call(vm: Vm, ...args: A): ScriptCallResult<R> {
    let f = this.resolved.get(vm);
    if (!f) {
      if (vm.unit !== this.unit)
        return {
          ok: false,
          error: {
            message: `Cannot call \`${this.name}\`: the VM runs a different compiled unit than the handle was taken from`,
            span: undefined,
            trace: [],
            exitCode: undefined,
          },
        };
      f = vm.resolve(this.name);
      if (!f) return { ok: false, error: { message: `no function \`${this.name}\` in the script`, span: undefined, trace: [], exitCode: undefined } };
      this.resolved.set(vm, f);
    }
    if (args.length !== this.arity)
      return {
        ok: false,
        error: { message: `\`${this.name}\` takes ${this.arity} argument(s), ${args.length} given`, span: undefined, trace: [], exitCode: undefined },
      };
    return vm.invoke(f, args) as ScriptCallResult<R>;
  }
}

/** Look up `name` in `unit` and verify it has the function type `signature`. */
export function fnHandle<A extends unknown[], R>(
  unit: CompiledUnit,
  name: string,
  signature: string,
): { ok: true; fn: ScriptFn<A, R> } | { ok: false; error: FnHandleError } {
  const ex = unit.exports.get(name);
  if (!ex) return { ok: false, error: { code: "no_such_fn", name, message: `Cannot take a handle to \`${name}\`: the script has no such function` } };
  if (ex.generic)
    return { ok: false, error: { code: "generic_fn", name, message: `Cannot take a handle to \`${name}\`: it is generic; wrap it in a monomorphic fn` } };
  const p = parse("<signature>", `const X: ${signature} = 0`);
  const item = p.program.items[0];
  if (p.diagnostics.length || item?.kind !== "const" || item.ty.kind !== "fn") {
    return {
      ok: false,
      error: { code: "bad_signature", name, message: `Cannot take a handle to \`${name}\`: \`${signature}\` is not a function type like \`fn(int) -> bool\`` },
    };
  }
  const want = typeText(item.ty);
  const have = sigText(ex.sig);
  if (want !== have)
    return {
      ok: false,
      error: {
        code: "signature_mismatch",
        name,
        message: `Cannot take a handle to \`${name}\`: the script declares \`${have}\`, the host expects \`${want}\``,
      },
    };
  return { ok: true, fn: new ScriptFn<A, R>(unit, name, have, ex.sig.params.length) };
}
