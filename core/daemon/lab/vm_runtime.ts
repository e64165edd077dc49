/**
 * One VM of a running lab: its linked clone, its QEMU machine, its state.
 *
 * States: stopped → starting → running (ready once the agent answers) →
 * stopping → stopped; `crashed` when QEMU ends without being asked to.
 * Events (fact_events.md): `vm.starting`, `vm.ready`, `vm.stopped` with
 * `reason` requested | guest-initiated | crashed, and `vm.crashed`.
 *
 * The clone lives in `<labdir>/.vmlab/vms/<vm>/disk.qcow2`, created once from
 * the template's disk and reused by later `up`s (PRD §4). QEMU runs under
 * `setpriv --pdeathsig KILL` when available, so a killed lab daemon takes its
 * guests with it instead of leaving orphans.
 *
 * Stop ladder (`down`): agent `guest-shutdown` → ACPI power button → kill,
 * each rung with its own deadline; `force` goes straight to kill.
 *
 * Disk I/O errors: QEMU runs with `werror=stop`, so a write that fails (a
 * full host disk under the clone) pauses the guest and emits
 * `BLOCK_IO_ERROR`. The VM is then `io-error` with `vm.io_error` emitted
 * once; `checkIo()` asks QMP's `query-block` for the same (the supervisor's
 * disk watchdog and agent timeouts call it, in case the event was missed).
 * A `RESUME` (space freed and the guest continued) returns it to running.
 *
 * Suspend/resume (issue #16): `suspend()` sends QMP `stop` (vCPUs halt, the
 * guest clock with them) and the VM is `paused` (`vm.suspended`); `resume()`
 * sends `cont` (`vm.resumed`). A VM paused by a disk error is never resumed
 * here: `cont` would only hit the same error, so the user frees space first.
 * Stopping a paused VM continues it first so the graceful ladder can work.
 *
 * Instances are ordered: each start creates one instance (QEMU process + the
 * switch ports attached for it). Its exit path (`#watch`) detaches only its
 * own ports, and `stop()`/`start()` wait until the previous instance is fully
 * reaped (QEMU gone, QMP closed, ports detached) before returning / attaching
 * new ports — so a restart never loses the new instance's network.
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Machine } from "../../machine/machine.ts";
import { LiveSnapshots, type SnapshotInfo } from "../../machine/snapshots.ts";
import { OfflineSnapshots } from "../../machine/snapshots_offline.ts";
import { SnapshotError } from "../../machine/errors.ts";
import { chooseAccel, fallbackWarning, type AccelDecision } from "../../qemu/accel.ts";
import { createImage, createLinkedClone } from "../../qemu/img.ts";
import { prepareFirmware } from "../../qemu/firmware.ts";
import { Swtpm } from "../../qemu/swtpm.ts";
import { Virtiofsd } from "../../shares/virtiofsd.ts";
import { withDeadline, type QemuExit } from "../../qemu/process.ts";
import type { Firmware, NicAttachment, NicSpec, QemuVmSpec } from "../../qemu/spec.ts";
import { CodedError } from "../../errors/mod.ts";
import { assertQcow2Standalone } from "../../store/image_safety.ts";
import type { VmPlan, VmState, VmStatus } from "../protocol.ts";
import { JsonLog, type LabContext } from "./context.ts";
import { prepareVmMedia, type VmMedia } from "./vm_media.ts";

/** Disk of a scratch VM that sets no `disk` (validation requires one; this is the floor). */
export const SCRATCH_DEFAULT_DISK_BYTES = 8 * 1024 ** 3;
/** Rung 1 of the stop ladder: the agent's guest-shutdown. */
export const AGENT_SHUTDOWN_WAIT_MS = 30_000;
/** Rung 2: the ACPI power button. */
export const ACPI_SHUTDOWN_WAIT_MS = 30_000;
/** How long QMP `stop`/`cont` may take (they return at once on a healthy QEMU). */
export const QMP_PAUSE_TIMEOUT_MS = 10_000;
/** Lines of serial console quoted when a VM does not become ready. */
export const SERIAL_TAIL_LINES = 15;

type Reporter = (level: "info" | "warn" | "error", msg: string) => void;

