/**
 * `vmlab schema` — print the lab-file schema reference, generated from the
 * same schema data `vmlab validate` checks against (core/config/schema.ts).
 * `--markdown` (the default) prints the reference committed as
 * `docs/schema.md`; `--json` prints the raw schema data.
 */
import type { Command } from "@commander-js/extra-typings";
import { CodedError } from "../../errors/mod.ts";
import { reportError } from "../render.ts";
import { BLOCKS, schemaMarkdown } from "../../config/mod.ts";

export function register(program: Command): void {
  program
    .command("schema")
    .description("print the vmlab.wcl schema reference")
    .option("--markdown", "print the reference as markdown (default)")
    .option("--json", "print the schema as JSON data")
    .action((opts) => {
      if (opts.json && opts.markdown) {
        reportError(new CodedError("usage.conflicting_options", "--markdown and --json cannot be combined", { hint: "choose one of --markdown and --json" }));
        process.exitCode = 2;
        return;
      }
      process.stdout.write(opts.json ? `${JSON.stringify([...BLOCKS.values()], null, 2)}\n` : schemaMarkdown());
      process.exitCode = 0;
    });
}
