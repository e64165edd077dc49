/**
 * The contract the `vmlab` script module is written against: a lab, its VMs and its
 * segments as seen by a running script (PRD §10 "scripts are daemon-unaware").
 *
 * Two implementations exist or are planned: `machine_handle.ts` (a set of `Machine`s
 * without a daemon — tests, template builds) and the lab daemon's (over `LabRuntime`).
 *
 * Contract for implementers:
 *  - Lookups (`vm`, `vms`, `segment`, `name`, `root`, `state`) are synchronous and cheap;
 *    everything that talks to QEMU, the guest agent or the network fabric returns a
 *    Promise.
 *  - A failure rejects with an `Error` whose `message` is one line naming the VM (or
 *    segment) and what went wrong; an optional string `hint` property is appended by the
 *    script layer. Automation errors of `core/machine` (which carry `hint`) and QGA
 *    errors can be thrown as they are.
 *  - Host paths handed to a handle are absolute: the script layer resolves a script's
 *    relative paths against `LabHandle.root` first. Guest paths are passed verbatim.
 *  - Times are milliseconds; the script layer converts the reference's seconds.
 *  - Calls may overlap (handlers can run while a provision script runs); a handle
 *    serialises what must be serialised itself.
 *
 * Deliberately left out: cancellation of an in-flight call (a cancelled script's worker
 * is terminated at once, a pending host call finishes on its own deadline), guest OS
 * information (not part of the documented script surface).
 */
import type { ScreenMatch } from "../machine/screen_match.ts";

/** Power state as scripts see it (fact_vm_lifecycle.md `vm.state()`). */
export type VmPowerState = "stopped" | "starting" | "running" | "paused" | "stopping";

/** A rectangle of the screen in pixels. */
export interface ScreenRegion {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Outcome of a guest command, text decoded as UTF-8. */
export interface GuestExecResult {
  /** Exit status; a process killed by signal `n` reports `128 + n`, as shells do. */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The lab a script drives. */
export interface LabHandle {
  /** Lab name from vmlab.wcl. */
  readonly name: string;
  /** Directory of vmlab.wcl: relative host paths in scripts resolve here. */
  readonly root: string;
  /** One line into the lab log and the live stream of the invoking CLI. */
  log(message: string): void;
  /** A VM by name, or undefined if the lab defines none by that name. */
  vm(name: string): VmHandle | undefined;
  /** All VMs in declaration order. */
  vms(): readonly VmHandle[];
  /** A segment by name, or undefined if the lab declares none by that name. */
  segment(name: string): SegmentHandle | undefined;
}

/** Lifecycle, agent, input, screen and snapshots of one VM (entity_vm_api.md). */
export interface VmHandle {
  readonly name: string;

  // Lifecycle & state (fact_vm_lifecycle.md)
  state(): VmPowerState;
  start(): Promise<void>;
  /** Graceful ladder: guest agent shutdown → ACPI power button → kill. */
  stop(): Promise<void>;
  stopForce(): Promise<void>;
  restart(): Promise<void>;
  /** Pause the vCPUs (QMP `stop`); rejects unless the VM is running. */
  suspend(): Promise<void>;
  /** Continue a suspended VM (QMP `cont`); rejects unless it is `paused`. */
  resume(): Promise<void>;
  /** True when the guest agent answers now (a short probe, never throws). */
  isReady(): Promise<boolean>;
  waitReady(timeoutMs: number): Promise<void>;
  waitShutdown(timeoutMs: number): Promise<void>;
  /** IPv4 address of NIC `nic` (0-based, declaration order). */
  ip(nic: number): Promise<string>;

  // Guest agent (fact_vm_agent.md)
  exec(cmd: string, args: readonly string[], timeoutMs: number): Promise<GuestExecResult>;
  copyTo(hostPath: string, guestPath: string): Promise<void>;
  /** Parent folders of `hostPath` are created; the file appears atomically. */
  copyFrom(guestPath: string, hostPath: string): Promise<void>;

  // Keyboard & mouse (fact_vm_input.md)
  sendKeys(chord: string): Promise<void>;
  /** `gapMs` = pause between keys; undefined = the keyboard's default pacing. */
  typeText(text: string, gapMs?: number): Promise<void>;
  mouseMove(x: number, y: number): Promise<void>;
  mouseClick(button: string): Promise<void>;
  mouseDrag(x1: number, y1: number, x2: number, y2: number): Promise<void>;

  // Screen (fact_vm_vision.md); image paths are absolute
  /** Saves a PNG; undefined = auto-named under `.vmlab/screenshots/`. Returns the path. */
  screenshot(hostPath: string | undefined): Promise<string>;
  findImage(image: string, opts: { threshold?: number; region?: ScreenRegion }): Promise<ScreenMatch | undefined>;
  waitForImage(image: string, opts: { timeoutMs: number; threshold?: number; region?: ScreenRegion }): Promise<ScreenMatch>;
  waitForAny(images: readonly string[], opts: { timeoutMs: number }): Promise<ScreenMatch>;
  ocr(region: ScreenRegion | undefined): Promise<string>;
  waitForText(pattern: string, opts: { timeoutMs: number }): Promise<ScreenMatch>;

  // Snapshots (fact_vm_snapshots.md)
  /** Online when running (disk + RAM + devices), offline (disk) when stopped. */
  snapshot(name: string): Promise<void>;
  /** Resumes running iff the snapshot was taken online; leaves the VM off otherwise. */
  restore(name: string): Promise<void>;
  snapshots(): Promise<readonly string[]>;
  deleteSnapshot(name: string): Promise<void>;
}

/** Transport protocols of `block_port`. */
export type BlockProto = "tcp" | "udp" | "icmp";

/** Runtime network rules on one live segment (entity_seg_api.md). Rule ids are ≥ 0. */
export interface SegmentHandle {
  readonly name: string;
  dnsSet(name: string, ip: string): Promise<number>;
  dnsSinkhole(pattern: string): Promise<number>;
  /** True if a rule with that id existed and was removed. */
  dnsClear(ruleId: number): Promise<boolean>;
  block(cidr: string): Promise<number>;
  blockPort(cidr: string, proto: BlockProto, port: number): Promise<number>;
  unblock(ruleId: number): Promise<boolean>;
  /** DNAT `"ip[:port]"` → `"ip[:port]"`. */
  redirect(from: string, to: string): Promise<number>;
  /** TCP host port → VM guest port; the VM needs a lease already. */
  forward(hostPort: number, vm: string, guestPort: number): Promise<number>;
  /** The segment's rules as JSON-serialisable data (the script receives JSON text). */
  rules(): Promise<unknown>;
  /** Turn on routing between this segment and `other` (both directions); idempotent. */
  routeTo(other: string): Promise<void>;
  /** Turn it off again; idempotent. */
  unrouteTo(other: string): Promise<void>;
  /** Capture every frame of the segment for `secs` seconds into pcapng file `path` (atomically); resolves to the frame count. */
  capture(path: string, secs: number): Promise<number>;
}
