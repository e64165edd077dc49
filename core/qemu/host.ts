/**
 * What this host offers: QEMU emulators and their versions, qemu-img, and
 * the optional tools vmlab uses for particular features (with the Debian
 * package that provides each). Used by `vmlab doctor` and for clear errors
 * when a feature's tool is missing.
 */
import { existsSync } from "node:fs";

/** An optional helper tool and the feature that needs it. */
export interface OptionalTool {
  readonly name: string;
  readonly feature: string;
  readonly pkg: string;
  /** Alternative locations checked when the tool is not on PATH. */
  readonly paths?: readonly string[];
}

export const OPTIONAL_TOOLS: readonly OptionalTool[] = [
  { name: "tesseract", feature: "OCR (screen text matching)", pkg: "tesseract-ocr" },
  { name: "smbd", feature: "shared folders (SMB)", pkg: "samba", paths: ["/usr/sbin/smbd"] },
  { name: "swtpm", feature: "TPM emulation", pkg: "swtpm" },
  { name: "OVMF_CODE.fd", feature: "UEFI firmware", pkg: "ovmf", paths: ["/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_CODE_4M.fd"] },
  { name: "AAVMF_CODE.fd", feature: "UEFI firmware for aarch64 guests", pkg: "qemu-efi-aarch64", paths: ["/usr/share/AAVMF/AAVMF_CODE.fd"] },
  { name: "xorriso", feature: "ISO authoring fallback", pkg: "xorriso" },
  { name: "zstd", feature: "template archives (external compressor)", pkg: "zstd" },
];

/** Emulators vmlab can drive. */
export const EMULATORS = ["qemu-system-x86_64", "qemu-system-aarch64"] as const;

export interface ToolStatus {
  readonly name: string;
  readonly path: string | null;
  readonly version: string | null;
}

/** Locate a tool on PATH or at one of its known locations. */
export function locate(name: string, paths: readonly string[] = []): string | null {
  const onPath = Bun.which(name) ?? Bun.which(name, { PATH: "/usr/sbin:/sbin:/usr/local/sbin" });
  if (onPath) return onPath;
  return paths.find((p) => existsSync(p)) ?? null;
}

/** First line of `<tool> --version` with the version number extracted. */
export function toolVersion(path: string): string | null {
  try {
    const p = Bun.spawnSync([path, "--version"], { stdout: "pipe", stderr: "pipe", stdin: "ignore", timeout: 5_000 });
    const text = `${p.stdout.toString()}\n${p.stderr.toString()}`;
    const m = /version\s+v?([0-9][^\s,)]*)/i.exec(text) ?? /\b([0-9]+\.[0-9]+(?:\.[0-9]+)?)\b/.exec(text);
    return m?.[1] ?? null;
  } catch {
    return null;
  }
}

export function emulatorStatus(): ToolStatus[] {
  return EMULATORS.map((name) => {
    const path = locate(name);
    return { name, path, version: path ? toolVersion(path) : null };
  });
}

/** qemu-img, required. */
export function qemuImgStatus(): ToolStatus {
  const path = locate("qemu-img");
  return { name: "qemu-img", path, version: path ? toolVersion(path) : null };
}
