/**
 * The resolved plan a lab daemon runs (DESIGN §3 `config/`): `labPlan` turns a
 * valid `LabConfig` into a `LabPlan` (plan_schema.ts) — template references
 * resolved to disks in the store, hardware resolved (VM > template metadata >
 * profile > defaults, `resolve.ts`), relative paths made absolute, the network
 * plan built (`network_plan.ts`). Store problems found now throw a `CodedError`.
 */
import { CodedError } from "../errors/mod.ts";
import type { TemplateStore } from "../store/store.ts";
import { pulledTemplate } from "../store/oci.ts";
import { parseTemplateRef } from "../store/ref.ts";
import { labPath } from "./checks_files.ts";
import type { HostConfig } from "./host.ts";
import type { LabConfig, Vm } from "./model.ts";
import { networkPlanFromConfig } from "./network_plan.ts";
import type { LabPlan, NicPlan, SharePlan, VmPlan } from "./plan_schema.ts";
import { shareName, shareTransport } from "./shares.ts";
import type { Profile } from "./profiles.ts";
import { resolveHardware, type HardwareLayer, type Resolution } from "./resolve.ts";

const MiB = 1024 * 1024;
const VGA = ["std", "virtio", "qxl", "cirrus", "none"] as const;
const DISK_BUS = ["virtio", "ide", "sata", "nvme", "scsi"] as const;
const NIC_MODEL = ["virtio-net-pci", "e1000", "e1000e", "rtl8139"] as const;

