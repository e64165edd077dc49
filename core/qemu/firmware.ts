/**
 * Firmware discovery: SeaBIOS (built into QEMU) or OVMF (Debian `ovmf`), with
 * or without Secure Boot (PRD §5.2, §5.3; DESIGN §3 `core/qemu/firmware`).
 *
 * Contract: `findOvmf(secureBoot)` looks for a CODE/VARS pair in the places
 * Debian installs them and returns undefined when none is there, so the
 * config layer can report a missing package at validate time
 * (`firmwareProblem`) and the lab daemon can prepare a VM (`prepareFirmware`).
 * OVMF's variable store is writable and per VM: the first boot copies the
 * pristine VARS template into the VM's folder in `.vmlab/`, later boots keep
 * it (boot entries, enrolled keys). Secure Boot uses the `secboot` CODE build
 * with Debian's `.ms` VARS, whose Microsoft and distribution keys are already
 * enrolled, so a signed loader boots and an unsigned one is refused.
 *
 * Leaves out: aarch64 (AAVMF) — the x86_64 guests are what is tested here.
 */
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Firmware } from "./spec.ts";

/** Where Debian's `ovmf` package installs its images. */
export const OVMF_DIRS = ["/usr/share/OVMF"] as const;
/** The Debian package that ships OVMF. */
export const OVMF_PACKAGE = "ovmf";
/** The file a VM's writable variable store is copied to, inside its `.vmlab/vms/<vm>/`. */
export const VARS_FILE = "OVMF_VARS.fd";

export interface OvmfPair {
  /** Read-only firmware code. */
  readonly code: string;
  /** Pristine variable store, copied once per VM. */
  readonly varsTemplate: string;
}

/** CODE/VARS file names, best first: the 4 MiB builds, then the 2 MiB ones. */
const PAIRS: Record<"plain" | "secure", readonly (readonly [string, string])[]> = {
  plain: [
    ["OVMF_CODE_4M.fd", "OVMF_VARS_4M.fd"],
    ["OVMF_CODE.fd", "OVMF_VARS.fd"],
  ],
  secure: [
    ["OVMF_CODE_4M.secboot.fd", "OVMF_VARS_4M.ms.fd"],
    ["OVMF_CODE.secboot.fd", "OVMF_VARS.ms.fd"],
  ],
};

/** The OVMF pair to use, or undefined when it is not installed. */
export function findOvmf(secureBoot: boolean, dirs: readonly string[] = OVMF_DIRS, exists: (p: string) => boolean = existsSync): OvmfPair | undefined {
  for (const dir of dirs) {
    for (const [code, vars] of PAIRS[secureBoot ? "secure" : "plain"]) {
      const pair = { code: join(dir, code), varsTemplate: join(dir, vars) };
      if (exists(pair.code) && exists(pair.varsTemplate)) return pair;
    }
  }
  return undefined;
}

/** What is wrong with asking for this firmware on this host, or undefined. */
export function firmwareProblem(
  firmware: "ovmf" | "seabios",
  secureBoot: boolean,
  exists: (p: string) => boolean = existsSync,
): { readonly message: string; readonly package: string } | undefined {
  if (firmware === "seabios") {
    return secureBoot ? { message: "secure boot needs OVMF firmware, but the firmware is seabios", package: OVMF_PACKAGE } : undefined;
  }
  if (findOvmf(secureBoot, OVMF_DIRS, exists)) return undefined;
  return {
    message: `OVMF firmware${secureBoot ? " with secure boot" : ""} is not installed (no ${PAIRS[secureBoot ? "secure" : "plain"].map(([c]) => c).join(" or ")} in ${OVMF_DIRS.join(", ")})`,
    package: OVMF_PACKAGE,
  };
}

/**
 * The firmware QEMU boots for a VM whose folder is `vmDir`: SeaBIOS, or OVMF
 * with the VM's own writable copy of the variable store (made on first use).
 * Throws a plain Error naming the package when OVMF is missing.
 */
export function prepareFirmware(kind: "bios" | "uefi", secureBoot: boolean, vmDir: string): Firmware {
  if (kind === "bios") return { kind: "bios" };
  const pair = findOvmf(secureBoot);
  if (!pair) throw new Error(`cannot start with UEFI firmware${secureBoot ? " and secure boot" : ""}: OVMF is not installed (apt-get install ${OVMF_PACKAGE})`);
  mkdirSync(vmDir, { recursive: true });
  const vars = join(vmDir, secureBoot ? `secure-${VARS_FILE}` : VARS_FILE);
  if (!existsSync(vars)) copyFileSync(pair.varsTemplate, vars);
  return { kind: "uefi", code: pair.code, vars, secureBoot };
}
