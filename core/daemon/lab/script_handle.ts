/**
 * The lab daemon's side of scripting: `LabHandle`/`VmHandle` over the live
 * `LabRuntime`, so provision scripts, event handlers and `vmlab script` act
 * on the same VMs, events and logs as the CLI.
 *
 * Lifecycle calls go to `VmRuntime` directly (a script runs inside `up`,
 * which already holds the lab's operation lock); agent, input and screen
 * calls go through a `MachineVm` over the VM's current QEMU (re-made after
 * every restart); snapshots through `VmRuntime` so they emit
 * `snapshot.created`/`snapshot.restored`. IPs come from the network
 * fabric's lease table when it knows the VM, else from the agent.
 */
import { join } from "node:path";
import type { ScreenMatch } from "../../machine/screen_match.ts";
import { MachineVm } from "../../scripting/machine_handle.ts";
import type { GuestExecResult, LabHandle, ScreenRegion, SegmentHandle, VmHandle, VmPowerState } from "../../scripting/handle.ts";
import type { LabRuntime } from "./lab_runtime.ts";
import type { VmRuntime } from "./vm_runtime.ts";

/** Optional network knowledge the handle can use (the fabric). */
export interface NetworkView {
  vmIps(vm: string): string[];
  segment?(name: string): SegmentHandle | undefined;
}

class DaemonVm implements VmHandle {
  #cached: { machine: unknown; vm: MachineVm } | undefined;

  constructor(
    readonly rt: VmRuntime,
    readonly lab: DaemonLab,
  ) {}

  get name(): string {
    return this.rt.name;
  }

  #report = (level: "info" | "warn" | "error", msg: string): void => this.lab.log(`${level === "info" ? "" : `${level}: `}${msg}`);