export class VmRuntime {
  plan: VmPlan;
  state: VmState = "stopped";
  ready = false;
  #machine: Machine | undefined;
  #startedAt: number | undefined;
  #lastExit: string | null = null;
  #accel: AccelDecision | undefined;
  #stopRequested = false;
  #ips: string[] = [];
  #log: JsonLog | undefined;
  /** Why the VM is paused on a disk error (`io-error`), for status and agent errors. */
  #ioError: string | null = null;
  /** Resolves once the current/last instance's exit has been fully handled. */
  #reaped: Promise<void> = Promise.resolve();
  #swtpm: Swtpm | undefined;
  /** One virtiofsd per virtiofs share while QEMU runs. */
  #virtiofsd: Virtiofsd[] = [];

  constructor(
    readonly lab: LabContext,
    plan: VmPlan,
    readonly macs: readonly string[],
  ) {
    this.plan = plan;
  }

  get name(): string {
    return this.plan.name;
  }

  get machine(): Machine | undefined {
    return this.#machine;
  }

  get vmDir(): string {
    return join(this.lab.paths.work, "vms", this.name);
  }

  get clonePath(): string {
    return join(this.vmDir, "disk.qcow2");
  }

  get serialLog(): string {
    return join(this.lab.paths.logs, `${this.name}.serial.log`);
  }

  /** swtpm's control socket (mode 0600) in the lab's runtime folder. */
  get tpmSocket(): string {
    return join(this.lab.paths.run, `${this.name}.tpm`);
  }

  get logFile(): string {
    return join(this.lab.paths.logs, `${this.name}.log`);
  }

