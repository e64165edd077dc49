/**
 * Guest OS profiles as data (PRD §5.3, reference/vmlab/fact_profiles_table.md).
 *
 * The shipped set is WCL text embedded in the binary and parsed with the same
 * code as user files, so there is one format. User files in
 * `~/.config/vmlab/profiles/*.wcl` override shipped profiles attribute by
 * attribute (a user `windows-11` that sets only `memory` keeps everything
 * else) or add new ones. `custom` assumes nothing.
 */
import { evaluateSource, type Diagnostic } from "../wcl/mod.ts";
import { checkSchema, PROFILE_FILE } from "./check_schema.ts";
import { Fields } from "./extract.ts";

export interface Profile {
  readonly name: string;
  readonly machine: string | undefined;
  readonly firmware: "ovmf" | "seabios" | undefined;
  readonly secureBoot: boolean | undefined;
  readonly tpm: boolean | undefined;
  readonly diskBus: string | undefined;
  readonly nic: string | undefined;
  readonly display: string | undefined;
  readonly cpus: number | undefined;
  readonly memory: number | undefined;
}

/** The shipped profiles, as WCL (fact_profiles_table.md). */
export const SHIPPED_PROFILES_WCL = `// Shipped guest OS profiles. Override or extend in ~/.config/vmlab/profiles/*.wcl.
profile "windows-11" {
  machine = "q35"  firmware = "ovmf"  secure_boot = true  tpm = true
  disk_bus = "virtio"  nic = "virtio-net-pci"  display = "qxl"  cpus = 4  memory = 8GiB
}
profile "windows-server" {
  machine = "q35"  firmware = "ovmf"  secure_boot = false  tpm = true
  disk_bus = "virtio"  nic = "virtio-net-pci"  display = "qxl"  cpus = 4  memory = 8GiB
}
profile "windows-legacy" {
  machine = "pc"  firmware = "seabios"  secure_boot = false  tpm = false
  disk_bus = "ide"  nic = "e1000"  display = "std"  cpus = 2  memory = 2GiB
}
profile "linux-modern" {
  machine = "q35"  firmware = "ovmf"  secure_boot = false  tpm = false
  disk_bus = "virtio"  nic = "virtio-net-pci"  display = "virtio-gpu"  cpus = 2  memory = 4GiB
}
profile "linux-generic" {
  machine = "q35"  firmware = "seabios"  secure_boot = false  tpm = false
  disk_bus = "virtio"  nic = "virtio-net-pci"  display = "std"  cpus = 2  memory = 2GiB
}
profile "custom" { }
`;

export const SHIPPED_PROFILES_FILE = "<shipped profiles>";

export interface ProfileSet {
  readonly profiles: ReadonlyMap<string, Profile>;
  readonly diagnostics: readonly Diagnostic[];
  /** Sources of every file read, for rendering diagnostics. */
  readonly sources: ReadonlyMap<string, string>;
}

function parseProfiles(text: string, file: string): { profiles: Profile[]; diagnostics: Diagnostic[]; sources: ReadonlyMap<string, string> } {
  const r = evaluateSource(text, file);
  const diagnostics = [...r.diagnostics, ...checkSchema(r.document, PROFILE_FILE)];
  const profiles = r.document.blocks
    .filter((b) => b.kind === "profile")
    .map((b): Profile => {
      const f = new Fields(b, "name");
      return {
        name: f.str("name") ?? "",
        machine: f.str("machine"),
        firmware: f.oneOf("firmware", ["ovmf", "seabios"] as const),
        secureBoot: f.bool("secure_boot"),
        tpm: f.bool("tpm"),
        diskBus: f.str("disk_bus"),
        nic: f.str("nic"),
        display: f.str("display"),
        cpus: f.int("cpus"),
        memory: f.bytes("memory"),
      };
    });
  return { profiles, diagnostics, sources: r.document.sources };
}

/** Merge `over` onto `base`: every attribute `over` sets wins. */
function overlay(base: Profile | undefined, over: Profile): Profile {
  if (base === undefined) return over;
  const pick = <K extends keyof Profile>(k: K): Profile[K] => (over[k] !== undefined ? over[k] : base[k]);
  return {
    name: over.name,
    machine: pick("machine"),
    firmware: pick("firmware"),
    secureBoot: pick("secureBoot"),
    tpm: pick("tpm"),
    diskBus: pick("diskBus"),
    nic: pick("nic"),
    display: pick("display"),
    cpus: pick("cpus"),
    memory: pick("memory"),
  };
}

/** The shipped set overlaid with user files (in the order given; sort them by name for determinism). */
export function loadProfiles(userFiles: readonly { readonly path: string; readonly text: string }[]): ProfileSet {
  const map = new Map<string, Profile>();
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  for (const f of [{ path: SHIPPED_PROFILES_FILE, text: SHIPPED_PROFILES_WCL }, ...userFiles]) {
    const r = parseProfiles(f.text, f.path);
    diagnostics.push(...r.diagnostics);
    for (const [k, v] of r.sources) sources.set(k, v);
    for (const p of r.profiles) if (p.name !== "") map.set(p.name, overlay(map.get(p.name), p));
  }
  return { profiles: map, diagnostics, sources };
}
