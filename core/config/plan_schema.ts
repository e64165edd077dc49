/**
 * The resolved plan a lab daemon runs (DESIGN §3 `config/`): a `LabPlan` is what
 * the CLI hands to a lab daemon after parsing and validating `vmlab.wcl`,
 * resolving templates in the store and profiles — only data the daemon can act
 * on without re-reading configuration. zod schemas, so the daemon validates it
 * at its boundary; `plan.ts` builds it from a `LabConfig`.
 */
import { z } from "zod";
import { NetworkPlanSchema } from "./network_plan.ts";

export const NicPlanSchema = z.object({
  /** Segment name, or null for the lab's built-in NAT segment. */
  segment: z.string().nullable(),
  nat: z.boolean().default(false),
  /** Declared MAC; otherwise generated once and persisted. */
  mac: z.string().optional(),
  ip: z.string().optional(),
  /** `isolated = true`: no guest↔guest traffic on the segment; gateway services stay reachable. */
  isolated: z.boolean().default(false),
  model: z.enum(["virtio-net-pci", "e1000", "e1000e", "rtl8139"]).default("virtio-net-pci"),
});
export type NicPlan = z.infer<typeof NicPlanSchema>;

/** A `share {}` block, resolved (PRD §7.5). */
export const SharePlanSchema = z.object({
  /** SMB share name, unique per lab (`config/shares.ts`). */
  name: z.string(),
  /** Absolute host directory. */
  host: z.string(),
  /** Guest mount path (`/mnt/src`) or Windows target (`D:\\data`, `X:`). */
  guest: z.string(),
  readonly: z.boolean().default(false),
  /** Enables the SMB1 dialect and legacy auth for the whole lab's smbd. */
  smb1: z.boolean().default(false),
  /** `auto` is resolved by the plan: virtiofs for Linux guest paths, SMB otherwise. */
  transport: z.enum(["smb", "virtiofs"]).default("smb"),
});
export type SharePlan = z.infer<typeof SharePlanSchema>;

/** A `media {}` block: a folder the lab daemon builds into an ISO (CD-ROM) or floppy image before boot (PRD §6.3). */
export const MediaPlanSchema = z.object({
  kind: z.enum(["iso", "floppy"]),
  /** Absolute path of the folder. */
  from: z.string(),
  label: z.string().optional(),
});
export type MediaPlan = z.infer<typeof MediaPlanSchema>;

/** An extra `disk {}`: blank of `sizeBytes`, or a FAT filesystem made from the folder `from` (sized to it or to `sizeBytes`). */
export const ExtraDiskPlanSchema = z.object({
  name: z.string(),
  from: z.string().optional(),
  sizeBytes: z.number().int().positive().optional(),
});
export type ExtraDiskPlan = z.infer<typeof ExtraDiskPlanSchema>;

export const VmPlanSchema = z.object({
  name: z.string(),
  /** `<arch>/<name>@<version>` and the base disk in the store. */
  template: z.object({ ref: z.string(), disk: z.string() }),
  arch: z.enum(["x86_64", "aarch64"]).default("x86_64"),
  machine: z.string().default("pc"),
  cpus: z.number().int().positive().default(1),
  memoryMiB: z.number().int().positive().default(512),
  firmware: z.enum(["bios", "uefi"]).default("bios"),
  secureBoot: z.boolean().default(false),
  /** One swtpm (TPM 2.0) for this VM. */
  tpm: z.boolean().default(false),
  vga: z.enum(["std", "virtio", "qxl", "cirrus", "none"]).default("std"),
  diskInterface: z.enum(["virtio", "ide", "sata", "nvme", "scsi"]).default("virtio"),
  diskSizeBytes: z.number().int().positive().optional(),
  dependsOn: z.array(z.string()).default([]),
  /** Absolute path of an ISO attached as a CD-ROM. */
  cdrom: z.string().optional(),
  /** Absolute path of a floppy image. */
  floppy: z.string().optional(),
  /** Folders built into ISO/floppy images by the lab daemon, attached after `cdrom`/`floppy`. */
  media: z.array(MediaPlanSchema).optional(),
  extraDisks: z.array(ExtraDiskPlanSchema).optional(),
  /** Expose hardware virtualisation (VMX/SVM) to the guest. */
  nested: z.boolean().default(false),
  /** `gpu { mode address }`: virgl/vulkan (virtio-vga-gl) or VFIO passthrough of a host PCI device. */
  gpu: z.object({ mode: z.enum(["passthrough", "virgl", "vulkan"]), address: z.string().optional() }).optional(),
  /** `qemu_args`, appended verbatim. */
  qemuArgs: z.array(z.string()).default([]),
  nics: z.array(NicPlanSchema).default([]),
  /** Shared folders (PRD §7.5); absent = none. */
  shares: z.array(SharePlanSchema).optional(),
  /** Whether readiness is judged by the guest agent answering. */
  agent: z.boolean().default(true),
  readyTimeoutMs: z.number().int().positive().default(300_000),
});
export type VmPlan = z.infer<typeof VmPlanSchema>;

/** A `provision` block: a script's `main(lab)`, after the VMs in `vms` (all when empty) are ready. */
export const ProvisionPlanSchema = z.object({ script: z.string(), vms: z.array(z.string()).default([]) });
export type ProvisionPlan = z.infer<typeof ProvisionPlanSchema>;

/** An `on "<event>"` block: a script's `handle(event, lab)` for each matching event. */
export const HandlerPlanSchema = z.object({ event: z.string(), run: z.string() });
export type HandlerPlan = z.infer<typeof HandlerPlanSchema>;

export const LabPlanSchema = z.object({
  name: z.string(),
  /** Absolute path of vmlab.wcl. */
  file: z.string(),
  /** The folder holding vmlab.wcl (and `.vmlab/`). */
  dir: z.string(),
  vms: z.array(VmPlanSchema),
  /** Absolute script paths, in declaration order. */
  provisions: z.array(ProvisionPlanSchema).default([]),
  handlers: z.array(HandlerPlanSchema).default([]),
  /** Segments, DHCP/DNS/NAT settings and forwards for the lab's fabric. */
  network: NetworkPlanSchema.optional(),
  /**
   * An ephemeral lab owned by one process (a template build, whose VM is named
   * `build`): when that process dies, the daemon kills its guests, deletes the
   * lab's folder and exits, so a killed build leaves nothing running.
   */
  ownerPid: z.number().int().positive().optional(),
});
export type LabPlan = z.infer<typeof LabPlanSchema>;