function oneOf<T extends string>(allowed: readonly T[], v: string, fallback: T): T {
  return (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}

/** Template metadata `hardware { … }` as a hardware layer. */
export function metadataLayer(hw: Record<string, unknown>): HardwareLayer {
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
  const layer: Record<string, unknown> = {
    cpus: vm.cpus,
    memory: vm.memory,
    display: vm.display,
    firmware: vm.firmware,
    tpm: vm.tpm,
    secureBoot: vm.secureBoot,
  };
  return Object.fromEntries(Object.entries(layer).filter(([, v]) => v !== undefined)) as HardwareLayer;
}

/** Per-VM readiness deadline; `VMLAB_READY_TIMEOUT` (seconds) overrides the default 300 s. */
export function readyTimeoutMs(env: Readonly<Record<string, string | undefined>>): number {
  const s = Number.parseFloat(env.VMLAB_READY_TIMEOUT ?? "");
  return Number.isFinite(s) && s > 0 ? Math.round(s * 1000) : 300_000;
}

/** A VM's resolved hardware and where it came from (`vmlab vm hardware`). */
export interface VmHardware {
  readonly vm: string;
  /** `<arch>/<name>@<version>` in the store, or `scratch`. */
  readonly template: string;
  /** The store disk (empty for scratch VMs). */
  readonly disk: string;
  readonly arch: string;
  readonly profile: string | undefined;
  /** Which layer named the profile. */
  readonly profileFrom: "vm" | "template" | "none";
  readonly resolution: Resolution;
}

/**
 * Resolve one VM's hardware: VM block > template metadata > profile >
 * defaults. Scratch VMs have no template layer (§6.5). Throws
 * `template.not_found` when the template is not in the store.
 */
export function resolveVmHardware(vm: Vm, profiles: ReadonlyMap<string, Profile>, store: TemplateStore): VmHardware {
  if (vm.template === "scratch") {
    const profile = vm.profile === undefined ? undefined : profiles.get(vm.profile);
    return {
      vm: vm.name,
      template: "scratch",
      disk: "",
      arch: vm.arch ?? "x86_64",
      profile: vm.profile,
      profileFrom: vm.profile === undefined ? "none" : "vm",
      resolution: resolveHardware(vmLayer(vm), undefined, profile),
    };
  }
  let resolved;
  let entry;
  try {
    const parsed = parseTemplateRef(vm.template);
    if (parsed.ok && parsed.ref.kind === "registry") {
      entry = pulledTemplate(store, vm.template, vm.arch ?? "");
      if (entry === undefined) throw new Error(`registry template ${vm.template} (${vm.arch ?? "no arch"}) is not in the store`);
      resolved = entry;
    } else {
      resolved = store.resolve(vm.template);
      entry = store.get(resolved.ref);
    }
  } catch (e) {
    // The store's own code and hint (template.not_found, template.version_required…) reach the user.
    throw CodedError.withContext(e, `VM ${vm.name}`, { subject: vm.template });
  }
  const meta = entry.metadata;
  const profileName = vm.profile ?? meta?.profile;
  const profile = profileName === undefined ? undefined : profiles.get(profileName);
  return {
    vm: vm.name,
    template: resolved.ref,
    disk: resolved.disk,
    arch: resolved.arch,
    profile: profileName,
    profileFrom: vm.profile !== undefined ? "vm" : meta?.profile !== undefined ? "template" : "none",
    resolution: resolveHardware(vmLayer(vm), meta ? metadataLayer(meta.hardware) : undefined, profile),
  };
}

/** Profile display names QEMU spells differently (`virtio-gpu` is QEMU's `-vga virtio`). */
const DISPLAY_ALIASES: Readonly<Record<string, string>> = { "virtio-gpu": "virtio", vga: "std" };

/** Resolve a valid lab into what its daemon runs. Throws a `CodedError` for store problems found now. */
export function labPlan(
  config: LabConfig,
  profiles: ReadonlyMap<string, Profile>,
  store: TemplateStore,
  env: Readonly<Record<string, string | undefined>>,
  home: string,
  host: HostConfig,
): LabPlan {
  const lab = config.lab;
  if (!lab) throw new CodedError("lab.invalid", `${config.file} declares no lab block`, { subject: config.file, hint: 'declare lab "<name>" { … } in it' });
  const path = (p: string) => labPath({ root: config.root, home }, p);
  const vms = lab.vms.map((vm): VmPlan => {
    const r = resolveVmHardware(vm, profiles, store);
    const hw = r.resolution.hardware;
    const scratch = r.template === "scratch";
    const nicModel = oneOf(NIC_MODEL, hw.nic, "virtio-net-pci");
    const nics = vm.nics.map(
      (n): NicPlan => ({
        segment: n.segment ?? null,
        nat: n.nat ?? false,
        ...(n.mac ? { mac: n.mac.toLowerCase() } : {}),
        ...(n.ip ? { ip: n.ip } : {}),
        isolated: n.isolated ?? false,
        model: nicModel,
      }),
    );
    return {
      name: vm.name,
      template: { ref: r.template, disk: r.disk },
      arch: r.arch === "aarch64" ? "aarch64" : "x86_64",
      machine: hw.machine,
      cpus: hw.cpus,
      memoryMiB: Math.max(16, Math.round(hw.memory / MiB)),
      firmware: hw.firmware === "ovmf" ? "uefi" : "bios",
      secureBoot: hw.secureBoot,
      tpm: hw.tpm,
      vga: oneOf(VGA, DISPLAY_ALIASES[hw.display] ?? hw.display, "std"),
      diskInterface: oneOf(DISK_BUS, hw.diskBus, "virtio"),
      ...(vm.disk !== undefined ? { diskSizeBytes: vm.disk } : {}),
      dependsOn: [...vm.dependsOn],
      ...(vm.cdrom !== undefined ? { cdrom: labPath({ root: config.root, home }, vm.cdrom) } : {}),
      ...(vm.floppy !== undefined ? { floppy: labPath({ root: config.root, home }, vm.floppy) } : {}),
      media: vm.media.map((m) => ({ kind: m.kind, from: labPath({ root: config.root, home }, m.from), ...(m.label !== undefined ? { label: m.label } : {}) })),
      extraDisks: vm.extraDisks.map((d) => ({
        name: d.name,
        ...(d.from !== undefined ? { from: labPath({ root: config.root, home }, d.from) } : {}),
        ...(d.size !== undefined ? { sizeBytes: d.size } : {}),
      })),
      nested: vm.nested === true,
      ...(vm.gpu ? { gpu: { mode: vm.gpu.mode, ...(vm.gpu.address ? { address: vm.gpu.address } : {}) } } : {}),
      qemuArgs: [...vm.qemuArgs],
      nics,
      shares: vm.shares.map(
        (s): SharePlan => ({
          name: shareName(s),
          host: labPath({ root: config.root, home }, s.host),
          guest: s.guest,
          readonly: s.readonly ?? false,
          smb1: s.smb1 ?? false,
          transport: shareTransport(s),
        }),
      ),
      // A scratch VM boots whatever its media hold: ready once QEMU runs (no agent to wait for).
      agent: !scratch,
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
