/**
 * `LabHandle` / `VmHandle` over plain `Machine`s, without a lab daemon: what
 * integration tests use, and a reference for the lab daemon's own implementation
 * (which adds events, the lease table and the network fabric).
 *
 * Contract (see handle.ts for the shared rules):
 *  - `MachineVm` owns at most one running `Machine` for its `QemuVmSpec`. Given a
 *    running machine it adopts it; `start()` boots a new one from the spec (a no-op
 *    while it runs). QEMU exiting on its own makes the VM `stopped`.
 *  - `stop()` is the ladder: agent `guest-shutdown` → ACPI power button → kill, each
 *    with its own deadline; `stopForce()` kills at once.
 *  - `ip(nic)` asks the guest agent for the IPv4 address of the interface whose MAC is
 *    that of the spec's NIC `nic` (no lease table here).
 *  - Snapshots: online through QMP while running, offline with qemu-img on the clone
 *    while stopped. `restore` of an online snapshot boots a stopped VM first, so it ends
 *    running; restoring an offline one stops a running VM first, so it ends stopped.
 *  - Segments: none of its own; a caller may pass `SegmentHandle`s.
 */
import { createReadStream, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { writeHostFile } from "../fs/host_sink.ts";
import { assertReplaceable } from "../fs/replace.ts";
import { CodedError } from "../errors/mod.ts";
import { machineControls, type MachineControls } from "../machine/controls.ts";
import { Machine, type MachineStartOptions } from "../machine/machine.ts";
import type { ScreenMatch } from "../machine/screen_match.ts";
import { OfflineSnapshots } from "../machine/snapshots_offline.ts";
import type { QgaClient } from "../qga/mod.ts";
import { withDeadline } from "../qemu/process.ts";
import type { QemuVmSpec } from "../qemu/spec.ts";
import type { OcrEngine } from "../vision/mod.ts";
import type { GuestExecResult, LabHandle, ScreenRegion, SegmentHandle, VmHandle, VmPowerState } from "./handle.ts";

/** Rung 1 of the stop ladder: wait after the agent's guest-shutdown. */
export const AGENT_SHUTDOWN_WAIT_MS = 30_000;
/** Rung 2: wait after the ACPI power button. */
export const ACPI_SHUTDOWN_WAIT_MS = 30_000;
/** How long `isReady` waits for the agent's answer. */
export const READY_PROBE_MS = 1_000;
/** Best-effort agent re-sync after a snapshot restore. */
const RESYNC_AFTER_RESTORE_MS = 5_000;
/** How long QMP `stop`/`cont` may take (they answer at once on a healthy QEMU). */
const PAUSE_TIMEOUT_MS = 10_000;

/** Folders and engines shared by the VMs of a `MachineLab`. */
export interface MachineVmOptions {
  /** Auto-named screenshots and timeout evidence (default `<root>/.vmlab/screenshots`). */
  readonly screenshotDir?: string;
  /** Base of relative reference images (the lab root). */
  readonly imageRoot?: string;
  readonly ocrEngine?: OcrEngine;
  readonly startOptions?: MachineStartOptions;
}

const decoder = new TextDecoder();

/** A failed VM operation: names the VM and the action, keeps the cause's code and hint. */
export class VmOperationError extends CodedError {
  override readonly name = "VmOperationError";
  constructor(vm: string, action: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    const coded = cause instanceof CodedError ? cause : undefined;
    super(coded?.code ?? "vm.operation_failed", `cannot ${action} on VM ${vm}: ${why}`, {
      subject: vm,
      cause,
      ...(coded?.hint === undefined ? {} : { hint: coded.hint }),
    });
  }
}

/** One VM: a spec and, while it runs, its machine. */
export class MachineVm implements VmHandle {
  readonly spec: QemuVmSpec;
  readonly #opts: MachineVmOptions;
  #machine: Machine | undefined;
  #controls: MachineControls | undefined;
  #state: VmPowerState = "stopped";

  constructor(spec: QemuVmSpec, machine: Machine | undefined, opts: MachineVmOptions = {}) {
    this.spec = spec;
    this.#opts = opts;
    if (machine?.process.running) this.#adopt(machine);
  }

  get name(): string {
    return this.spec.name;
  }

  /** The running machine, if any. */
  get machine(): Machine | undefined {
    return this.#machine;
  }

  state(): VmPowerState {
    return this.#state;
  }

  #adopt(m: Machine): void {
    this.#machine = m;
    this.#controls = undefined;
    this.#state = "running";
    void m.process.exited.then(() => {
      if (this.#machine !== m) return;
      this.#machine = undefined;
      this.#controls = undefined;
      this.#state = "stopped";
      void m.close();
    });
  }

  #running(action: string): Machine {
    const m = this.#machine;
    if (!m || this.#state !== "running") throw new Error(`Cannot ${action} on VM ${this.name}: it is ${this.#state}`);
    return m;
  }

  #ctl(action: string): MachineControls {
    const m = this.#running(action);
    this.#controls ??= machineControls(m, {
      ...(this.#opts.screenshotDir === undefined ? {} : { screenshotDir: this.#opts.screenshotDir }),
      ...(this.#opts.imageRoot === undefined ? {} : { imageRoot: this.#opts.imageRoot }),
      ...(this.#opts.ocrEngine === undefined ? {} : { ocrEngine: this.#opts.ocrEngine }),
    });
    return this.#controls;
  }

  // Lifecycle

  async start(): Promise<void> {
    if (this.#state === "running") return;
    if (this.#state !== "stopped") throw new Error(`Cannot start VM ${this.name}: it is ${this.#state}`);
    this.#state = "starting";
    try {
      this.#adopt(await Machine.start(this.spec, this.#opts.startOptions));
    } catch (e) {
      this.#state = "stopped";
      throw e;
    }
  }

  async stop(): Promise<void> {
    const m = this.#machine;
    if (!m) return;
    // A suspended guest must run again to take the shutdown request.
    if (this.#state === "paused") await m.qmp.execute("cont", undefined, { timeoutMs: PAUSE_TIMEOUT_MS }).catch(() => undefined);
    this.#state = "stopping";
    try {
      const agent = await m.agent();
      await agent.shutdown("powerdown");
      if (await withDeadline(m.process.exited, AGENT_SHUTDOWN_WAIT_MS)) return;
    } catch {
      // No agent, or it did not take the shutdown: next rung.
    }
    try {
      await m.qmp.execute("system_powerdown", undefined, { timeoutMs: 5_000 });
      if (await withDeadline(m.process.exited, ACPI_SHUTDOWN_WAIT_MS)) return;
    } catch {
      // QMP gone or refused: kill.
    }
    await m.stop();
  }

  async stopForce(): Promise<void> {
    const m = this.#machine;
    if (!m) return;
    this.#state = "stopping";
    m.process.kill("SIGKILL");
    await m.process.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.#settled();
    await this.start();
  }

  async suspend(): Promise<void> {
    if (this.#state === "paused") return;
    await this.#running("suspend").qmp.execute("stop", undefined, { timeoutMs: PAUSE_TIMEOUT_MS });
    this.#state = "paused";
  }

  async resume(): Promise<void> {
    const m = this.#machine;
    if (!m || this.#state !== "paused") throw new Error(`Cannot resume VM ${this.name}: it is ${this.#state}, not paused`);
    await m.qmp.execute("cont", undefined, { timeoutMs: PAUSE_TIMEOUT_MS });
    this.#state = "running";
  }

  /** Wait until the exit handler has run (state back to stopped). */
  async #settled(): Promise<void> {
    const m = this.#machine;
    if (m) await m.process.exited;
    await Promise.resolve();
  }

  async isReady(): Promise<boolean> {
    const m = this.#machine;
    if (!m || this.#state !== "running") return false;
    try {
      await (await m.agent()).sync(READY_PROBE_MS);
      return true;
    } catch {
      return false;
    }
  }

  async waitReady(timeoutMs: number): Promise<void> {
    await this.#running("wait for the guest agent").waitForAgent(timeoutMs);
  }

  async waitShutdown(timeoutMs: number): Promise<void> {
    const m = this.#machine;
    if (!m) return;
    if (!(await withDeadline(m.process.exited, timeoutMs))) {
      throw new Error(`VM ${this.name} did not power off within ${Math.round(timeoutMs / 1000)} s`);
    }
  }

  /** Run an agent operation; its failure names the VM and the action. */
  async #agentOp<T>(action: string, f: (agent: QgaClient) => Promise<T>): Promise<T> {
    const m = this.#running(action);
    try {
      return await f(await m.agent());
    } catch (e) {
      throw new VmOperationError(this.name, action, e);
    }
  }

  async ip(nic: number): Promise<string> {
    const spec = this.spec.nics[nic];
    if (!spec)
      throw new Error(`Cannot get the IP of NIC ${nic} of VM ${this.name}: it has ${this.spec.nics.length} NIC${this.spec.nics.length === 1 ? "" : "s"}`);
    const ifs = await this.#agentOp("list network interfaces", (a) => a.networkInterfaces());
    const found = ifs.find((i) => i.hardwareAddress?.toLowerCase() === spec.mac.toLowerCase());
    const v4 = found?.addresses.find((a) => a.type === "ipv4");
    if (!v4) throw new Error(`VM ${this.name} has no IPv4 address on NIC ${nic} (${spec.mac}) yet`);
    return v4.address;
  }

  // Guest agent

  async exec(cmd: string, args: readonly string[], timeoutMs: number): Promise<GuestExecResult> {
    const r = await this.#agentOp(`run ${cmd}`, (a) => a.exec(cmd, args, { timeoutMs }));
    const exitCode = r.exitCode ?? (r.signal === null ? -1 : 128 + r.signal);
    return { exitCode, stdout: decoder.decode(r.stdout), stderr: decoder.decode(r.stderr) };
  }

  async copyTo(hostPath: string, guestPath: string): Promise<void> {
    this.#running(`copy ${hostPath}`);
    try {
      if (!statSync(hostPath).isFile()) throw new Error("not a regular file");
    } catch (e) {
      throw new Error(`Cannot copy ${hostPath} to VM ${this.name}: ${(e as Error).message}`);
    }
    // Streamed from disk in chunks: files of any size.
    await this.#agentOp(`write ${guestPath}`, (a) =>
      a.writeFile(guestPath, createReadStream(hostPath, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>),
    );
  }

  async copyFrom(guestPath: string, hostPath: string): Promise<void> {
    assertReplaceable(hostPath, "copy destination");
    // Streamed: a guest file of any size (even /dev/zero) costs one chunk of memory,
    // stops at the host's free space, and the guest handle is closed on any failure.
    await this.#agentOp(`read ${guestPath}`, async (a) => {
      mkdirSync(dirname(hostPath), { recursive: true });
      await writeHostFile(hostPath, a.readFileChunks(guestPath), { subject: hostPath });
    });
  }

  // Keyboard & mouse

  sendKeys(chord: string): Promise<void> {
    return this.#ctl(`send keys '${chord}'`).keyboard.sendKeys(chord);
  }
  typeText(text: string, gapMs?: number): Promise<void> {
    return this.#ctl("type text").keyboard.typeText(text, gapMs === undefined ? {} : { gapMs });
  }
  mouseMove(x: number, y: number): Promise<void> {
    return this.#ctl("move the mouse").mouse.move(x, y);
  }
  mouseClick(button: string): Promise<void> {
    return this.#ctl("click").mouse.click(button);
  }
  mouseDrag(x1: number, y1: number, x2: number, y2: number): Promise<void> {
    return this.#ctl("drag the mouse").mouse.drag(x1, y1, x2, y2);
  }

  // Screen

  screenshot(hostPath: string | undefined): Promise<string> {
    return this.#ctl("take a screenshot").screen.saveScreenshot(hostPath);
  }
  findImage(image: string, opts: { threshold?: number; region?: ScreenRegion }): Promise<ScreenMatch | undefined> {
    return this.#ctl("find an image").screen.findImage(image, opts);
  }
  waitForImage(image: string, opts: { timeoutMs: number; threshold?: number; region?: ScreenRegion }): Promise<ScreenMatch> {
    return this.#ctl("wait for an image").screen.waitForImage(image, opts);
  }
  async waitForAny(images: readonly string[], opts: { timeoutMs: number }): Promise<ScreenMatch> {
    const { index: _index, ...hit } = await this.#ctl("wait for an image").screen.waitForAny(images, opts);
    return hit;
  }
  ocr(region: ScreenRegion | undefined): Promise<string> {
    return this.#ctl("read the screen").screen.ocr(region);
  }
  waitForText(pattern: string, opts: { timeoutMs: number }): Promise<ScreenMatch> {
    return this.#ctl("wait for text").screen.waitForText(pattern, opts);
  }

  // Snapshots

  #offline(): OfflineSnapshots {
    const disk = this.spec.disks.find((d) => d.format === "qcow2" && !d.readOnly);
    if (!disk) throw new Error(`Cannot snapshot VM ${this.name}: it has no writable qcow2 disk`);
    return new OfflineSnapshots(disk.path, this.name);
  }

  async snapshot(name: string): Promise<void> {
    if (this.#state === "running") await this.#ctl("take a snapshot").snapshots.take(name);
    else if (this.#state === "stopped") this.#offline().take(name);
    else throw new Error(`Cannot take snapshot '${name}' of VM ${this.name}: it is ${this.#state}`);
  }

  async restore(name: string): Promise<void> {
    const online = this.#offline()
      .list()
      .find((s) => s.name === name)?.online;
    if (online === true) {
      await this.start();
      await this.#ctl("restore a snapshot").snapshots.restore(name);
      await (await this.#running("restore a snapshot").agent()).sync(RESYNC_AFTER_RESTORE_MS).catch(() => undefined);
      return;
    }
    // Disk-only (or unknown: the offline store names what exists): restore with the VM off.
    if (online === false && this.#machine) {
      await this.stop();
      await this.#settled();
    }
    this.#offline().restore(name);
  }

  async snapshots(): Promise<readonly string[]> {
    return this.#offline()
      .list()
      .map((s) => s.name);
  }

  async deleteSnapshot(name: string): Promise<void> {
    if (this.#state === "running") await this.#ctl("delete a snapshot").snapshots.delete(name);
    else this.#offline().delete(name);
  }
}

/** A lab of `MachineVm`s. */
export class MachineLab implements LabHandle {
  readonly name: string;
  readonly root: string;
  readonly #vms: readonly MachineVm[];
  readonly #segments: readonly SegmentHandle[];
  readonly #log: (message: string) => void;

  constructor(opts: { name: string; root: string; vms: readonly MachineVm[]; segments?: readonly SegmentHandle[]; log?: (message: string) => void }) {
    this.name = opts.name;
    this.root = opts.root;
    this.#vms = opts.vms;
    this.#segments = opts.segments ?? [];
    this.#log = opts.log ?? ((m) => void process.stderr.write(`[${opts.name}] ${m}\n`));
  }

  log(message: string): void {
    this.#log(message);
  }
  vm(name: string): MachineVm | undefined {
    return this.#vms.find((v) => v.name === name);
  }
  vms(): readonly MachineVm[] {
    return this.#vms;
  }
  segment(name: string): SegmentHandle | undefined {
    return this.#segments.find((s) => s.name === name);
  }
}
