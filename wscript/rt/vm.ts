/**
 * The VM: instantiates a `CompiledUnit` and calls its functions by name.
 *
 * One `Vm` owns one instance of the generated module (its own globals, fuel
 * tank, call-depth counter and output sink), so any number of VMs can run one
 * unit. Faults come back as data — `RuntimeError` with the message, the
 * faulting span and a script stack trace (innermost first) recovered by
 * mapping the JS stack through the unit's source map (concept_faults.md).
 * Fuel (one unit per function entry and per loop iteration, so exhaustion is
 * deterministic) and the call-depth limit are per VM.
 *
 * Re-entry (concept_embedding.md "Script callbacks"): a host function that
 * receives a script closure may call it, and a host function may call
 * `vm.call` again; such host→script re-entries nest at most
 * `REENTRY_DEPTH_LIMIT` deep, so mutual recursion through the host faults
 * trappably instead of overflowing the native stack. A re-entrant call keeps
 * the call depth of the call it is nested in.
 */
import type { CompiledUnit, GeneratedModule } from "../compile.ts";
import { renderSnippet } from "../syntax/diagnostic.ts";
import { makeRuntime } from "./runtime.ts";
import { fault, ScriptFault } from "./core.ts";
import type { SourceFile, Span } from "../syntax/span.ts";
import type { HostModule } from "../host.ts";

/** Default recursion limit (script frames); deep enough for real recursion, far below the native stack. */
export const DEFAULT_CALL_DEPTH_LIMIT = 4000;
/** How deep host→script re-entries (callbacks, nested `vm.call`) may nest. */
export const REENTRY_DEPTH_LIMIT = 32;
/** Lines the `Function` constructor adds before the generated body. */
const FUNCTION_HEADER_LINES = 2;

export type TraceFrame = { fn: string; span: Span | undefined };
export type RuntimeError = { message: string; span: Span | undefined; trace: TraceFrame[]; exitCode: number | undefined };
export type CallResult = { ok: true; value: unknown } | { ok: false; error: RuntimeError };

export type VmOptions = {
  /** Where `print`/`println` write (default: process.stdout). */
  stdout?: (s: string) => void;
  /** Fuel budget; undefined = unmetered. */
  fuel?: number;
  callDepthLimit?: number;
};

export class Vm {
  private mod: GeneratedModule;
  private metered: boolean;
  /** Script calls in progress on this VM (0 = idle; > 1 = re-entered from the host). */
  private active = 0;

  constructor(
    readonly unit: CompiledUnit,
    opts: VmOptions = {},
    hostOverride?: Record<string, unknown>,
  ) {
    const out =
      opts.stdout ??
      ((s: string) => {
        process.stdout.write(s);
      });
    const H: Record<string, unknown> = Object.fromEntries(unit.hostImpls);
    for (const key of unit.asyncHost) H[key] = () => fault(`\`${key}\` is an async host function; run this script with runInWorker`);
    for (const [key, idx] of callbackParams(unit.modules)) {
      const impl = H[key];
      if (typeof impl !== "function" || unit.asyncHost.has(key)) continue;
      H[key] = (...a: unknown[]) => {
        for (const i of idx) {
          const f = a[i];
          if (typeof f === "function") a[i] = this.guard(f as (...x: unknown[]) => unknown);
        }
        return (impl as (...x: unknown[]) => unknown)(...a);
      };
    }
    this.mod = unit.factory(makeRuntime(out), hostOverride ?? H);
    this.mod.setMaxDepth(opts.callDepthLimit ?? DEFAULT_CALL_DEPTH_LIMIT);
    this.metered = opts.fuel !== undefined;
    this.mod.setFuel(opts.fuel ?? Infinity);
  }

  /** Set (or with undefined, remove) the fuel budget. */
  setFuel(n: number | undefined): void {
    this.metered = n !== undefined;
    this.mod.setFuel(n ?? Infinity);
  }
  /** Remaining fuel, or undefined when unmetered. */
  fuel(): number | undefined {
    return this.metered ? Math.max(0, this.mod.getFuel()) : undefined;
  }
  setCallDepthLimit(n: number): void {
    this.mod.setMaxDepth(n);
  }

  /** The unit's struct and variant classes (for moving values across threads, codec.ts). */
  classes(): Record<string, new (...a: unknown[]) => object> {
    return this.mod.classes;
  }

  /** Call an entry-file function by name with script values. */
  call(name: string, args: unknown[] = []): CallResult {
    const f = this.mod.fns[name];
    const ex = this.unit.exports.get(name);
    if (!f || !ex) return { ok: false, error: { message: `no function \`${name}\` in the script`, span: undefined, trace: [], exitCode: undefined } };
    if (ex.generic)
      return {
        ok: false,
        error: {
          message: `\`${name}\` is generic and cannot be called by the host; wrap it in a monomorphic fn`,
          span: undefined,
          trace: [],
          exitCode: undefined,
        },
      };
    if (args.length !== ex.sig.params.length)
      return {
        ok: false,
        error: { message: `\`${name}\` takes ${ex.sig.params.length} argument(s), ${args.length} given`, span: undefined, trace: [], exitCode: undefined },
      };
    return this.invoke(f, args);
  }

