/**
 * Accelerator choice: does KVM really run a guest here?
 *
 * Theory of operation (DESIGN §5): `/dev/kvm` existing and opening is not
 * enough — on some hosts (nested virtualisation without full support) KVM
 * starts, then the guest dies in an "emulation failure" inside the firmware
 * or hangs after the kernel is decompressed. So vmlab boots a probe guest
 * under KVM: SeaBIOS loads a 512-byte boot sector from a virtio-blk disk (the
 * same firmware path a real guest takes, which is where broken hosts fail),
 * and the boot sector writes to an `isa-debug-exit` port, which makes QEMU
 * exit with a known status. Anything else — an internal KVM error on stderr,
 * a different status, or no exit within the deadline — means KVM is not
 * usable, and vmlab falls back to TCG with one loud warning.
 *
 * The verdict is cached per host boot (keyed by `/proc/sys/kernel/random/boot_id`
 * and the QEMU binary's version) in `$XDG_CACHE_HOME/vmlab/accel.json`.
 * `VMLAB_ACCEL=kvm|tcg` forces a choice without probing.
 *
 * `decideAccel` is the pure decision; `probeKvm` the side-effecting probe.
 */
import { accessSync, constants, existsSync, statSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, mkdtempSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import type { Accel } from "./spec.ts";

/** How long the probe guest gets to reach its exit port. Healthy KVM needs well under a second. */
export const PROBE_TIMEOUT_MS = 8_000;
/** The value the probe writes to the debug-exit port; QEMU exits with (v << 1) | 1. */
const PROBE_EXIT_VALUE = 0x31;
const PROBE_EXIT_STATUS = (PROBE_EXIT_VALUE << 1) | 1;
const DEBUG_EXIT_PORT = 0xf4;

/**
 * The probe's boot sector: `mov al, 0x31; out 0xf4, al; cli; hlt; jmp $-2`,
 * padded to 510 bytes and ending in the 0x55AA boot signature.
 */
export function probeBootSector(): Uint8Array {
  const sector = new Uint8Array(512);
  sector.set([0xb0, PROBE_EXIT_VALUE, 0xe6, DEBUG_EXIT_PORT, 0xfa, 0xf4, 0xeb, 0xfd], 0);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface AccelInputs {
  /** The value of VMLAB_ACCEL, if set. */
  readonly forced?: string | undefined;
  /** Host architecture matches the guest's (KVM cannot cross architectures). */
  readonly sameArch: boolean;
  /** `/dev/kvm` exists and is readable and writable by this user. */
  readonly kvmUsable: boolean;
  /** The probe verdict; only consulted when everything above allows KVM. */
  readonly probe: () => ProbeResult;
}

export interface AccelDecision {
  readonly accel: Accel;
  /** Why; shown by `vmlab doctor` and in the fallback warning. */
  readonly reason: string;
  /** True when KVM looked available but was rejected: warn loudly. */
  readonly fellBack: boolean;
}

/** Decide between KVM and TCG. Pure apart from calling `inputs.probe`. */
export function decideAccel(inputs: AccelInputs): AccelDecision {
  const forced = inputs.forced?.trim().toLowerCase();
  if (forced === "kvm" || forced === "tcg") {
    return { accel: forced, reason: `forced by VMLAB_ACCEL=${forced}`, fellBack: false };
  }
  if (forced) {
    return { accel: "tcg", reason: `VMLAB_ACCEL=${inputs.forced} is not kvm or tcg; using tcg`, fellBack: false };
  }
  if (!inputs.sameArch) return { accel: "tcg", reason: "guest architecture differs from the host", fellBack: false };
  if (!inputs.kvmUsable) return { accel: "tcg", reason: "/dev/kvm is missing or not accessible", fellBack: false };
  const p = inputs.probe();
  if (p.ok) return { accel: "kvm", reason: "KVM ran the probe guest", fellBack: false };
  return { accel: "tcg", reason: `/dev/kvm is present but ${p.reason}`, fellBack: true };
}

/** Is /dev/kvm present and open-able for read/write? */
export function kvmDeviceUsable(path = "/dev/kvm"): boolean {
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Boot the probe guest under KVM. Synchronous; bounded by PROBE_TIMEOUT_MS. */
export function probeKvm(qemuBinary = "qemu-system-x86_64"): ProbeResult {
  const dir = mkdtempSync(join(tmpdir(), "vmlab-kvm-probe-"));
  try {
    const disk = join(dir, "probe.img");
    writeFileSync(disk, probeBootSector());
    // setpriv --pdeathsig: if vmlab is killed mid-probe, the probe guest dies too.
    const setpriv = Bun.which("setpriv");
    const wrapper = setpriv ? [setpriv, "--pdeathsig", "KILL", "--"] : [];
    const p = Bun.spawnSync(
      [
        ...wrapper,
        qemuBinary,
        "-accel",
        "kvm",
        "-nodefaults",
        "-no-user-config",
        "-display",
        "none",
        "-m",
        "32M",
        "-device",
        `isa-debug-exit,iobase=0x${DEBUG_EXIT_PORT.toString(16)},iosize=1`,
        "-drive",
        `file=${disk},format=raw,if=virtio,readonly=on`,
      ],
      { stdout: "ignore", stderr: "pipe", stdin: "ignore", timeout: PROBE_TIMEOUT_MS, killSignal: "SIGKILL" },
    );
    const stderr = p.stderr.toString();
    if (p.exitCode === PROBE_EXIT_STATUS) return { ok: true };
    if (/KVM internal error|emulation failure/i.test(stderr)) {
      return { ok: false, reason: "KVM failed to emulate the probe guest (KVM internal error)" };
    }
    if (p.signalCode || p.exitCode === null) {
      return { ok: false, reason: `the probe guest did not finish within ${PROBE_TIMEOUT_MS / 1000} s under KVM` };
    }
    const first = stderr.split("\n").find((l) => l && !l.includes("warning:")) ?? `exit status ${p.exitCode}`;
    return { ok: false, reason: `KVM could not start the probe guest (${first.trim()})` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The probe cache on disk: read with zod, so a damaged or foreign file is re-probed, never trusted. */
const CacheEntrySchema = z.object({
  bootId: z.string(),
  qemu: z.string(),
  decision: z.object({ accel: z.enum(["kvm", "tcg"]), reason: z.string(), fellBack: z.boolean() }),
  probedAt: z.string(),
});
type CacheEntry = z.infer<typeof CacheEntrySchema>;

function cacheFile(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "vmlab", "accel.json");
}

function bootId(): string {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return "unknown";
  }
}

/** Path, size and mtime of the emulator: a new QEMU install invalidates the cached verdict. */
function binaryIdentity(binary: string): string {
  const path = binary.includes("/") ? binary : (Bun.which(binary) ?? binary);
  try {
    const st = statSync(path);
    return `${path}:${st.size}:${Math.floor(st.mtimeMs)}`;
  } catch {
    return path;
  }
}

function hostArch(): string {
  return process.arch === "x64" ? "x86_64" : process.arch === "arm64" ? "aarch64" : process.arch;
}

/**
 * The accelerator for a guest of `arch`, probing at most once per host boot.
 * `onFallback` is called (once per call that decides) when KVM was rejected.
 */
export function chooseAccel(arch: string, opts: { qemuBinary?: string; onFallback?: (d: AccelDecision) => void; noCache?: boolean } = {}): AccelDecision {
  const forced = process.env.VMLAB_ACCEL;
  const sameArch = arch === hostArch();
  const key = { bootId: bootId(), qemu: binaryIdentity(opts.qemuBinary ?? "qemu-system-x86_64") };
  let cached: CacheEntry | undefined;
  if (!forced && sameArch && !opts.noCache && existsSync(cacheFile())) {
    try {
      const c = CacheEntrySchema.safeParse(JSON.parse(readFileSync(cacheFile(), "utf8")));
      if (c.success && c.data.bootId === key.bootId && c.data.qemu === key.qemu) cached = c.data;
    } catch {
      // A corrupt cache is re-probed.
    }
  }
  const decision =
    cached?.decision ??
    decideAccel({
      forced,
      sameArch,
      kvmUsable: kvmDeviceUsable(),
      probe: () => probeKvm(opts.qemuBinary),
    });
  if (!cached && !forced && sameArch && !opts.noCache && kvmDeviceUsable()) {
    const entry: CacheEntry = { ...key, decision, probedAt: new Date().toISOString() };
    try {
      mkdirSync(dirname(cacheFile()), { recursive: true });
      const tmp = `${cacheFile()}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(entry, null, 2));
      renameSync(tmp, cacheFile());
    } catch {
      // Caching is an optimisation only.
    }
  }
  if (decision.fellBack) opts.onFallback?.(decision);
  return decision;
}

/** The one loud warning printed when KVM is rejected. */
export function fallbackWarning(d: AccelDecision): string {
  return `warning: ${d.reason}; falling back to TCG (software emulation) — guests will run much slower. Set VMLAB_ACCEL=kvm to force KVM or VMLAB_ACCEL=tcg to silence this.`;
}
