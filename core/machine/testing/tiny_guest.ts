/**
 * A ready-made VM spec for the tiny test guest (scripts/tiny-template.ts),
 * used by integration tests, the boot benchmark and the pre-lifecycle demo.
 * Each call gets its own linked clone and runtime folder, so runs coexist.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chooseAccel, fallbackWarning } from "../../qemu/accel.ts";
import { createLinkedClone } from "../../qemu/img.ts";
import type { NicSpec, QemuVmSpec } from "../../qemu/spec.ts";

/** The tiny template's path: $VMLAB_TINY_TEMPLATE, or build/find it in the cache. */
export async function tinyTemplatePath(): Promise<string> {
  const fromEnv = process.env.VMLAB_TINY_TEMPLATE;
  if (fromEnv) return fromEnv;
  const { tinyTemplate } = await import("../../../scripts/tiny-template.ts");
  return tinyTemplate();
}

export interface TinyGuest {
  readonly spec: QemuVmSpec;
  readonly dir: string;
  /** Remove the clone and runtime files. */
  cleanup(): void;
}

/** A fresh linked clone of the tiny template with sockets in a temp folder. */
export function tinyGuest(template: string, opts: { name?: string; nics?: readonly NicSpec[]; memoryMiB?: number; quietAccel?: boolean } = {}): TinyGuest {
  // Unix socket paths are limited to 108 bytes: keep the folder short.
  const dir = mkdtempSync(join(tmpdir(), "vmt-"));
  mkdirSync(dir, { recursive: true });
  const disk = join(dir, "disk.qcow2");
  createLinkedClone(template, disk);
  const accel = chooseAccel("x86_64", {
    onFallback: (d) => {
      if (!opts.quietAccel) process.stderr.write(fallbackWarning(d) + "\n");
    },
  });
  const spec: QemuVmSpec = {
    name: opts.name ?? "tiny",
    arch: "x86_64",
    accel: accel.accel,
    machine: "pc",
    cpus: 1,
    memoryMiB: opts.memoryMiB ?? 256,
    firmware: { kind: "bios" },
    disks: [{ path: disk, format: "qcow2", interface: "virtio", bootIndex: 0 }],
    cdroms: [],
    nics: opts.nics ?? [],
    vga: "std",
    usbTablet: false,
    guestAgent: true,
    rtc: "utc",
    paths: {
      qmpSocket: join(dir, "qmp.sock"),
      agentSocket: join(dir, "qga.sock"),
      vncSocket: join(dir, "vnc.sock"),
      serialLog: join(dir, "serial.log"),
    },
  };
  return { spec, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
