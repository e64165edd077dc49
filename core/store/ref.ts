/**
 * Template references: `<arch>/<name>[@<version>]`, `scratch`, or an OCI
 * registry reference — and version ordering.
 *
 * Contract: `parseTemplateRef` never throws; a malformed reference is a
 * result with a reason and a hint. Arch is mandatory and never inferred
 * (PRD §6.2); `scratch` is the reserved no-backing-image template (§6.5); a
 * reference whose first path component looks like a host (`ghcr.io/…`,
 * `localhost:5000/…`) is a registry reference (§6.4), which needs an explicit
 * `arch` beside it. `compareVersions` orders `1.10` after `1.9`.
 */

/** Architectures vmlab can run (each selects `qemu-system-<arch>`). */
export const KNOWN_ARCHES: readonly string[] = ["x86_64", "i386", "aarch64", "arm", "riscv64", "riscv32", "ppc", "ppc64", "s390x", "mips64el", "loongarch64"];

/** The reserved pseudo-template name. */
export const SCRATCH = "scratch";

export type TemplateRef =
  | { readonly kind: "store"; readonly arch: string; readonly name: string; readonly version: string | undefined }
  | { readonly kind: "scratch" }
  | { readonly kind: "registry"; readonly reference: string };

export type RefResult =
  | { readonly ok: true; readonly ref: TemplateRef }
  | {
      readonly ok: false;
      readonly code: "config.archless_template_ref" | "config.invalid_template_ref" | "config.unknown_arch";
      readonly reason: string;
      readonly hint: string;
    };

const NAME = /^[a-z0-9][a-z0-9._-]*$/i;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

export function parseTemplateRef(text: string): RefResult {
  if (text === SCRATCH) return { ok: true, ref: { kind: "scratch" } };
  const parts = text.split("/");
  const first = parts[0] ?? "";
  if (parts.length >= 2 && (first.includes(".") || first.includes(":") || first === "localhost")) {
    return { ok: true, ref: { kind: "registry", reference: text } };
  }
  if (parts.length === 1) {
    const name = text.split("@")[0] ?? text;
    return {
      ok: false,
      code: "config.archless_template_ref",
      reason: `template reference "${text}" has no architecture`,
      hint: `write "<arch>/${name}", e.g. "x86_64/${name}" — arch is never inferred`,
    };
  }
  if (parts.length !== 2) {
    return {
      ok: false,
      code: "config.invalid_template_ref",
      reason: `template reference "${text}" is not <arch>/<name>[@<version>]`,
      hint: "registry references start with a host, e.g. ghcr.io/owner/name:1.0",
    };
  }
  const arch = first;
  const [name = "", version, ...extra] = (parts[1] ?? "").split("@");
  if (!KNOWN_ARCHES.includes(arch)) {
    return {
      ok: false,
      code: "config.unknown_arch",
      reason: `unknown architecture "${arch}" in template reference "${text}"`,
      hint: `known: ${KNOWN_ARCHES.join(", ")}`,
    };
  }
  if (!NAME.test(name) || extra.length > 0 || (version !== undefined && !VERSION.test(version))) {
    return {
      ok: false,
      code: "config.invalid_template_ref",
      reason: `template reference "${text}" is not <arch>/<name>[@<version>]`,
      hint: 'e.g. "x86_64/linux-modern" or "x86_64/windows-11@26100.1"',
    };
  }
  return { ok: true, ref: { kind: "store", arch, name, version } };
}

/** Canonical text of a reference. */
export function formatTemplateRef(ref: TemplateRef): string {
  switch (ref.kind) {
    case "scratch":
      return SCRATCH;
    case "registry":
      return ref.reference;
    case "store":
      return `${ref.arch}/${ref.name}${ref.version === undefined ? "" : `@${ref.version}`}`;
  }
}

/**
 * Order two version strings: split on `.`, `-`, `+`, `_`; numeric pieces
 * compare as numbers and sort before alphabetic ones; a version that is a
 * prefix of another is older (`1.2` < `1.2.1`).
 */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.\-+_]/);
  const pb = b.split(/[.\-+_]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return Math.sign(d);
    } else if (nx !== ny) {
      return nx ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** The highest of `versions`, or undefined for an empty list. */
export function highestVersion(versions: readonly string[]): string | undefined {
  return [...versions].sort(compareVersions).at(-1);
}
