/**
 * A VM's removable media and extra disks, made ready before QEMU starts
 * (PRD §5.2, §6.3).
 *
 * `media {}` folders are built into images in the lab's content-addressed
 * cache (`.vmlab/media/`, see core/media): an unchanged folder costs a stat
 * per file. ISO media become CD-ROMs after the VM's own `cdrom`; floppy
 * media become drives after its own `floppy` (two drives at most).
 *
 * Extra disks: a blank `size` disk is a qcow2 in the VM's folder, created
 * once; a `from` disk is a qcow2 overlay on the cached FAT image (MBR, one
 * partition) — the cached image is never written. The overlay is kept
 * across `up`s while the folder is unchanged, and recreated (the guest's
 * writes to it dropped) when the folder changes: the folder is the source
 * of truth.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildMedium } from "../../media/mod.ts";
import { createImage, createLinkedClone } from "../../qemu/img.ts";
import type { CdromSpec, DiskSpec, FloppySpec } from "../../qemu/spec.ts";
import { CodedError } from "../../errors/mod.ts";
import type { VmPlan } from "../protocol.ts";

export interface VmMedia {
  readonly cdroms: CdromSpec[];
  readonly floppies: FloppySpec[];
  readonly disks: DiskSpec[];
}

type Report = (msg: string) => void;

/** Build (or reuse) every medium of `plan` and create its extra disks. */
export async function prepareVmMedia(plan: VmPlan, labWork: string, vmDir: string, report: Report): Promise<VmMedia> {
  const cache = join(labWork, "media");
  // After the disk: a blank disk (scratch VMs, ISO builds) falls through to the installer CD.
  const cdroms: CdromSpec[] = plan.cdrom ? [{ path: plan.cdrom, bootIndex: 1 }] : [];
  const floppies: FloppySpec[] = plan.floppy ? [{ path: plan.floppy }] : [];
  for (const m of plan.media ?? []) {
    const t0 = performance.now();
    const built = await buildMedium(cache, { kind: m.kind, from: m.from, ...(m.label !== undefined ? { label: m.label } : {}) });
    report(
      `${plan.name}: ${m.kind} from ${m.from} ${built.reused ? "unchanged, reused" : `built in ${Math.round(performance.now() - t0)} ms`} (${built.path})`,
    );
    if (m.kind === "iso") cdroms.push({ path: built.path });
    else floppies.push({ path: built.path, readOnly: true });
  }
  if (floppies.length > 2) {
    throw new CodedError("vm.start_failed", `VM ${plan.name} has ${floppies.length} floppies; a PC has two floppy drives`, {
      subject: plan.name,
      hint: 'Merge the floppy folders, or use `media { kind = "iso" }` for some of them.',
    });
  }
  const disks: DiskSpec[] = [];
  mkdirSync(vmDir, { recursive: true });
  for (const d of plan.extraDisks ?? []) {
    const path = join(vmDir, `disk-${d.name}.qcow2`);
    if (d.from === undefined) {
      if (!existsSync(path)) createImage(path, d.sizeBytes ?? 0);
    } else {
      const built = await buildMedium(cache, {
        kind: "disk",
        from: d.from,
        label: d.name.slice(0, 11),
        ...(d.sizeBytes !== undefined ? { sizeBytes: d.sizeBytes } : {}),
      });
      const keyFile = `${path}.key`;
      const current = existsSync(keyFile) ? readFileSync(keyFile, "utf8") : "";
      if (!existsSync(path) || current !== built.key) {
        rmSync(path, { force: true });
        createLinkedClone(built.path, path, { backingFormat: "raw" });
        writeFileSync(keyFile, built.key);
        report(`${plan.name}: disk "${d.name}" made from ${d.from}${built.reused ? "" : " (image built)"}`);
      }
    }
    disks.push({ path, format: "qcow2", interface: "virtio" });
  }
  return { cdroms, floppies, disks };
}