  /** A MachineVm over the current QEMU, or an error naming the VM's state. */
  #mv(action: string): MachineVm {
    const m = this.rt.machine;
    if (!m || !m.process.running) throw new Error(`Cannot ${action} on VM ${this.name}: it is ${this.rt.state}`);
    if (this.#cached?.machine !== m) {
      this.#cached = {
        machine: m,
        vm: new MachineVm(m.spec, m, { screenshotDir: join(this.lab.root, ".vmlab", "screenshots"), imageRoot: this.lab.root }),
      };
    }
    return this.#cached.vm;
  }

  state(): VmPowerState {
    const s = this.rt.state;
    return s === "crashed" ? "stopped" : s === "io-error" ? "running" : s;
  }

  async start(): Promise<void> {
    await this.rt.start(this.#report);
  }

  async stop(): Promise<void> {
    await this.rt.stop(false, this.#report);
  }

  async stopForce(): Promise<void> {
    await this.rt.stop(true, this.#report);
  }

  async restart(): Promise<void> {
    await this.rt.stop(false, this.#report);
    await this.rt.start(this.#report);
  }

  async suspend(): Promise<void> {
    await this.rt.suspend();
  }

  async resume(): Promise<void> {
    await this.rt.resume();
  }

  async isReady(): Promise<boolean> {
    if (!this.rt.ready) return false;
    try {
      return await this.#mv("probe the agent").isReady();
    } catch {
      return false;
    }
  }

  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.rt.ready) {
      if (Date.now() > deadline) throw new Error(`VM ${this.name} did not become ready within ${Math.round(timeoutMs / 1000)} s (it is ${this.rt.state})`);
      await Bun.sleep(200);
    }
  }

  async waitShutdown(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.rt.machine?.process.running) {
      if (Date.now() > deadline) throw new Error(`VM ${this.name} did not shut down within ${Math.round(timeoutMs / 1000)} s`);
      await Bun.sleep(200);
    }
  }

  async ip(nic: number): Promise<string> {
    const fromLeases = this.lab.network?.vmIps(this.name)[nic];
    if (fromLeases) return fromLeases;
    return this.#mv("read its IP address").ip(nic);
  }

  exec(cmd: string, args: readonly string[], timeoutMs: number): Promise<GuestExecResult> {
    return Promise.resolve().then(() => this.#mv(`run ${cmd}`).exec(cmd, args, timeoutMs));
  }

  copyTo(hostPath: string, guestPath: string): Promise<void> {
    return Promise.resolve().then(() => this.#mv(`copy ${hostPath} in`).copyTo(hostPath, guestPath));
  }

  copyFrom(guestPath: string, hostPath: string): Promise<void> {
    return Promise.resolve().then(() => this.#mv(`copy ${guestPath} out`).copyFrom(guestPath, hostPath));
  }

  sendKeys(chord: string): Promise<void> {
    return Promise.resolve().then(() => this.#mv("send keys").sendKeys(chord));
  }

  typeText(text: string, gapMs?: number): Promise<void> {
    return Promise.resolve().then(() => this.#mv("type text").typeText(text, gapMs));
  }

  mouseMove(x: number, y: number): Promise<void> {
    return Promise.resolve().then(() => this.#mv("move the mouse").mouseMove(x, y));
  }

  mouseClick(button: string): Promise<void> {
    return Promise.resolve().then(() => this.#mv("click").mouseClick(button));
  }

  mouseDrag(x1: number, y1: number, x2: number, y2: number): Promise<void> {
    return Promise.resolve().then(() => this.#mv("drag").mouseDrag(x1, y1, x2, y2));
  }

  screenshot(hostPath: string | undefined): Promise<string> {
    return Promise.resolve().then(() => this.#mv("take a screenshot").screenshot(hostPath));
  }

  findImage(image: string, opts: { threshold?: number; region?: ScreenRegion }): Promise<ScreenMatch | undefined> {
    return Promise.resolve().then(() => this.#mv("find an image").findImage(image, opts));
  }

  waitForImage(image: string, opts: { timeoutMs: number; threshold?: number; region?: ScreenRegion }): Promise<ScreenMatch> {
    return Promise.resolve().then(() => this.#mv("wait for an image").waitForImage(image, opts));
  }

  waitForAny(images: readonly string[], opts: { timeoutMs: number }): Promise<ScreenMatch> {
    return Promise.resolve().then(() => this.#mv("wait for images").waitForAny(images, opts));
  }

  ocr(region: ScreenRegion | undefined): Promise<string> {
    return Promise.resolve().then(() => this.#mv("read the screen").ocr(region));
  }

  waitForText(pattern: string, opts: { timeoutMs: number }): Promise<ScreenMatch> {
    return Promise.resolve().then(() => this.#mv("wait for text").waitForText(pattern, opts));
  }

  async snapshot(name: string): Promise<void> {
    await this.rt.takeSnapshot(name);
  }

  async restore(name: string): Promise<void> {
    await this.rt.restoreSnapshot(name);
  }

  async snapshots(): Promise<readonly string[]> {
    return (await this.rt.listSnapshots()).map((s) => s.name);
  }

  async deleteSnapshot(name: string): Promise<void> {
    await this.rt.deleteSnapshot(name);
  }
}

/** One script run's view of the lab; `log` goes to the lab log and the invoking CLI. */
export class DaemonLab implements LabHandle {
  readonly #vms = new Map<string, DaemonVm>();

  constructor(
    readonly rt: LabRuntime,
    readonly log: (message: string) => void,
    readonly network?: NetworkView,
  ) {
    for (const p of rt.plan.vms) this.#vms.set(p.name, new DaemonVm(rt.vm(p.name), this));
  }

  get name(): string {
    return this.rt.plan.name;
  }

  get root(): string {
    return this.rt.plan.dir;
  }

  vm(name: string): VmHandle | undefined {
    return this.#vms.get(name);
  }

  vms(): readonly VmHandle[] {
    return [...this.#vms.values()];
  }

  segment(name: string): SegmentHandle | undefined {
    return this.network?.segment?.(name);
  }
}
