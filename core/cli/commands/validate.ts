/**
 * `vmlab validate` — check the lab file without touching QEMU (PRD §5.1).
 *
 * Finds the lab file (`-f/--file` or walking up from the cwd), reads the
 * host config and user profiles (XDG paths), validates, and prints every
 * diagnostic with its source line and caret (or JSON objects with
 * `--json`). Exit code: 0 valid, 1 invalid, 2 usage or I/O error. Colour only
 * when stdout is a TTY and `NO_COLOR` is unset.
 *
 * The wscript type-checker plugs in through `validateCommand({ scripts })`;
 * `register` wires the real one (core/scripting/checker.ts).
 */
import { relative } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { toJson } from "../../wcl/mod.ts";
import { CodedError } from "../../errors/mod.ts";
import { renderDiagnostic, reportError } from "../render.ts";
import { makeStyle, wantsColor } from "../style.ts";
import type { ScriptChecker } from "../../config/mod.ts";
import { loadLab } from "../lab_file.ts";
import { WscriptChecker } from "../../scripting/checker.ts";
import { processIo, type CliIo } from "../io.ts";

export interface ValidateFlags {
  readonly file?: string | undefined;
  readonly json?: boolean | undefined;
  readonly store?: boolean | undefined;
}

/** Run validation and return the exit code. */
export function runValidate(io: CliIo, flags: ValidateFlags, scripts?: ScriptChecker): 0 | 1 | 2 {
  const style = makeStyle(wantsColor(io.env, io.isTTY));
  const loaded = loadLab(io, flags, scripts);
  if (loaded.stage === "discover") {
    reportError(new CodedError("lab.not_found", loaded.message, loaded.hint ? { hint: loaded.hint } : {}), {
      json: flags.json,
      sink: { err: io.err, style, cwd: io.cwd, env: io.env },
    });
    return 2;
  }
  const { diagnostics, sources, errors, config } = loaded;
  const shown = relative(io.cwd, loaded.file) || loaded.file;
  if (flags.json) {
    io.out(`${JSON.stringify({ valid: errors === 0, file: loaded.file, diagnostics: diagnostics.map((d) => toJson(d, sources, io.cwd)) }, null, 2)}\n`);
  } else {
    for (const d of diagnostics) io.err(`${renderDiagnostic(d, sources, { style, cwd: io.cwd })}\n`);
    if (errors === 0) {
      const lab = config.lab;
      const what = lab
        ? `lab "${lab.name}" (${lab.vms.length} VM${lab.vms.length === 1 ? "" : "s"}, ${lab.segments.length} segment${lab.segments.length === 1 ? "" : "s"})`
        : `${config.templates.length} template(s)`;
      io.out(`${shown}: ${what} is valid\n`);
    } else {
      io.err(`${shown}: ${errors} error${errors === 1 ? "" : "s"}\n`);
    }
  }
  return errors === 0 ? 0 : 1;
}

/** A `validate` command module with an optional script checker wired in. */
export function validateCommand(deps: { readonly scripts?: ScriptChecker; readonly io?: () => CliIo } = {}): { register(program: Command): void } {
  return {
    register(program) {
      program
        .command("validate")
        .description("check the lab file (schema, names, addresses, cycles, files, scripts) without touching QEMU")
        .option("-f, --file <path>", "lab file to check (default: nearest vmlab.wcl walking up from the current directory)")
        .option("--json", "print diagnostics as JSON objects")
        .option("--no-store", "skip checking that templates are in the local store")
        .action((opts) => {
          process.exitCode = runValidate((deps.io ?? processIo)(), opts, deps.scripts);
        });
    },
  };
}

/** Register `vmlab validate`, type-checking every provision and handler script. */
export function register(program: Command): void {
  validateCommand({ scripts: new WscriptChecker() }).register(program);
}
