/**
 * The `vmlab` command tree.
 *
 * Each verb lives in its own file under `commands/` and exports a
 * `register(program)` function; this file only assembles them so that
 * `--help` lists every verb. Commands return an exit code (0 ok, 1 failure,
 * 2 usage) instead of calling `process.exit` themselves.
 */
import { Command } from "@commander-js/extra-typings";
import { VERSION } from "../version.ts";

/** A verb module: adds itself (and its subcommands) to the program. */
export type CommandModule = { register(program: Command): void };

/** Build the full command tree. */
export function buildProgram(modules: readonly CommandModule[]): Command {
  const program = new Command("vmlab")
    .description("Declarative QEMU/KVM virtual-machine labs for one host, unprivileged")
    .version(VERSION, "-V, --version", "print the vmlab version")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ outputError: (s, write) => write(s) })
    .exitOverride();
  program.command("help [command]", { hidden: true }).action((name) => {
    (name ? (program.commands.find((c) => c.name() === name) ?? program) : program).outputHelp();
  });
  for (const m of modules) m.register(program);
  return program;
}
