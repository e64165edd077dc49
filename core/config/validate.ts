/**
 * Validate a lab file end to end (PRD §5.1): evaluate the WCL (with
 * imports and the built-in `<vmlab.wcl>` library), check the schema,
 * extract the model, run every semantic check, and return all diagnostics
 * sorted by position — never just the first, never throwing.
 */
import { dirname } from "node:path";
import { evaluate, sortDiagnostics, type Diagnostic } from "../wcl/mod.ts";
import { checkSchema, LAB_FILE } from "./check_schema.ts";
import { checkCapacity } from "./checks_capacity.ts";
import { checkFiles } from "./checks_files.ts";
import { checkNetwork } from "./checks_network.ts";
import { checkTemplates } from "./checks_templates.ts";
import { checkVms } from "./checks_vms.ts";
import type { CheckContext } from "./context.ts";
import { extractConfig } from "./extract.ts";
import { LIBRARIES } from "./library.ts";
import type { LabConfig } from "./model.ts";
import { error } from "../wcl/mod.ts";

export interface Validation {
  readonly config: LabConfig;
  /** Sorted by file and position. */
  readonly diagnostics: readonly Diagnostic[];
  /** Every source read, for rendering. */
  readonly sources: ReadonlyMap<string, string>;
}

/** Validate the lab file at absolute path `file`; `ctx.root` should be its directory. */
export function validateLab(file: string, ctx: Omit<CheckContext, "root"> & { root?: string }): Validation {
  const root = ctx.root ?? dirname(file);
  const full: CheckContext = { ...ctx, root };
  const ev = evaluate(file, { read: (p) => ctx.files.read(p), library: (n) => LIBRARIES.get(n) });
  const out: Diagnostic[] = [...ev.diagnostics];
  out.push(...checkSchema(ev.document, LAB_FILE));
  const config = extractConfig(ev.document, file, root);
  // A file that does not parse (an unclosed `{`) has its own error; "declares nothing" would be spurious.
  const unparsed = ev.diagnostics.some((d) => d.severity === "error" && d.span.file === file);
  if (config.lab === undefined && config.templates.length === 0 && ev.document.sources.has(file) && !unparsed) {
    out.push(
      error(
        "config.empty_lab_file",
        "the file declares no `lab` and no `template`",
        { file, start: 0, end: 0 },
        { name: file, hint: 'declare lab "<name>" { … }' },
      ),
    );
  }
  if (config.lab) {
    checkVms(config, config.lab, full, out);
    checkNetwork(config.lab, out);
  }
  checkTemplates(config, full, out);
  checkCapacity(config, full, out);
  checkFiles(config, full, out);
  return { config, diagnostics: sortDiagnostics(dedupe(out)), sources: ev.document.sources };
}

function dedupe(ds: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.code}|${d.span.file}|${d.span.start}|${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