  /** Lab event, mirrored into this VM's own log. */
  #emit(type: string, data: Record<string, unknown> = {}): void {
    this.#log ??= new JsonLog(this.logFile);
    this.#log.write(type === "vm.crashed" ? "error" : "info", type, data);
    this.lab.emit(type, this.name, data);
  }

  status(): VmStatus {
    const pid = this.#machine?.process.running ? this.#machine.process.pid : null;
    return {
      name: this.name,
      state: this.state,
      ready: this.ready,
      pid,
      ips: this.#ips,
      uptimeSec: this.#startedAt && this.state !== "stopped" && this.state !== "crashed" ? Math.round((Date.now() - this.#startedAt) / 1000) : null,
      template: this.plan.template.ref,
      accel: this.#accel?.accel ?? null,
      lastExit: this.#lastExit,
      ioError: this.state === "io-error" ? this.#ioError : null,
    };
  }

  /** Create the linked clone if it does not exist yet, and register it with the store. */
  async ensureClone(): Promise<void> {
    if (existsSync(this.clonePath)) return;
    if (this.plan.template.ref === "scratch") {
      // A scratch VM (§6.5): a blank disk of `disk`, never in the store.
      mkdirSync(this.vmDir, { recursive: true });
      const tmp = `${this.clonePath}.tmp-${process.pid}`;
      createImage(tmp, this.plan.diskSizeBytes ?? SCRATCH_DEFAULT_DISK_BYTES);
      renameSync(tmp, this.clonePath);
      return;
    }
    if (!existsSync(this.plan.template.disk)) {
      throw new CodedError(
        "template.not_found",
        `cannot create VM ${this.name}: template ${this.plan.template.ref} is not in the store (${this.plan.template.disk} is missing)`,
        {
          subject: this.plan.template.ref,
          hint: "build it with `vmlab template build` or pull it with `vmlab template pull`; `vmlab template list` shows what is installed",
        },
      );
    }
    try {
      mkdirSync(this.vmDir, { recursive: true });
      createLinkedClone(this.plan.template.disk, this.clonePath, this.plan.diskSizeBytes ? { sizeBytes: this.plan.diskSizeBytes } : {});
    } catch (e) {
      const msg = (e as Error).message;
      if ((e as { code?: string }).code === "ENOSPC" || /no space left on device/i.test(msg)) {
        throw new CodedError("disk.full", `cannot create the linked clone of VM ${this.name}: no space left on device (${this.vmDir})`, {
          subject: this.name,
          hint: "free space on that file system (`vmlab template list` shows template sizes; `vmlab destroy` deletes a lab's clones) and run `vmlab up` again",
        });
      }
      throw new CodedError("vm.start_failed", `cannot create the linked clone of VM ${this.name}: ${msg}`, { subject: this.name });
    }
    await this.lab.clones.register(this.plan.template.ref, this.clonePath).catch((e: unknown) => {
      this.lab.log.write("warn", `cannot register clone with the template store: ${(e as Error).message}`, { vm: this.name });
    });
  }

  /**
   * The template and the clone name no file but each other (issue #19 item 2):
   * QEMU opens a header's external data file even when the backing chain is
   * pinned, so the headers are checked before every start.
   */
  #checkDisks(): void {
    const template = resolve(this.plan.template.disk);
    assertQcow2Standalone(template, this.plan.template.ref);
    // A relative backing name is relative to the clone's own folder.
    assertQcow2Standalone(this.clonePath, this.clonePath, { backing: (b) => realOrSelf(resolve(dirname(this.clonePath), b)) === realOrSelf(template) });
  }

  /** Forget the clone (destroy). */
  async removeClone(): Promise<void> {
    if (this.plan.template.ref === "scratch") return;
    await this.lab.clones.unregister(this.plan.template.ref, this.clonePath).catch(() => undefined);
  }

  /** The firmware QEMU boots: SeaBIOS, or OVMF with a per-VM copy of its variable store (core/qemu/firmware.ts). */
  #firmware(): Firmware {
    try {
      return prepareFirmware(this.plan.firmware, this.plan.secureBoot, this.vmDir);
    } catch (e) {
      throw new CodedError("vm.start_failed", `VM ${this.name}: ${(e as Error).message}`, {
        subject: this.name,
        hint: "install it with `apt-get install ovmf`",
      });
    }
  }

  async #spec(attached: NicAttachment[], media: VmMedia): Promise<QemuVmSpec> {
    this.#accel ??= chooseAccel(this.plan.arch, {
      onFallback: (d) => this.lab.log.write("warn", fallbackWarning(d), { vm: this.name }),
    });
    const nics: NicSpec[] = [];
    for (const [i, nic] of this.plan.nics.entries()) {
      const mac = this.macs[i] as string;
      const attach = await this.lab.nics.attach(this.plan, i, nic, mac);
      attached.push(attach);
      nics.push({ id: `net${i}`, mac, model: nic.model, attach });
    }
    const run = this.lab.paths.run;
    return {
      name: this.name,
      arch: this.plan.arch,
      accel: this.#accel.accel,
      machine: this.plan.machine,
      cpus: this.plan.cpus,
      memoryMiB: this.plan.memoryMiB,
      firmware: this.#firmware(),
      disks: [
        {
          path: this.clonePath,
          format: "qcow2",
          interface: this.plan.diskInterface,
          bootIndex: 0,
          ...(this.plan.template.ref === "scratch" ? {} : { backing: this.plan.template.disk }),
        },
        ...media.disks,
      ],
      cdroms: media.cdroms,
      floppies: media.floppies,
      ...(this.plan.nested ? { nested: hostVirtFlag() } : {}),
      ...(this.plan.gpu ? { gpu: this.plan.gpu } : {}),
      nics,
      vga: this.plan.vga,
      usbTablet: true,
      // The channel is always there: a guest without an agent yet (an installer) may start one later.
      guestAgent: true,
      rtc: "utc",
      ...(this.plan.qemuArgs.length ? { extraArgs: this.plan.qemuArgs } : {}),
      ...(this.plan.tpm ? { tpmSocket: this.tpmSocket } : {}),
      ...(this.#virtiofsShares().length ? { virtiofs: this.#virtiofsShares().map((sh, i) => ({ socket: this.#vfsSocket(i), tag: sh.name })) } : {}),
      paths: {
        qmpSocket: join(run, `${this.name}.qmp`),
        agentSocket: join(run, `${this.name}.qga`),
        vncSocket: join(run, `${this.name}.vnc`),
        serialLog: this.serialLog,
        pidFile: join(run, `${this.name}.pid`),
      },
    };
  }

  #virtiofsShares(): NonNullable<VmPlan["shares"]> {
    return (this.plan.shares ?? []).filter((sh) => sh.transport === "virtiofs");
  }

  #vfsSocket(i: number): string {
    return join(this.lab.paths.run, `${this.name}-vfs${i}.sock`);
  }

  async #stopVirtiofsd(): Promise<void> {
    const all = this.#virtiofsd;
    this.#virtiofsd = [];
    await Promise.all(all.map((v) => v.stop().catch(() => undefined)));
  }

  /** Boot and wait until ready (agent answers). Idempotent for a running (or suspended) VM. */
  async start(report: Reporter): Promise<void> {
    if (this.state === "running" || this.state === "starting" || this.state === "paused") return;
    // The previous instance (stopped, crashed or powered off) must be reaped before new ports attach.
    await this.#reaped;
    await this.ensureClone();
    this.#checkDisks();
    this.state = "starting";
    this.ready = false;
    this.#stopRequested = false;
    this.#ips = [];
    this.#emit("vm.starting");
    let machine: Machine;
    const attached: NicAttachment[] = [];
    try {
      const media = await prepareVmMedia(this.plan, this.lab.paths.work, this.vmDir, (msg) => report("info", msg));
      const spec = await this.#spec(attached, media);
      const setpriv = Bun.which("setpriv");
      const wrapper = setpriv ? [setpriv, "--pdeathsig", "KILL", "--"] : [];
      if (this.plan.tpm) {
        await this.#swtpm?.stop();
        this.#swtpm = await Swtpm.start({
          stateDir: join(this.vmDir, "tpm"),
          socket: this.tpmSocket,
          logFile: join(this.lab.paths.logs, `${this.name}.swtpm.log`),
          wrapper,
        });
      }
      await this.#stopVirtiofsd();
      for (const [i, sh] of this.#virtiofsShares().entries()) {
        this.#virtiofsd.push(
          await Virtiofsd.start({ source: sh.host, socket: this.#vfsSocket(i), logFile: join(this.lab.paths.logs, `${this.name}.virtiofsd.log`), wrapper }),
        );
      }
      machine = await Machine.start(spec, { logFile: this.logFile, wrapper });
    } catch (e) {
      await this.#stopVirtiofsd();
      await this.#detach(attached);
      await this.#swtpm?.stop();
      this.#swtpm = undefined;
      this.state = "crashed";
      this.#lastExit = (e as Error).message;
      this.#emit("vm.crashed", { reason: (e as Error).message });
      if (e instanceof CodedError && e.code.startsWith("media.")) throw e; // already names the folder and says what to do
      throw new CodedError("vm.start_failed", (e as Error).message, { subject: this.name, hint: `see ${this.logFile}` });
    }
    this.#machine = machine;
    this.#startedAt = Date.now();
    this.state = "running";
    report("info", `${this.name}: QEMU started (pid ${machine.process.pid}, ${this.#accel?.accel})`);
    this.#watchIo(machine);
    this.#reaped = this.#watch(machine, attached).catch((e: unknown) => {
      this.lab.log.write("error", `exit handling of ${this.name} failed: ${(e as Error).message}`, { vm: this.name });
    });
    if (!this.plan.agent) {
      this.ready = true;
      this.#emit("vm.ready");
      return;
    }
    try {
      await machine.waitForAgent(this.plan.readyTimeoutMs);
    } catch (e) {
      const io = await this.checkIo();
      if (io) throw this.ioErrorFor("become ready");
      const tail = this.serialTail();
      throw new CodedError(
        "vm.not_ready",
        `VM ${this.name} did not become ready within ${Math.round(this.plan.readyTimeoutMs / 1000)} s (${(e as Error).message}).${tail ? `\nLast lines of its serial console:\n${tail}` : ""}`,
        {
          subject: this.name,
          hint: `the guest agent (qemu-ga) must run in the guest. Serial console: ${this.serialLog}`,
        },
      );
    }
    this.ready = true;
    report("info", `${this.name}: ready (guest agent answered)`);
    this.#emit("vm.ready");
    void this.refreshIps();
  }

  /** Mark the VM `io-error` (once per episode) with `reason`, emitting `vm.io_error`. */
  #markIoError(reason: string, data: Record<string, unknown>): void {
    if (this.state !== "running") return;
    this.state = "io-error";
    this.#ioError = reason;
    this.#emit("vm.io_error", { reason, ...data });
  }

  /** BLOCK_IO_ERROR pauses the guest (werror=stop); RESUME after it means it runs again. */
  #watchIo(machine: Machine): void {
    machine.qmp.on("BLOCK_IO_ERROR", (e) => {
      if (this.#machine !== machine) return;
      const d = ((e as { data?: Record<string, unknown> }).data ?? {}) as {
        device?: string;
        "node-name"?: string;
        operation?: string;
        action?: string;
        nospace?: boolean;
        reason?: string;
      };
      const device = d.device || d["node-name"] || "disk";
      const why = d.nospace ? "no space left on the host device" : (d.reason ?? "I/O error");
      this.#markIoError(`${d.operation ?? "write"} error on ${device}: ${why}`, {
        device,
        operation: d.operation ?? null,
        nospace: d.nospace ?? false,
        action: d.action ?? null,
      });
    });
    machine.qmp.on("RESUME", () => {
      if (this.#machine !== machine || this.state !== "io-error") return;
      this.state = "running";
      this.#ioError = null;
      this.#emit("vm.io_recovered");
    });
  }

  /**
   * Ask QEMU whether a disk of the running VM is in an error state
   * (`query-block` io-status `failed`/`nospace`); marks the VM `io-error` if
   * so. Returns the reason, or null. Never throws.
   */
  async checkIo(): Promise<string | null> {
    const m = this.#machine;
    if (!m || !m.process.running) return null;
    if (this.state === "io-error") return this.#ioError;
    try {
      const blocks = (await m.qmp.execute("query-block", undefined, { timeoutMs: 5_000 })) as { device?: string; qdev?: string; "io-status"?: string }[];
      const bad = blocks.find((b) => b["io-status"] !== undefined && b["io-status"] !== "ok");
      if (!bad) return null;
      const device = bad.device || bad.qdev || "disk";
      const nospace = bad["io-status"] === "nospace";
      this.#markIoError(`I/O error on ${device}: ${nospace ? "no space left on the host device" : "the host reported an error"}`, {
        device,
        operation: null,
        nospace,
        action: "stop",
      });
      return this.#ioError;
    } catch {
      return null;
    }
  }

  /** The coded error for an operation that cannot proceed because the VM is paused on a disk error. */
  ioErrorFor(what: string): CodedError {
    return new CodedError("vm.io_error", `VM ${this.name} cannot ${what}: QEMU paused it after a disk ${this.#ioError ?? "I/O error"}`, {
      subject: this.name,
      hint: `Free space on the file system holding ${this.clonePath}, then \`vmlab vm restart ${this.name}\`.`,
    });
  }

  /** Pause the guest's vCPUs (QMP `stop`): state `paused`, event `vm.suspended`. */
  async suspend(): Promise<void> {
    const m = this.#machine;
    if (this.state === "paused") return;
    if (this.state === "io-error") {
      throw new CodedError("vm.io_error", `cannot suspend VM ${this.name}: QEMU already paused it after a disk ${this.#ioError ?? "I/O error"}`, {
        subject: this.name,
        hint: `free space on the file system holding ${this.clonePath}, then \`vmlab vm restart ${this.name}\``,
      });
    }
    if (!m || !m.process.running || this.state !== "running") {
      throw new CodedError("vm.not_running", `cannot suspend VM ${this.name}: it is ${this.state}`, {
        subject: this.name,
        hint: `start it with \`vmlab vm start ${this.name}\``,
      });
    }
    await m.qmp.execute("stop", undefined, { timeoutMs: QMP_PAUSE_TIMEOUT_MS });
    this.state = "paused";
    this.#emit("vm.suspended");
  }

  /** Continue a suspended guest (QMP `cont`): state `running`, event `vm.resumed`. */
  async resume(): Promise<void> {
    const m = this.#machine;
    if (this.state === "io-error") {
      throw new CodedError("vm.io_error", `cannot resume VM ${this.name}: it was paused by a disk ${this.#ioError ?? "I/O error"}, not suspended`, {
        subject: this.name,
        hint: `resuming would hit the same error: free space on the file system holding ${this.clonePath}, then \`vmlab vm restart ${this.name}\``,
      });
    }
    if (this.state !== "paused" || !m || !m.process.running) {
      const running = this.state === "running" || this.state === "starting";
      throw new CodedError(running ? "vm.not_paused" : "vm.not_running", `cannot resume VM ${this.name}: it is ${this.state}, not paused`, {
        subject: this.name,
        hint: running ? `suspend it first with \`vmlab vm suspend ${this.name}\`` : `start it with \`vmlab vm start ${this.name}\``,
      });
    }
    await m.qmp.execute("cont", undefined, { timeoutMs: QMP_PAUSE_TIMEOUT_MS });
    this.state = "running";
    this.#emit("vm.resumed");
  }

  /** The coded error for guest work asked of a suspended VM. */
  pausedErrorFor(what: string): CodedError {
    return new CodedError("vm.paused", `VM ${this.name} cannot ${what}: it is suspended`, {
      subject: this.name,
      hint: `resume it with \`vmlab vm resume ${this.name}\``,
    });
  }

  /** Watch QEMU end: requested stop, guest power-off, or crash. */
  async #watch(machine: Machine, attached: readonly NicAttachment[]): Promise<void> {
    let guestShutdown = false;
    machine.qmp.on("SHUTDOWN", (e) => {
      const data = (e as { data?: { guest?: boolean } }).data;
      if (data?.guest) guestShutdown = true;
    });
    const exit = await machine.process.exited;
    await machine.close();
    await this.#detach(attached);
    if (this.#machine !== machine) return;
    this.ready = false;
    this.#ioError = null;
    this.#lastExit = describe(exit);
    await machine.close();
    await this.#swtpm?.stop();
    this.#swtpm = undefined;
    await this.#stopVirtiofsd();
    for (const i of this.plan.nics.keys()) await this.lab.nics.detach(this.plan, i).catch(() => undefined);
    if (this.#stopRequested) {
      this.state = "stopped";
      this.#emit("vm.stopped", { reason: "requested", exit: this.#lastExit });
    } else if (guestShutdown && exit.code === 0) {
      this.state = "stopped";
      this.#emit("vm.stopped", { reason: "guest-initiated", exit: this.#lastExit });
    } else {
      this.state = "crashed";
      this.#emit("vm.crashed", { exit: this.#lastExit, stderr: machine.process.stderrTail() });
      this.#emit("vm.stopped", { reason: "crashed", exit: this.#lastExit });
    }
  }

  /** Detach the switch ports of one instance (never a newer instance's). */
  async #detach(attached: readonly NicAttachment[]): Promise<void> {
    for (const [i, a] of attached.entries()) await this.lab.nics.detach(this.plan, i, a).catch(() => undefined);
  }

  /** Stop through the ladder (or kill with force). Resolves once QEMU is gone and its exit fully handled. */
  async stop(force: boolean, report: Reporter): Promise<QemuExit | undefined> {
    const exit = await this.#stopProcess(force, report);
    await this.#reaped;
    return exit;
  }

  async #stopProcess(force: boolean, report: Reporter): Promise<QemuExit | undefined> {
    const m = this.#machine;
    if (!m || !m.process.running) {
      await this.#reaped;
      if (this.state !== "crashed") this.state = "stopped";
      return undefined;
    }
    // A suspended guest is continued first so it can take the shutdown request.
    if (this.state === "paused" && !force) await m.qmp.execute("cont", undefined, { timeoutMs: QMP_PAUSE_TIMEOUT_MS }).catch(() => undefined);
    // A guest paused on a disk error cannot take a shutdown request: no ladder.
    const paused = this.state === "io-error";
    this.#stopRequested = true;
    this.state = "stopping";
    if (force || paused) {
      m.process.kill("SIGKILL");
      return await m.process.exited;
    }
    if (this.ready) {
      try {
        const agent = await m.agent();
        await agent.shutdown("powerdown");
        const e = await withDeadline(m.process.exited, AGENT_SHUTDOWN_WAIT_MS);
        if (e) return e;
        report("warn", `${this.name}: no power-off ${AGENT_SHUTDOWN_WAIT_MS / 1000} s after guest-shutdown; pressing the ACPI power button`);
      } catch {
        report("warn", `${this.name}: the guest agent did not take the shutdown; pressing the ACPI power button`);
      }
    }
    try {
      await m.qmp.execute("system_powerdown", undefined, { timeoutMs: 5_000 });
      const e = await withDeadline(m.process.exited, ACPI_SHUTDOWN_WAIT_MS);
      if (e) return e;
      report("warn", `${this.name}: no power-off ${ACPI_SHUTDOWN_WAIT_MS / 1000} s after the ACPI button; killing QEMU`);
    } catch {
      report("warn", `${this.name}: QMP did not take the power button; killing QEMU`);
    }
    return await m.process.stop({ termMs: 5_000 });
  }

  /** IPv4 addresses from the agent (the lease table takes over once the fabric is wired). */
  async refreshIps(): Promise<string[]> {
    const m = this.#machine;
    if (!m || !this.ready) return this.#ips;
    try {
      const agent = await m.agent();
      const ifs = await agent.networkInterfaces();
      this.#ips = ifs.filter((i) => i.name !== "lo").flatMap((i) => i.addresses.filter((a) => a.type === "ipv4").map((a) => a.address));
    } catch {
      // Keep the last known addresses.
    }
    return this.#ips;
  }

  // ---- snapshots (fact_vm_snapshots.md) -------------------------------------------

  /** Online snapshots while QEMU runs (disk + RAM + devices), offline (disk only) while stopped. */
  #snapshotter(): { live: LiveSnapshots; machine: Machine } | { offline: OfflineSnapshots } {
    const m = this.#machine;
    if (m && m.process.running) return { live: new LiveSnapshots(m.qmp, this.name), machine: m };
    if (!existsSync(this.clonePath)) {
      throw new CodedError("snapshot.no_disk", `VM ${this.name} has no disk yet`, {
        subject: this.name,
        hint: "bring it up once with `vmlab up` so its linked clone exists",
      });
    }
    return { offline: new OfflineSnapshots(this.clonePath, this.name) };
  }

  async listSnapshots(): Promise<SnapshotInfo[]> {
    const s = this.#snapshotter();
    return snapshotCall(this.name, () => ("live" in s ? s.live.list() : s.offline.list()));
  }

  async takeSnapshot(name: string): Promise<SnapshotInfo> {
    const s = this.#snapshotter();
    const vfs = this.#virtiofsShares();
    if ("live" in s && vfs.length) {
      throw new CodedError(
        "snapshot.virtiofs",
        `cannot take an online snapshot of ${this.name}: its share ${vfs[0]?.name} uses virtiofs, whose state lives outside QEMU`,
        {
          subject: this.name,
          hint: 'stop the VM and snapshot it offline, or use transport = "smb" for its shares (PRD §7.3, §7.5)',
        },
      );
    }
    const info = await snapshotCall(this.name, () => ("live" in s ? s.live.take(name) : s.offline.take(name)));
    this.#emit("snapshot.created", { name, online: info.online });
    return info;
  }

  /** Restore; an online snapshot leaves the VM running (agent re-synced), an offline one stopped. */
  async restoreSnapshot(name: string): Promise<SnapshotInfo> {
    const s = this.#snapshotter();
    let info: SnapshotInfo;
    if ("live" in s) {
      info = await snapshotCall(this.name, () => s.live.restore(name));
      // The agent's channel state rolled back with the guest: handshake again.
      if (this.plan.agent) await s.machine.waitForAgent(60_000).catch(() => undefined);
    } else {
      info = await snapshotCall(this.name, () => s.offline.restore(name));
    }
    this.#emit("snapshot.restored", { name, online: "live" in s });
    return info;
  }

  async deleteSnapshot(name: string): Promise<void> {
    const s = this.#snapshotter();
    await snapshotCall(this.name, () => ("live" in s ? s.live.delete(name) : s.offline.delete(name)));
  }

  serialTail(lines = SERIAL_TAIL_LINES): string {
    try {
      const text = readFileSync(this.serialLog, "utf8").replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
      return text
        .split(/\r?\n/)
        .filter((l) => l.trim())
        .slice(-lines)
        .join("\n");
    } catch {
      return "";
    }
  }
}

/** Snapshot errors as `CodedError`s, with their code when the user can act on it. */
async function snapshotCall<T>(vm: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof SnapshotError) {
      const user = ["snapshot.bad_name", "snapshot.not_found", "snapshot.exists", "snapshot.no_disk", "snapshot.disk_only"] as const;
      const code = (user as readonly string[]).includes(e.detail.code) ? (e.detail.code as (typeof user)[number]) : "snapshot.failed";
      throw new CodedError(code, e.message, { subject: vm, hint: e.detail.hint });
    }
    throw e;
  }
}

/** The host CPU's virtualisation flag, passed on to nested guests. */
function hostVirtFlag(): "vmx" | "svm" {
  try {
    return /\bsvm\b/.test(readFileSync("/proc/cpuinfo", "utf8")) ? "svm" : "vmx";
  } catch {
    return "vmx";
  }
}

function describe(e: QemuExit): string {
  return e.signal ? `killed by ${e.signal}` : `exit status ${e.code}`;
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
