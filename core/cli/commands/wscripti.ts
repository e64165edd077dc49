/**
 * `vmlab wscripti` — write `vmlab.wscripti`, the declarations of the `vmlab` script
 * module (Lab, Vm, Segment, ExecResult, Match, Event, vmlab::sleep_ms), for editor
 * support and `vmlab wscript check` (concept_wscript_overview.md).
 *
 * Where: `-o/--output <file>`; otherwise beside the lab file found by walking up from
 * the cwd (like `vmlab validate`), or in the cwd when there is none. `--stdout` prints
 * instead. The file is written atomically (temp + rename). With `--manifest`, a
 * `wscript.toml` listing it is written beside it unless one exists, so `wscript check`
 * and the LSP pick it up. Exit code 0, or 1 when a file cannot be written.
 */
import { existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { CodedError } from "../../errors/mod.ts";
import { reportError } from "../render.ts";
import { discoverLabFile } from "../../config/discover.ts";
import { assertReplaceable } from "../../fs/replace.ts";
import { vmlabInterface } from "../../scripting/interface.ts";

/** Default file name. */
export const INTERFACE_FILE = "vmlab.wscripti";

function writeAtomic(path: string, text: string): void {
  assertReplaceable(path, "interface file");
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Where the interface goes when no `--output` is given. */
export function defaultInterfacePath(cwd: string): string {
  const found = discoverLabFile(cwd, undefined, existsSync);
  return join(found.ok ? dirname(found.file) : cwd, INTERFACE_FILE);
}

export function register(program: Command): void {
  program
    .command("wscripti")
    .description("write vmlab.wscripti (the vmlab script API declarations) for editors and `wscript check`")
    .option("-o, --output <file>", "where to write it (default: beside vmlab.wcl, or in the current directory)")
    .option("--stdout", "print it instead of writing a file")
    .option("--manifest", "also write a wscript.toml listing it, unless one exists")
    .action((opts) => {
      const text = vmlabInterface();
      if (opts.stdout) {
        process.stdout.write(text);
        process.exitCode = 0;
        return;
      }
      const out = opts.output ? resolve(opts.output) : defaultInterfacePath(process.cwd());
      try {
        writeAtomic(out, text);
        process.stdout.write(`wrote ${out}\n`);
        if (opts.manifest) {
          const manifest = join(dirname(out), "wscript.toml");
          if (existsSync(manifest)) process.stdout.write(`kept ${manifest} (add "${basename(out)}" to its interfaces if it is not listed)\n`);
          else {
            writeAtomic(manifest, `interfaces = [${JSON.stringify(basename(out))}]\n`);
            process.stdout.write(`wrote ${manifest}\n`);
          }
        }
        process.exitCode = 0;
      } catch (e) {
        if (e instanceof CodedError) reportError(e);
        else
          reportError(
            new CodedError("script.write_failed", `cannot write ${out}: ${e instanceof Error ? e.message : String(e)}`, {
              subject: out,
              hint: "choose another place with --output",
            }),
          );
        process.exitCode = 1;
      }
    });
}
