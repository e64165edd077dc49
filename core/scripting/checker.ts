/**
 * The `ScriptChecker` behind `vmlab validate` (core/config/context.ts; structurally
 * typed, so scripting does not import config): type-checks a
 * provision or handler script exactly as `compileScript` would before running it — the
 * `vmlab` module, the script stdlib, single-file scripts, and the entry signature
 * (`fn main(lab: Lab)` / `fn handle(event: Event, lab: Lab)`).
 *
 * Each wscript diagnostic becomes a WCL `Diagnostic` with the same code, message and
 * span (both languages use UTF-16 offsets into the named file), and `help` and notes
 * folded into `hint`. To print file:line:col with the source line and caret, the
 * renderer needs the script's text: every checked script's source is kept in
 * `sources`, ready to merge into the lab file's source map.
 */
import { error, type Diagnostic } from "../wcl/diagnostic.ts";
import type { Diagnostic as WsDiagnostic } from "../../wscript/mod.ts";
import { compileScript } from "./run.ts";

/** WCL form of one wscript diagnostic. */
export function toWclDiagnostic(d: WsDiagnostic): Diagnostic {
  const hint = [d.help, ...d.notes].filter((x): x is string => x !== undefined && x !== "").join("; ");
  return error(d.code, d.message, d.span, { hint: hint === "" ? undefined : hint });
}

/** Type-checks vmlab scripts for `vmlab validate`. */
export class WscriptChecker {
  /** Source text of every script checked, by path (for rendering diagnostics). */
  readonly sources = new Map<string, string>();

  check(path: string, source: string, entry: "main" | "handle"): readonly Diagnostic[] {
    this.sources.set(path, source);
    const r = compileScript(path, { entry, source });
    return r.ok ? [] : r.diagnostics.map(toWclDiagnostic);
  }
}
