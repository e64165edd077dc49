/**
 * Finding, validating and resolving the lab file — shared by `validate` and
 * every lab verb.
 *
 * `loadLab` finds `vmlab.wcl` (`-f/--file`, else `$VMLAB_FILE`, else walking
 * up from the cwd like git), reads the host config and user profiles, and
 * validates everything; `labPlan` turns a valid `LabConfig` into the
 * `LabPlan` a lab daemon runs: template references resolved to disks in the
 * store, hardware resolved (VM > template metadata > profile > defaults),
 * relative paths made absolute.
 */
import { join } from "node:path";
import type { Diagnostic } from "../wcl/mod.ts";
import { discoverLabFile, loadHostConfig, loadProfiles, resolveHardware, validateLab, type HardwareLayer, type HostConfig, type LabConfig, type Profile, type ScriptChecker, type Vm } from "../config/mod.ts";
import { labPath } from "../config/mod.ts";
import { vmlabPaths } from "../store/paths.ts";
import { TemplateStore } from "../store/store.ts";
import { VmlabError } from "../daemon/errors.ts";
import type { LabPlan, NicPlan, VmPlan } from "../daemon/protocol.ts";
import { networkPlanFromConfig } from "../daemon/lab/network_plan.ts";
import type { ValidateIo } from "./commands/validate.ts";

export interface LoadFlags {
  readonly file?: string | undefined;
  /** false skips the template-store check. */
  readonly store?: boolean | undefined;
}

export type Loaded =
  | { readonly ok: false; readonly stage: "discover"; readonly message: string; readonly hint?: string }
  | {
      readonly ok: boolean;
      readonly stage: "validate";
      readonly file: string;
      readonly config: LabConfig;
      readonly host: HostConfig;
      readonly profiles: ReadonlyMap<string, Profile>;
      readonly diagnostics: readonly Diagnostic[];
      readonly sources: ReadonlyMap<string, string>;
      readonly errors: number;
    };

export function loadLab(io: ValidateIo, flags: LoadFlags, scripts?: ScriptChecker): Loaded {
  const explicit = flags.file ?? (io.env.VMLAB_FILE ? io.env.VMLAB_FILE : undefined);
  const found = discoverLabFile(io.cwd, explicit, (p) => io.files.kind(p) === "file");
  if (!found.ok) return { ok: false, stage: "discover", message: found.message, hint: found.hint };
  if (io.files.read(found.file) === undefined) return { ok: false, stage: "discover", message: `Cannot read lab file: ${found.file}` };
  const paths = vmlabPaths(io.env, io.home, io.uid);
  const host = loadHostConfig(io.files.read(paths.hostConfig), paths.hostConfig);
  const profileFiles = io.list(paths.profiles).flatMap((name) => {
    const path = join(paths.profiles, name);
    const text = io.files.read(path);
    return text === undefined ? [] : [{ path, text }];
  });
  const profiles = loadProfiles(profileFiles);
  const v = validateLab(found.file, {
    files: io.files,
    store: flags.store === false ? undefined : io.store(paths.templates),
    profiles: profiles.profiles,
    scripts,
    home: io.home,
  });
  const diagnostics = [...host.diagnostics, ...profiles.diagnostics, ...v.diagnostics];
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  return {
    ok: errors === 0,
    stage: "validate",
    file: found.file,
    config: v.config,
    host: host.config,
    profiles: profiles.profiles,
    diagnostics,
    // A script checker may keep the scripts' text so their diagnostics render with source lines.
    sources: new Map([...host.sources, ...profiles.sources, ...v.sources, ...((scripts as { sources?: ReadonlyMap<string, string> } | undefined)?.sources ?? [])]),
    errors,
  };
}

const MiB = 1024 * 1024;
const VGA = ["std", "virtio", "qxl", "cirrus", "none"] as const;
const DISK_BUS = ["virtio", "ide", "sata", "nvme", "scsi"] as const;
const NIC_MODEL = ["virtio-net-pci", "e1000", "e1000e", "rtl8139"] as const;

