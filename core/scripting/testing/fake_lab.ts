/**
 * In-memory `LabHandle`, `VmHandle` and `SegmentHandle` for unit tests of the script
 * layer: no QEMU. Every call is recorded as `"<method> <args as JSON>"` in `calls`;
 * results come from overridable fields, and `fail` makes the named method reject with
 * the given message (and optional hint, as a `CodedError`), as a real handle would.
 */
import { CodedError } from "../../errors/mod.ts";
import type { ScreenMatch } from "../../machine/screen_match.ts";
import type { BlockProto, GuestExecResult, LabHandle, ScreenRegion, SegmentHandle, VmHandle, VmPowerState } from "../handle.ts";

type Failure = { message: string; hint?: string };

abstract class Recorder {
  readonly calls: string[] = [];
  /** Method name → failure to reject with. */
  readonly fail = new Map<string, Failure>();
  protected async rec<T>(method: string, args: unknown[], value: T): Promise<T> {
    this.calls.push(`${method} ${JSON.stringify(args)}`);
    const f = this.fail.get(method);
    if (f) throw f.hint === undefined ? new Error(f.message) : new CodedError("test.failure", f.message, { hint: f.hint });
    return value;
  }
}

export class FakeVm extends Recorder implements VmHandle {
  powerState: VmPowerState = "running";
  ready = true;
  ips: string[] = ["10.213.0.10"];
  execResult: GuestExecResult = { exitCode: 0, stdout: "", stderr: "" };
  match: ScreenMatch | undefined = { x: 10, y: 20, w: 30, h: 40, cx: 25, cy: 40, score: 0.97, text: "" };
  ocrText = "login:";
  snaps: string[] = [];
  constructor(readonly name: string) {
    super();
  }
  state(): VmPowerState {
    return this.powerState;
  }
  start() {
    return this.rec("start", [], undefined);
  }
  stop() {
    return this.rec("stop", [], undefined);
  }
  stopForce() {
    return this.rec("stopForce", [], undefined);
  }
  restart() {
    return this.rec("restart", [], undefined);
  }
  suspend() {
    return this.rec("suspend", [], undefined);
  }
  resume() {
    return this.rec("resume", [], undefined);
  }
  isReady() {
    return this.rec("isReady", [], this.ready);
  }
  waitReady(timeoutMs: number) {
    return this.rec("waitReady", [timeoutMs], undefined);
  }
  waitShutdown(timeoutMs: number) {
    return this.rec("waitShutdown", [timeoutMs], undefined);
  }
  async ip(nic: number) {
    const ip = this.ips[nic];
    if (ip === undefined)
      return this.rec("ip", [nic], "").then(() => {
        throw new Error(`VM ${this.name} has no NIC ${nic}`);
      });
    return this.rec("ip", [nic], ip);
  }
  exec(cmd: string, args: readonly string[], timeoutMs: number) {
    return this.rec("exec", [cmd, args, timeoutMs], this.execResult);
  }
  copyTo(hostPath: string, guestPath: string) {
    return this.rec("copyTo", [hostPath, guestPath], undefined);
  }
  copyFrom(guestPath: string, hostPath: string) {
    return this.rec("copyFrom", [guestPath, hostPath], undefined);
  }
  sendKeys(chord: string) {
    return this.rec("sendKeys", [chord], undefined);
  }
  typeText(text: string, gapMs?: number) {
    return this.rec("typeText", gapMs === undefined ? [text] : [text, gapMs], undefined);
  }
  mouseMove(x: number, y: number) {
    return this.rec("mouseMove", [x, y], undefined);
  }
  mouseClick(button: string) {
    return this.rec("mouseClick", [button], undefined);
  }
  mouseDrag(x1: number, y1: number, x2: number, y2: number) {
    return this.rec("mouseDrag", [x1, y1, x2, y2], undefined);
  }
  screenshot(hostPath: string | undefined) {
    return this.rec("screenshot", [hostPath ?? null], hostPath ?? "/lab/.vmlab/screenshots/auto.png");
  }
  findImage(image: string, opts: { threshold?: number; region?: ScreenRegion }) {
    return this.rec("findImage", [image, opts], this.match);
  }
  waitForImage(image: string, opts: { timeoutMs: number; threshold?: number; region?: ScreenRegion }) {
    return this.rec("waitForImage", [image, opts], this.match as ScreenMatch);
  }
  waitForAny(images: readonly string[], opts: { timeoutMs: number }) {
    return this.rec("waitForAny", [images, opts], this.match as ScreenMatch);
  }
  ocr(region: ScreenRegion | undefined) {
    return this.rec("ocr", [region ?? null], this.ocrText);
  }
  waitForText(pattern: string, opts: { timeoutMs: number }) {
    return this.rec("waitForText", [pattern, opts], { x: 0, y: 0, w: 0, h: 0, cx: 0, cy: 0, score: 1, text: this.ocrText });
  }
  snapshot(name: string) {
    this.snaps.push(name);
    return this.rec("snapshot", [name], undefined);
  }
  restore(name: string) {
    return this.rec("restore", [name], undefined);
  }
  snapshots() {
    return this.rec("snapshots", [], [...this.snaps] as readonly string[]);
  }
  deleteSnapshot(name: string) {
    return this.rec("deleteSnapshot", [name], undefined);
  }
}