  /** This VM's compiled function for an entry-file fn (what a `ScriptFn` resolves once). */
  resolve(name: string): ((...a: unknown[]) => unknown) | undefined {
    return this.unit.exports.has(name) ? this.mod.fns[name] : undefined;
  }

  /** Call a resolved function; faults come back as data. Counts as a re-entry when nested. */
  invoke(f: (...a: unknown[]) => unknown, args: unknown[]): CallResult {
    if (this.active > REENTRY_DEPTH_LIMIT)
      return { ok: false, error: { message: `host→script re-entry limit exceeded (${REENTRY_DEPTH_LIMIT})`, span: undefined, trace: [], exitCode: undefined } };
    if (this.active === 0) this.mod.resetDepth();
    this.active++;
    try {
      return { ok: true, value: f(...args) };
    } catch (e) {
      return { ok: false, error: this.toRuntimeError(e) };
    } finally {
      this.active--;
    }
  }

  /** Wrap a script closure handed to a host function so calling it counts as a re-entry. */
  private guard(f: (...a: unknown[]) => unknown): (...a: unknown[]) => unknown {
    return (...a: unknown[]) => {
      if (this.active > REENTRY_DEPTH_LIMIT) fault(`host→script re-entry limit exceeded (${REENTRY_DEPTH_LIMIT})`);
      this.active++;
      try {
        return f(...a);
      } finally {
        this.active--;
      }
    };
  }

  /** Convert a thrown JS value into a script fault with a mapped trace. */
  toRuntimeError(e: unknown): RuntimeError {
    let message: string;
    let exitCode: number | undefined;
    if (e instanceof ScriptFault) {
      message = e.message;
      exitCode = e.exitCode;
    } else if (e instanceof RangeError && /call stack/i.test(e.message)) message = "call depth limit exceeded (native stack)";
    else if (e instanceof Error) message = `host error: ${e.message}`;
    else message = `host error: ${String(e)}`;
    const trace = e instanceof Error ? this.mapStack(e.stack ?? "") : [];
    return { message, span: trace.find((t) => t.span)?.span, trace, exitCode };
  }

  private mapStack(stack: string): TraceFrame[] {
    const frames: TraceFrame[] = [];
    const { map, fnNames } = this.unit.generated;
    for (const line of stack.split("\n")) {
      const m = /at (?:(\S+) \()?wscript-unit-\w+:(\d+):(\d+)\)?/.exec(line);
      if (!m) continue;
      const l = Number(m[2]) - FUNCTION_HEADER_LINES;
      const c = Number(m[3]);
      let best: Span | undefined;
      let bestCol = -1;
      for (const ent of map)
        if (ent.line === l && ent.col <= c && ent.col > bestCol) {
          best = ent.span;
          bestCol = ent.col;
        }
      if (!best)
        for (const ent of map)
          if (ent.line === l) {
            best = ent.span;
            break;
          }
      const jsName = m[1] ?? "";
      const fn = fnNames.get(jsName) ?? (jsName.startsWith("m_") || jsName.startsWith("f_") ? jsName : "<closure>");
      if (!best && fn === "<closure>") continue;
      frames.push({ fn, span: best });
    }
    return frames;
  }
}

/** Host entries (by `hostImpls` key) with function-typed parameters: the argument positions to guard. */
function callbackParams(modules: readonly HostModule[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const m of modules) {
    for (const f of m.fns) {
      const idx = f.decl.params.flatMap((p, i) => (p.ty?.kind === "fn" ? [i] : []));
      if (idx.length) out.set(`${m.name}::${f.name}`, idx);
    }
    for (const o of m.opaqueTypes)
      for (const f of o.methods) {
        const idx = f.decl.params.flatMap((p, i) => (p.ty?.kind === "fn" ? [i + 1] : []));
        if (idx.length) out.set(`${o.name}.${f.name}`, idx);
      }
  }
  return out;
}

/** Render a fault the way concept_faults.md shows it. */
export function renderFault(err: RuntimeError, files: ReadonlyMap<string, SourceFile>): string {
  let out = `Error: ${err.message}\n`;
  if (err.span) out += renderSnippet(err.span, files, "fault raised here");
  if (err.trace.length) {
    out += "stack trace (most recent call first):\n";
    const w = Math.max(...err.trace.map((t) => t.fn.length));
    for (const t of err.trace) {
      const f = t.span ? files.get(t.span.file) : undefined;
      const p = t.span && f ? f.position(t.span.start) : undefined;
      out += `  at ${t.fn.padEnd(w)}  ${t.span ? `${t.span.file}:${p?.line ?? "?"}:${p?.col ?? "?"}` : "<host>"}\n`;
    }
  }
  return out;
}
