/**
 * Run the CLI: assemble the command tree, parse, map commander's usage
 * errors to exit status 2, and make sure no unexpected exception escapes as
 * a stack trace without a message.
 */
import { CommanderError } from "@commander-js/extra-typings";
import { buildProgram, type CommandModule } from "./program.ts";
import { reportError } from "./render.ts";
import * as capture from "./commands/capture.ts";
import * as consoleCmd from "./commands/console.ts";
import * as cp from "./commands/cp.ts";
import * as daemon from "./commands/daemon.ts";
import * as doctor from "./commands/doctor.ts";
import * as exec from "./commands/exec.ts";
import * as lifecycle from "./commands/lifecycle.ts";
import * as logs from "./commands/logs.ts";
import * as snapshot from "./commands/snapshot.ts";
import * as status from "./commands/status.ts";
import * as vm from "./commands/vm.ts";
import * as vmHardware from "./commands/vm_hardware.ts";
import * as schema from "./commands/schema.ts";
import * as template from "./commands/template.ts";
import * as templateBuild from "./commands/template_build.ts";
import * as validate from "./commands/validate.ts";
import * as wscript from "./commands/wscript.ts";
import * as wscripti from "./commands/wscripti.ts";

/** Every verb, in the order `--help` lists them. */
export const COMMANDS: readonly CommandModule[] = [
  validate,
  lifecycle,
  status,
  vm,
  vmHardware,
  snapshot,
  exec,
  cp,
  consoleCmd,
  capture,
  logs,
  template,
  templateBuild,
  wscript,
  wscripti,
  daemon,
  schema,
  doctor,
];

export async function runCli(args: readonly string[]): Promise<number> {
  const program = buildProgram(COMMANDS);
  try {
    await program.parseAsync([...args], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end with exitCode 0; usage errors are 2.
      if (e.exitCode === 0 || e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
      return 2;
    }
    reportError(e);
    return 1;
  }
}
