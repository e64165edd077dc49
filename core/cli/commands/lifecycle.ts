/**
 * `vmlab up [vm…]`, `vmlab down [vm…] [--force]`, `vmlab destroy`
 * (cli_ref.md, PRD §7.1).
 *
 * `up` validates the lab file first (nothing touches QEMU on an invalid
 * lab), resolves it into a plan, asks the supervisor for the lab's daemon
 * and streams the daemon's progress; it ends with the status table. `down`
 * and `destroy` talk to the lab daemon directly; `destroy` of a lab that is
 * not running still deletes its `.vmlab/` (through a daemon started for the
 * purpose, so the template store forgets the clones too).
 */
import type { Command } from "@commander-js/extra-typings";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { renderDiagnostic } from "../render.ts";
import { makeStyle, wantsColor } from "../style.ts";
import { CodedError } from "../../errors/mod.ts";
import { z } from "zod";
import { LabStatusSchema, type LabStatus } from "../../daemon/protocol.ts";
import { TemplateStore } from "../../store/store.ts";
import { action, ensureLabDaemon, labOfFile, liveLabSocket, printLoaded, requireUp, streamOperation } from "../client.ts";
import { labPlan, loadLab } from "../lab_file.ts";
import { processIo } from "../io.ts";
import { pullMissing } from "./template_remote.ts";
import { WscriptChecker } from "../../scripting/checker.ts";
import { printStatus } from "./status.ts";

function readScript(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new CodedError("script.invalid", `cannot read script ${path}`, { subject: path, hint: "check the path" });
  }
}

/** Retry once when the lab daemon went away between `ensure` and the request (it had just reaped itself). */
async function withLabDaemon<T>(name: string, file: string, fn: (socket: string) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const lab = await ensureLabDaemon(name, file);
    try {
      return await fn(lab.socket);
    } catch (e) {
      if (attempt === 0 && e instanceof CodedError && e.code === "daemon.unreachable") continue;
      throw e;
    }
  }
}

/**
 * Validate, resolve and bring up the lab of `flags` (or some of its VMs).
 * Returns the status, or an exit code after printing validation errors.
 */
export async function upLab(
  flags: { file?: string | undefined; verbose?: boolean | undefined; provision?: boolean | undefined },
  vms: readonly string[],
  quiet: boolean,
): Promise<LabStatus | number> {
  const io = processIo();
  // Validated once: a failure prints the diagnostics of this very load.
  const loaded = loadLab(io, flags, new WscriptChecker());
  if (!loaded.ok) return printLoaded(io, loaded) || 1;
  if (loaded.stage !== "validate") return 2;
  if (flags.verbose) process.stderr.write(`using ${loaded.file}\n`);
  const store = new TemplateStore();
  await pullMissing(loaded.config.lab?.vms ?? [], store, quiet);
  const plan = labPlan(loaded.config, loaded.profiles, store, io.env, io.home, loaded.host);
  for (const v of vms) {
    if (!plan.vms.some((p) => p.name === v)) {
      throw new CodedError("vm.not_found", `lab ${plan.name} has no VM named ${v}`, {
        subject: v,
        hint: `name one of the lab's VMs: ${plan.vms.map((p) => p.name).join(", ")}`,
      });
    }
  }
  return await withLabDaemon(plan.name, plan.file, (socket) =>
    streamOperation(socket, "/v1/up", { plan, vms, provision: flags.provision !== false }, LabStatusSchema, { quiet }),
  );
}

