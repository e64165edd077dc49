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
import { readdirSync, statSync } from "node:fs";
import { readSourceFile } from "../../config/source_file.ts";
import { availableParallelism, homedir, totalmem } from "node:os";
import { relative } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { render, toJson } from "../../wcl/mod.ts";
import type { FileProbe, HostResources, ScriptChecker } from "../../config/mod.ts";
import type { Env } from "../../store/paths.ts";
import { loadLab } from "../lab_file.ts";
import { WscriptChecker } from "../../scripting/checker.ts";
import { directoryStore, type StoreReader } from "../../store/lookup.ts";

/** Everything the command touches, injectable for tests. */
export interface ValidateIo {
  readonly cwd: string;
  readonly env: Env;
  readonly home: string;
  readonly uid: number;
  readonly isTTY: boolean;
  readonly files: FileProbe;
  /** Names of `*.wcl` files in a directory (empty when it does not exist). */
  readonly list: (dir: string) => string[];
  /** The template store rooted at a `templates` directory. */
  readonly store: (templatesRoot: string) => StoreReader;
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** The host's RAM and CPUs, for capacity warnings (absent: not checked). */
  readonly host?: HostResources;
}

export interface ValidateFlags {
  readonly file?: string | undefined;
  readonly json?: boolean | undefined;
  readonly store?: boolean | undefined;
}

/** The real file system as a FileProbe: only regular files under the size cap are read. */
export const diskFiles: FileProbe = {
  kind(path) {
    try {
      const s = statSync(path);
      return s.isDirectory() ? "dir" : s.isFile() ? "file" : "other";
    } catch {
      return undefined;
    }
  },
  read(path) {
    const r = readSourceFile(path);
    return "text" in r ? r.text : undefined;
  },
  problem(path) {
    const r = readSourceFile(path);
    return "problem" in r ? r.problem : undefined;
  },
};

export function processIo(): ValidateIo {
  return {
    cwd: process.cwd(),
    env: process.env,
    home: process.env.HOME ?? homedir(),
    uid: process.getuid?.() ?? 0,
    isTTY: process.stdout.isTTY === true,
    files: diskFiles,
    list: (dir) => {
      try {
        return readdirSync(dir).filter((f) => f.endsWith(".wcl")).sort();
      } catch {
        return [];
      }
    },
    store: directoryStore,
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    host: { memoryBytes: totalmem(), cpus: availableParallelism() },
  };
}

/** Run validation and return the exit code. */
export function runValidate(io: ValidateIo, flags: ValidateFlags, scripts?: ScriptChecker): 0 | 1 | 2 {
  const color = io.isTTY && io.env.NO_COLOR === undefined;
  const loaded = loadLab(io, flags, scripts);
  if (loaded.stage === "discover") {
    if (flags.json) io.out(`${JSON.stringify({ valid: false, error: loaded.message, ...(loaded.hint ? { hint: loaded.hint } : {}) })}\n`);
    else io.err(`error: ${loaded.message}\n${loaded.hint ? `  hint: ${loaded.hint}\n` : ""}`);
    return 2;
  }
  const { diagnostics, sources, errors, config } = loaded;
  const shown = relative(io.cwd, loaded.file) || loaded.file;
  if (flags.json) {
    io.out(`${JSON.stringify({ valid: errors === 0, file: loaded.file, diagnostics: diagnostics.map((d) => toJson(d, sources, io.cwd)) }, null, 2)}\n`);
  } else {
    for (const d of diagnostics) io.err(`${render(d, sources, { color, cwd: io.cwd })}\n`);
    if (errors === 0) {
      const lab = config.lab;
      const what = lab ? `lab "${lab.name}" (${lab.vms.length} VM${lab.vms.length === 1 ? "" : "s"}, ${lab.segments.length} segment${lab.segments.length === 1 ? "" : "s"})` : `${config.templates.length} template(s)`;
      io.out(`${shown}: ${what} is valid\n`);
    } else {
      io.err(`${shown}: ${errors} error${errors === 1 ? "" : "s"}\n`);
    }
  }
  return errors === 0 ? 0 : 1;
}

/** A `validate` command module with an optional script checker wired in. */
export function validateCommand(deps: { readonly scripts?: ScriptChecker; readonly io?: () => ValidateIo } = {}): { register(program: Command): void } {
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
