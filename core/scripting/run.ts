/**
 * Compiling and running vmlab scripts: provision scripts and `vmlab script` call
 * `main(lab: Lab)`, event handlers call `handle(event: Event, lab: Lab)` (PRD §10.4,
 * concept_provisions.md).
 *
 * Contract:
 *  - `compileScript(path)` type-checks a script against the `vmlab` module and the
 *    stdlib minus `fs` and `process` (see `SCRIPT_STD`), and checks its entry point.
 *    Scripts are single files (concept_wscript_modules.md): `use` of another script is
 *    a compile error. Diagnostics come back as data and pre-rendered text.
 *  - `runProvision` / `runHandler` run a compiled unit on a worker thread
 *    (`runInWorker`), so the lab daemon's event loop — switch, DHCP, NAT, QMP — keeps
 *    turning however long the script blocks or spins. Fuel and call depth are limited;
 *    `signal` cancels at once. `println` lines go to `onLog` (default: `lab.log`).
 *  - They never throw for script problems: a fault, an `Err` returned from the entry,
 *    or a cancellation is `{ ok: false, error }`, where `error` is the rendered fault —
 *    message, the source line with a caret at file:line:col, and the script stack trace.
 *
 * Why no `fs` / `process`: scripts run inside the lab daemon and are documented to
 * reach the host only through the lab (`copy_to`/`copy_from` resolve against the lab
 * root); a provision script that shells out on the host would make a lab depend on the
 * machine it runs on. `time` is included; its `sleep` blocks only the script's worker.
 */
import { readFileSync } from "node:fs";
import {
  Context,
  noImports,
  renderDiagnostic,
  renderFault,
  runInWorker,
  stdModules,
  type CompiledUnit,
  type Diagnostic,
  type RuntimeError,
  type StdName,
} from "../../wscript/mod.ts";
import { show, type SourceFile } from "../../wscript/mod.ts";
import { entryProblem, type EntryName } from "./entry.ts";
import type { LabHandle } from "./handle.ts";
import { labValue, vmlabModule } from "./module.ts";
import { eventValue, type ScriptEvent } from "./values.ts";

/** The stdlib modules scripts may `use` (all but `fs` and `process`, see above). */
export const SCRIPT_STD: readonly StdName[] = ["math", "time", "regex", "json", "toml", "xml"];

/**
 * Default fuel of one run: one unit per function entry and loop iteration. Scripts
 * spend their time blocked in host calls (one unit each), so only a runaway
 * computation — some tens of seconds of pure spinning — runs out.
 */
export const DEFAULT_SCRIPT_FUEL = 20_000_000_000;
/** Default script call-depth limit (frames). */
export const DEFAULT_SCRIPT_CALL_DEPTH = 2_000;

/** A `Context` with everything a vmlab script may use. */
export function scriptContext(): Context {
  const ctx = new Context().withResolver(noImports);
  for (const m of stdModules([], SCRIPT_STD)) ctx.module(m);
  return ctx.module(vmlabModule());
}

/** A compiled script, or why it did not compile. */
export type CompiledScript =
  | { readonly ok: true; readonly path: string; readonly unit: CompiledUnit }
  | {
      readonly ok: false;
      readonly path: string;
      readonly diagnostics: readonly Diagnostic[];
      readonly files: ReadonlyMap<string, SourceFile>;
      readonly rendered: string;
    };

/**
 * Compile the script at `path` (or `source`, named `path`) and check that it defines
 * `entry` with the documented signature (default `main`).
 * @example
 * const s = compileScript("scripts/setup.ws");
 * if (!s.ok) report(s.rendered);
 */
export function compileScript(path: string, opts: { entry?: EntryName; source?: string } = {}): CompiledScript {
  let source = opts.source;
  if (source === undefined) {
    try {
      source = readFileSync(path, "utf8");
    } catch (e) {
      const d: Diagnostic = {
        code: "script.unreadable",
        span: { file: path, start: 0, end: 0 },
        message: `cannot read script ${path}: ${e instanceof Error ? e.message : String(e)}`,
        notes: [],
        help: "check the path (relative to the lab root)",
      };
      return { ok: false, path, diagnostics: [d], files: new Map(), rendered: `error[${d.code}]: ${d.message}\n  help: ${d.help}\n` };
    }
  }
  const r = scriptContext().compile(path, source);
  if (!r.ok) return failed(path, r.diagnostics, r.files);
  const problem = entryProblem(r.unit, path, opts.entry ?? "main");
  if (problem) return failed(path, [problem], r.unit.files);
  return { ok: true, path, unit: r.unit };
}

function failed(path: string, diagnostics: readonly Diagnostic[], files: ReadonlyMap<string, SourceFile>): CompiledScript {
  const rendered =
    diagnostics.map((d) => renderDiagnostic(d, files)).join("") +
    `error: could not compile ${path} (${diagnostics.length} error${diagnostics.length === 1 ? "" : "s"})\n`;
  return { ok: false, path, diagnostics, files, rendered };
}

/** Limits and plumbing of one run. */
export interface ScriptRunOptions {
  /** Fuel budget (default `DEFAULT_SCRIPT_FUEL`; `Infinity` = unmetered). */
  readonly fuel?: number;
  readonly callDepthLimit?: number;
  /** Aborting terminates the script at once; the result is "script cancelled". */
  readonly signal?: AbortSignal;
  /** Complete `print`/`println` lines (default: into `lab.log`). */
  readonly onLog?: (line: string) => void;
}

/** How a run ended. `error` is ready to print: message, location, stack trace. */
export type ScriptRunResult = { readonly ok: true } | { readonly ok: false; readonly error: string; readonly fault: RuntimeError | undefined };

/** Run `main(lab: Lab)` of a provision script (or a `vmlab script` ad-hoc script). */
export function runProvision(unit: CompiledUnit, lab: LabHandle, opts: ScriptRunOptions = {}): Promise<ScriptRunResult> {
  return runEntry(unit, "main", [labValue(lab)], lab, opts);
}

/** Run `handle(event: Event, lab: Lab)` of an event handler. */
export function runHandler(unit: CompiledUnit, event: ScriptEvent, lab: LabHandle, opts: ScriptRunOptions = {}): Promise<ScriptRunResult> {
  return runEntry(unit, "handle", [eventValue(event), labValue(lab)], lab, opts);
}

async function runEntry(unit: CompiledUnit, entry: EntryName, args: unknown[], lab: LabHandle, opts: ScriptRunOptions): Promise<ScriptRunResult> {
  const res = await runInWorker(unit, entry, args, {
    fuel: opts.fuel ?? DEFAULT_SCRIPT_FUEL,
    callDepthLimit: opts.callDepthLimit ?? DEFAULT_SCRIPT_CALL_DEPTH,
    onLog: opts.onLog ?? ((line) => lab.log(line)),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (!res.ok) return { ok: false, error: renderFault(res.error, unit.files), fault: res.error };
  const err = errPayload(res.value);
  if (err !== undefined) return { ok: false, error: `Error: \`${entry}\` returned Err: ${err}\n`, fault: undefined };
  return { ok: true };
}

/** The payload of an `Err` variant as text, or undefined for anything else. */
function errPayload(v: unknown): string | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as { $e?: unknown; $n?: unknown; $0?: unknown };
  if (o.$e !== "Result" || o.$n !== "Err") return undefined;
  return typeof o.$0 === "string" ? o.$0 : show(o.$0);
}