/** A segment that keeps rules in a list and routes in a set. */
export class FakeSegment extends Recorder implements SegmentHandle {
  readonly rulesList: { id: number; kind: string; args: unknown[] }[] = [];
  readonly routes = new Set<string>();
  #next = 1;
  constructor(readonly name: string) {
    super();
  }
  #add(kind: string, args: unknown[]): Promise<number> {
    const id = this.#next++;
    this.rulesList.push({ id, kind, args });
    return this.rec(kind, args, id);
  }
  #remove(kind: string, id: number): Promise<boolean> {
    const i = this.rulesList.findIndex((r) => r.id === id);
    if (i >= 0) this.rulesList.splice(i, 1);
    return this.rec(kind, [id], i >= 0);
  }
  dnsSet(name: string, ip: string) {
    return this.#add("dnsSet", [name, ip]);
  }
  dnsSinkhole(pattern: string) {
    return this.#add("dnsSinkhole", [pattern]);
  }
  dnsClear(ruleId: number) {
    return this.#remove("dnsClear", ruleId);
  }
  block(cidr: string) {
    return this.#add("block", [cidr]);
  }
  blockPort(cidr: string, proto: BlockProto, port: number) {
    return this.#add("blockPort", [cidr, proto, port]);
  }
  unblock(ruleId: number) {
    return this.#remove("unblock", ruleId);
  }
  redirect(from: string, to: string) {
    return this.#add("redirect", [from, to]);
  }
  forward(hostPort: number, vm: string, guestPort: number) {
    return this.#add("forward", [hostPort, vm, guestPort]);
  }
  rules() {
    return this.rec(
      "rules",
      [],
      this.rulesList.map((r) => ({ ...r })),
    );
  }
  routeTo(other: string) {
    this.routes.add(other);
    return this.rec("routeTo", [other], undefined);
  }
  unrouteTo(other: string) {
    this.routes.delete(other);
    return this.rec("unrouteTo", [other], undefined);
  }
  capture(path: string, secs: number) {
    return this.rec("capture", [path, secs], 0);
  }
}

/** A lab of fakes; `logs` collects `lab.log` lines. */
export class FakeLab implements LabHandle {
  readonly logs: string[] = [];
  constructor(
    readonly name: string,
    readonly root: string,
    readonly vmList: FakeVm[],
    readonly segments: FakeSegment[] = [],
  ) {}
  log(message: string): void {
    this.logs.push(message);
  }
  vm(name: string) {
    return this.vmList.find((v) => v.name === name);
  }
  vms() {
    return this.vmList;
  }
  segment(name: string) {
    return this.segments.find((s) => s.name === name);
  }
}
