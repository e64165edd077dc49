/**
 * `vmlab vm hardware <vm> [--json]` — a VM's resolved hardware and the layer
 * each setting came from (PRD §5.2, §5.3: VM block > template metadata >
 * profile > defaults). Reads the lab file and the store; needs no daemon.
 */
import type { Command } from "@commander-js/extra-typings";
import { resolveVmHardware, type VmHardware } from "../../config/plan.ts";
import { CodedError } from "../../errors/mod.ts";
import { TemplateStore } from "../../store/mod.ts";
import { action, printLoadFailure } from "../client.ts";
import { loadLab } from "../lab_file.ts";
import { stdoutStyle } from "../style.ts";
import { renderTable } from "../table.ts";
import { processIo } from "../io.ts";

/** Settings in display order, with their WCL names. */
const ROWS = [
  ["machine", "machine"],
  ["firmware", "firmware"],
  ["secureBoot", "secure_boot"],
  ["tpm", "tpm"],
  ["cpus", "cpus"],
  ["memory", "memory"],
  ["diskBus", "disk_bus"],
  ["nic", "nic"],
  ["display", "display"],
] as const;

function show(v: unknown): string {
  return typeof v === "number" && v >= 1024 * 1024 ? `${v / (1024 * 1024)}MiB` : String(v);
}

export function hardwareJson(h: VmHardware): Record<string, unknown> {
  const hardware: Record<string, unknown> = {};
  const from: Record<string, string> = {};
  for (const [k, w] of ROWS) {
    hardware[w] = h.resolution.hardware[k];
    from[w] = h.resolution.from[k];
  }
  return { vm: h.vm, template: h.template, arch: h.arch, profile: h.profile ?? null, profileFrom: h.profileFrom, hardware, from };
}

export function register(program: Command): void {
  const vm = (program.commands.find((c) => c.name() === "vm") ?? program.command("vm")) as unknown as Command;
  vm.command("hardware")
    .description("show a VM's resolved hardware and where each value came from (vm > template > profile > default)")
    .argument("<vm>", "VM name in the current directory's lab")
    .option("-f, --file <path>", "lab file (default: $VMLAB_FILE, else the nearest vmlab.wcl walking up)")
    .option("--json", "print as JSON")
    .action(
      action(
        async (name: string, opts) => {
          const io = processIo();
          const flags = { file: opts.file };
          const loaded = loadLab(io, flags);
          if (!loaded.ok) return printLoadFailure(io, flags) || 1;
          if (loaded.stage !== "validate") return 2;
          const v = loaded.config.lab?.vms.find((x) => x.name === name);
          if (!v)
            throw new CodedError("vm.not_found", `lab file ${loaded.file} declares no VM named ${name}`, {
              subject: name,
              hint: `VMs: ${(loaded.config.lab?.vms ?? []).map((x) => x.name).join(", ") || "none"}`,
            });
          const h = resolveVmHardware(v, loaded.profiles, new TemplateStore());
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(hardwareJson(h), null, 2)}\n`);
            return 0;
          }
          const rows: string[][] = [
            ["template", h.template, "vm"],
            ["profile", h.profile ?? "-", h.profileFrom],
            ...ROWS.map(([k, w]) => [w, show(h.resolution.hardware[k]), h.resolution.from[k]]),
          ];
          process.stdout.write(`${renderTable(["SETTING", "VALUE", "FROM"], rows, stdoutStyle())}\n`);
          return 0;
        },
        (_n, o) => o.json === true,
      ),
    );
}
