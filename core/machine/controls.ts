/**
 * One VM's automation surface in one object: keyboard, mouse, screen and snapshots
 * wired to its QMP session — what the lab daemon hands to a script's `Vm` handle.
 *
 * Contract: `machineControls(machine, opts)` creates nothing in QEMU and owns no
 * process; it only binds the helpers to `machine.qmp` and to folders: QEMU writes its
 * screendumps to `scratchDir` (default: the folder of the VM's QMP socket, which QEMU
 * can write), screenshots and timeout evidence go to `screenshotDir`
 * (`.vmlab/screenshots/` in a lab), relative reference images resolve against
 * `imageRoot` (the lab root). The mouse scales to the size of a fresh screendump.
 */
import { dirname } from "node:path";
import type { Clock } from "../clock/mod.ts";
import type { QmpExecutor } from "../qmp/commands.ts";
import type { QemuVmSpec } from "../qemu/spec.ts";
import type { OcrEngine } from "../vision/mod.ts";
import { Keyboard } from "./keyboard.ts";
import { Mouse } from "./mouse.ts";
import type { Backoff } from "./poll.ts";
import { Screen } from "./screen.ts";
import { QmpScreenSource } from "./screen_source.ts";
import { LiveSnapshots } from "./snapshots.ts";
import { OfflineSnapshots } from "./snapshots_offline.ts";

/** Folders and engines for `machineControls`. */
export interface ControlsOptions {
  readonly scratchDir?: string;
  readonly screenshotDir?: string;
  readonly imageRoot?: string;
  readonly ocrEngine?: OcrEngine;
  readonly clock?: Clock;
  readonly backoff?: Backoff;
  /** Per-job limit of snapshot jobs. */
  readonly snapshotTimeoutMs?: number;
}

/** The automation helpers of one VM. */
export interface MachineControls {
  readonly keyboard: Keyboard;
  readonly mouse: Mouse;
  readonly screen: Screen;
  readonly snapshots: LiveSnapshots;
  /** Disk-only snapshots of the first disk, for when the VM is stopped. */
  readonly offlineSnapshots: OfflineSnapshots | undefined;
}

/** Binds keyboard, mouse, screen and snapshots to a running machine. */
export function machineControls(machine: { readonly spec: QemuVmSpec; readonly qmp: QmpExecutor }, opts: ControlsOptions = {}): MachineControls {
  const vm = machine.spec.name;
  const clock = opts.clock === undefined ? {} : { clock: opts.clock };
  const source = new QmpScreenSource(machine.qmp, vm, opts.scratchDir ?? dirname(machine.spec.paths.qmpSocket));
  const screen = new Screen(vm, {
    source,
    ...clock,
    ...(opts.ocrEngine === undefined ? {} : { ocrEngine: opts.ocrEngine }),
    ...(opts.screenshotDir === undefined ? {} : { screenshotDir: opts.screenshotDir }),
    ...(opts.imageRoot === undefined ? {} : { imageRoot: opts.imageRoot }),
    ...(opts.backoff === undefined ? {} : { backoff: opts.backoff }),
  });
  const disk = machine.spec.disks.find((d) => d.format === "qcow2" && !d.readOnly);
  return {
    keyboard: new Keyboard(machine.qmp, vm, clock),
    mouse: new Mouse(machine.qmp, vm, { ...clock, screenSize: () => screen.size() }),
    screen,
    snapshots: new LiveSnapshots(machine.qmp, vm, { ...clock, ...(opts.snapshotTimeoutMs === undefined ? {} : { timeoutMs: opts.snapshotTimeoutMs }) }),
    offlineSnapshots: disk === undefined ? undefined : new OfflineSnapshots(disk.path, vm),
  };
}
