/**
 * Hardware precedence: VM block > template metadata > profile > defaults
 * (PRD §5.2, §5.3). The one place this rule lives.
 *
 * `resolveHardware` takes each layer as a partial record and returns every
 * setting with the layer it came from, so errors can say "secure_boot comes
 * from profile windows-11". `scratch` VMs pass no template layer (§6.5).
 */
import type { Hardware } from "./model.ts";
import type { Profile } from "./profiles.ts";

/** Everything a VM's hardware resolves to. */
export interface ResolvedHardware {
  readonly machine: string;
  readonly firmware: "ovmf" | "seabios";
  readonly secureBoot: boolean;
  readonly tpm: boolean;
  readonly diskBus: string;
  readonly nic: string;
  readonly display: string;
  readonly cpus: number;
  readonly memory: number;
}

export type Layer = "vm" | "template" | "profile" | "default";

/** The floor when no layer sets a value. */
export const DEFAULT_HARDWARE: ResolvedHardware = {
  machine: "q35",
  firmware: "seabios",
  secureBoot: false,
  tpm: false,
  diskBus: "virtio",
  nic: "virtio-net-pci",
  display: "std",
  cpus: 1,
  memory: 1024 * 1024 * 1024,
};

/** A layer's settings: hardware attributes plus profile-only ones. */
export type HardwareLayer = Partial<Hardware> & Partial<Pick<Profile, "machine" | "diskBus" | "nic">>;

export interface Resolution {
  readonly hardware: ResolvedHardware;
  /** Which layer supplied each setting. */
  readonly from: { readonly [K in keyof ResolvedHardware]: Layer };
}

export function resolveHardware(vm: HardwareLayer, template: HardwareLayer | undefined, profile: HardwareLayer | undefined): Resolution {
  const layers: readonly [Layer, HardwareLayer | undefined][] = [
    ["vm", vm],
    ["template", template],
    ["profile", profile],
  ];
  const hardware: Record<string, unknown> = {};
  const from: Record<string, Layer> = {};
  for (const key of Object.keys(DEFAULT_HARDWARE) as (keyof ResolvedHardware)[]) {
    const hit = layers.find(([, l]) => l !== undefined && l[key] !== undefined);
    hardware[key] = hit ? (hit[1] as HardwareLayer)[key] : DEFAULT_HARDWARE[key];
    from[key] = hit ? hit[0] : "default";
  }
  return { hardware: hardware as unknown as ResolvedHardware, from: from as unknown as Resolution["from"] };
}