export function register(program: Command): void {
  program
    .command("provision")
    .description("run the lab's provision scripts again, in declaration order, on the running lab")
    .option("-f, --file <path>", "lab file (default: $VMLAB_FILE, else the nearest vmlab.wcl walking up)")
    .option("-q, --quiet", "no progress output")
    .option("-v, --verbose", "name the lab file used")
    .action(
      action(async (opts) => {
        const socket = await requireUp(labOfFile(opts));
        await streamOperation(socket, "/v1/provision", {}, z.unknown(), { quiet: opts.quiet === true });
        return 0;
      }),
    );

  program
    .command("script")
    .description("run an ad-hoc wscript file against the running lab (entry point fn main(lab: Lab))")
    .argument("<script>", "path to the .ws file")
    .option("-f, --file <path>", "lab file (default: $VMLAB_FILE, else the nearest vmlab.wcl walking up)")
    .option("-q, --quiet", "no log output")
    .option("-v, --verbose", "name the lab file used")
    .action(
      action(async (script: string, opts) => {
        const socket = await requireUp(labOfFile(opts));
        const path = resolve(process.cwd(), script);
        const c = new WscriptChecker().check(path, readScript(path), "main");
        if (c.length) {
          const io = processIo();
          const style = makeStyle(wantsColor(io.env, io.isTTY));
          for (const d of c) process.stderr.write(`${renderDiagnostic(d, new Map([[path, readScript(path)]]), { style, cwd: io.cwd })}\n`);
          return 1;
        }
        await streamOperation(socket, "/v1/script", { path }, z.unknown(), { quiet: opts.quiet === true });
        return 0;
      }),
    );

  program
    .command("up")
    .description("create linked clones and boot the lab's VMs (all, or the ones named), then wait until they are ready")
    .argument("[vms...]", "VMs to bring up (and what they depend on); default: the whole lab")
    .option("-f, --file <path>", "lab file (default: $VMLAB_FILE, else the nearest vmlab.wcl walking up)")
    .option("--json", "print the final status as JSON")
    .option("--no-provision", "boot only; skip the provision scripts")
    .option("-q, --quiet", "no progress output")
    .option("-v, --verbose", "name the lab file used")
    .action(
      action(
        async (vms: string[], opts) => {
          const status = await upLab(opts, vms, opts.quiet === true);
          if (typeof status === "number") return status;
          printStatus(status, opts.json === true);
          return 0;
        },
        (_v, o) => o.json === true,
      ),
    );

  program
    .command("down")
    .description("stop the lab's VMs (all, or the ones named): guest agent, then ACPI, then kill; clones are kept")
    .argument("[vms...]", "VMs to stop; default: the whole lab")
    .option("--force", "kill immediately instead of the graceful ladder")
    .option("-f, --file <path>", "lab file (default: $VMLAB_FILE, else the nearest vmlab.wcl walking up)")
    .option("-q, --quiet", "no progress output")
    .option("-v, --verbose", "name the lab file used")
    .action(
      action(async (vms: string[], opts) => {
        const lab = labOfFile(opts);
        const socket = await liveLabSocket(lab.name);
        if (!socket) {
          process.stderr.write(`lab ${lab.name} is already down\n`);
          return 0;
        }
        await streamOperation(socket, "/v1/down", { vms, force: opts.force === true }, z.unknown(), { quiet: opts.quiet === true });
        if (!opts.quiet) process.stderr.write(vms.length ? `stopped ${vms.join(", ")}\n` : `lab ${lab.name} is down\n`);
        return 0;
      }),
    );

  program
    .command("destroy")
    .description("stop the lab and DELETE its linked clones and lab-local state (.vmlab/)")
    .option("-f, --file <path>", "lab file (default: $VMLAB_FILE, else the nearest vmlab.wcl walking up)")
    .option("-q, --quiet", "no progress output")
    .option("-v, --verbose", "name the lab file used")
    .action(
      action(async (opts) => {
        const lab = labOfFile(opts);
        await withLabDaemon(lab.name, lab.file as string, (socket) => streamOperation(socket, "/v1/destroy", {}, z.unknown(), { quiet: opts.quiet === true }));
        if (!opts.quiet) process.stderr.write(`lab ${lab.name} destroyed (clones and .vmlab/ deleted)\n`);
        return 0;
      }),
    );
}