function oneOf<T extends string>(allowed: readonly T[], v: string, fallback: T): T {
  return (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}

/** Template metadata `hardware { … }` as a hardware layer. */
function metadataLayer(hw: Record<string, unknown>): HardwareLayer {
  const num = (k: string) => (typeof hw[k] === "number" ? (hw[k] as number) : undefined);
  const str = (k: string) => (typeof hw[k] === "string" ? (hw[k] as string) : undefined);
  const bool = (k: string) => (typeof hw[k] === "boolean" ? (hw[k] as boolean) : undefined);
  const fw = str("firmware");
  const layer: Record<string, unknown> = {
    cpus: num("cpus"),
    memory: num("memory"),
    display: str("display"),
    firmware: fw === "ovmf" || fw === "seabios" ? fw : undefined,
    tpm: bool("tpm"),
    secureBoot: bool("secure_boot"),
    machine: str("machine"),
    diskBus: str("disk_bus"),
    nic: str("nic"),
  };
  return Object.fromEntries(Object.entries(layer).filter(([, v]) => v !== undefined)) as HardwareLayer;
}

function vmLayer(vm: Vm): HardwareLayer {
  const layer: Record<string, unknown> = { cpus: vm.cpus, memory: vm.memory, display: vm.display, firmware: vm.firmware, tpm: vm.tpm, secureBoot: vm.secureBoot };
  return Object.fromEntries(Object.entries(layer).filter(([, v]) => v !== undefined)) as HardwareLayer;
}

/** Per-VM readiness deadline; `VMLAB_READY_TIMEOUT` (seconds) overrides the default 300 s. */
export function readyTimeoutMs(env: Readonly<Record<string, string | undefined>>): number {
  const s = Number.parseFloat(env.VMLAB_READY_TIMEOUT ?? "");
  return Number.isFinite(s) && s > 0 ? Math.round(s * 1000) : 300_000;
}

/** Resolve a valid lab into what its daemon runs. Throws `VmlabError` for store problems found now. */
export function labPlan(config: LabConfig, profiles: ReadonlyMap<string, Profile>, store: TemplateStore, env: Readonly<Record<string, string | undefined>>, home: string, host: HostConfig): LabPlan {
  const lab = config.lab;
  if (!lab) throw new VmlabError("lab.invalid", `${config.file} declares no lab block`, { subject: config.file, hint: 'Declare lab "<name>" { … }.' });
  const vms = lab.vms.map((vm): VmPlan => {
    let resolved;
    let entry;
    try {
      resolved = store.resolve(vm.template);
      entry = store.get(resolved.ref);
    } catch (e) {
      throw new VmlabError("template.not_found", `VM ${vm.name}: ${(e as Error).message}`, { subject: vm.template, hint: "Build it with `vmlab template build`, pull it with `vmlab template pull`, or adopt a qcow2 with `vmlab template import --ref`." });
    }
    const meta = entry.metadata;
    const profileName = vm.profile ?? meta?.profile;
    const profile = profileName === undefined ? undefined : profiles.get(profileName);
    const { hardware: hw } = resolveHardware(vmLayer(vm), meta ? metadataLayer(meta.hardware) : undefined, profile);
    const nicModel = oneOf(NIC_MODEL, hw.nic, "virtio-net-pci");
    const nics = vm.nics.map((n): NicPlan => ({
      segment: n.segment ?? null,
      nat: n.nat ?? false,
      ...(n.mac ? { mac: n.mac.toLowerCase() } : {}),
      ...(n.ip ? { ip: n.ip } : {}),
      isolated: n.isolated ?? false,
      model: nicModel,
    }));
    return {
      name: vm.name,
      template: { ref: resolved.ref, disk: resolved.disk },
      arch: resolved.arch === "aarch64" ? "aarch64" : "x86_64",
      machine: hw.machine,
      cpus: hw.cpus,
      memoryMiB: Math.max(16, Math.round(hw.memory / MiB)),
      firmware: hw.firmware === "ovmf" ? "uefi" : "bios",
      secureBoot: hw.secureBoot,
      vga: oneOf(VGA, hw.display, "std"),
      diskInterface: oneOf(DISK_BUS, hw.diskBus, "virtio"),
      ...(vm.disk !== undefined ? { diskSizeBytes: vm.disk } : {}),
      dependsOn: [...vm.dependsOn],
      ...(vm.cdrom !== undefined ? { cdrom: labPath({ root: config.root, home }, vm.cdrom) } : {}),
      ...(vm.floppy !== undefined ? { floppy: labPath({ root: config.root, home }, vm.floppy) } : {}),
      media: vm.media.map((m) => ({ kind: m.kind, from: labPath({ root: config.root, home }, m.from), ...(m.label !== undefined ? { label: m.label } : {}) })),
      extraDisks: vm.extraDisks.map((d) => ({ name: d.name, ...(d.from !== undefined ? { from: labPath({ root: config.root, home }, d.from) } : {}), ...(d.size !== undefined ? { sizeBytes: d.size } : {}) })),
      qemuArgs: [...vm.qemuArgs],
      nics,
      agent: true,
      readyTimeoutMs: readyTimeoutMs(env),
    };
  });
  const abs = (p: string) => labPath({ root: config.root, home }, p);
  return {
    name: lab.name,
    file: config.file,
    dir: config.root,
    vms,
    provisions: lab.provisions.map((p) => ({ script: abs(p.script), vms: [...p.vms] })),
    handlers: lab.handlers.map((h) => ({ event: h.event, run: abs(h.run) })),
    network: networkPlanFromConfig(config, host),
  };
}
