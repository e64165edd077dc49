/**
 * The methods of the script type `Vm` (entity_vm_api.md and the five fact_vm_*.md
 * pages), as wscript signatures bound to `VmHandle` calls.
 *
 * Every fallible method returns `Result[…, string]`; arguments are range-checked here
 * (timeouts in seconds, 0..86 400; regions `[x, y, w, h]` or `[]`; thresholds in
 * (0, 1]; NIC indexes and coordinates ≥ 0). Host paths are resolved against the lab
 * root. Everything that talks to the guest is an async method, run on the embedder's
 * thread while the script's worker blocks.
 */
import { None, Some, type Int } from "../../wscript/mod.ts";
import { DEFAULT_EXEC_TIMEOUT_MS } from "../qga/exec.ts";
import type { VmRef } from "./refs.ts";
import { attempt, BadArgument, execResultValue, intArg, matchValue, regionArg, thresholdArg, timeoutMs } from "./values.ts";

/** Default similarity threshold of image matching (fact_vm_vision.md). */
export const DEFAULT_IMAGE_THRESHOLD = 0.9;
/** Largest screen coordinate accepted before asking QEMU. */
const MAX_COORD = 65_535;
/** Longest inter-key delay of `type_text_paced`, ms. */
const MAX_TYPE_DELAY_MS = 10_000;

type Method = (...args: never[]) => unknown;
type AsyncMethod = (...args: never[]) => Promise<unknown>;

const coord = (v: Int, what: string) => intArg(v, what, 0, MAX_COORD);

/** Synchronous `Vm` methods by signature. */
export const vmMethods: Record<string, Method> = {
  "name(self) -> string": ((v: VmRef) => v.handle.name) as Method,
  "state(self) -> string": ((v: VmRef) => v.handle.state()) as Method,
};

/** Asynchronous `Vm` methods by signature. */
export const vmAsyncMethods: Record<string, AsyncMethod> = {
  // Lifecycle & state
  "start(self) -> Result[unit, string]": (async (v: VmRef) => attempt(`start VM ${v.handle.name}`, () => v.handle.start())) as AsyncMethod,
  "stop(self) -> Result[unit, string]": (async (v: VmRef) => attempt(`stop VM ${v.handle.name}`, () => v.handle.stop())) as AsyncMethod,
  "stop_force(self) -> Result[unit, string]": (async (v: VmRef) => attempt(`stop VM ${v.handle.name}`, () => v.handle.stopForce())) as AsyncMethod,
  "restart(self) -> Result[unit, string]": (async (v: VmRef) => attempt(`restart VM ${v.handle.name}`, () => v.handle.restart())) as AsyncMethod,
  "suspend(self) -> Result[unit, string]": (async (v: VmRef) => attempt(`suspend VM ${v.handle.name}`, () => v.handle.suspend())) as AsyncMethod,
  "resume(self) -> Result[unit, string]": (async (v: VmRef) => attempt(`resume VM ${v.handle.name}`, () => v.handle.resume())) as AsyncMethod,
  "is_ready(self) -> bool": (async (v: VmRef) => v.handle.isReady().catch(() => false)) as AsyncMethod,
  "wait_ready(self, timeout_secs: int) -> Result[unit, string]": (async (v: VmRef, t: Int) =>
    attempt(`wait for VM ${v.handle.name} to be ready`, () => v.handle.waitReady(timeoutMs(t)))) as AsyncMethod,
  "wait_shutdown(self, timeout_secs: int) -> Result[unit, string]": (async (v: VmRef, t: Int) =>
    attempt(`wait for VM ${v.handle.name} to power off`, () => v.handle.waitShutdown(timeoutMs(t)))) as AsyncMethod,
  "ip(self) -> Result[string, string]": (async (v: VmRef) => attempt(`get the IP of VM ${v.handle.name}`, () => v.handle.ip(0))) as AsyncMethod,
  "ip_nic(self, nic: int) -> Result[string, string]": (async (v: VmRef, nic: Int) =>
    attempt(`get the IP of VM ${v.handle.name}`, () => v.handle.ip(intArg(nic, "nic", 0, 63)))) as AsyncMethod,

  // Guest agent
  "exec(self, cmd: string, args: List[string]) -> Result[ExecResult, string]": (async (v: VmRef, cmd: string, args: string[]) =>
    attempt(`run ${cmd} on VM ${v.handle.name}`, () => v.handle.exec(cmd, args, DEFAULT_EXEC_TIMEOUT_MS), execResultValue)) as AsyncMethod,
  "exec_timeout(self, cmd: string, args: List[string], timeout_secs: int) -> Result[ExecResult, string]": (async (
    v: VmRef,
    cmd: string,
    args: string[],
    t: Int,
  ) => attempt(`run ${cmd} on VM ${v.handle.name}`, () => v.handle.exec(cmd, args, timeoutMs(t)), execResultValue)) as AsyncMethod,
  "copy_to(self, local: string, guest_path: string) -> Result[unit, string]": (async (v: VmRef, local: string, guest: string) =>
    attempt(`copy ${local} to ${guest} on VM ${v.handle.name}`, () => {
      if (guest === "") throw new BadArgument("the guest path is empty");
      return v.handle.copyTo(v.lab.hostPath(local), guest);
    })) as AsyncMethod,
  "copy_from(self, guest_path: string, local: string) -> Result[unit, string]": (async (v: VmRef, guest: string, local: string) =>
    attempt(`copy ${guest} from VM ${v.handle.name} to ${local}`, () => {
      if (local === "") throw new BadArgument("the local path is empty");
      return v.handle.copyFrom(guest, v.lab.hostPath(local));
    })) as AsyncMethod,

  // Keyboard & mouse
  "send_keys(self, chord: string) -> Result[unit, string]": (async (v: VmRef, chord: string) =>
    attempt(`send keys '${chord}' to VM ${v.handle.name}`, () => v.handle.sendKeys(chord))) as AsyncMethod,
  "type_text(self, text: string) -> Result[unit, string]": (async (v: VmRef, text: string) =>
    attempt(`type text on VM ${v.handle.name}`, () => v.handle.typeText(text))) as AsyncMethod,
  "type_text_paced(self, text: string, delay_ms: int) -> Result[unit, string]": (async (v: VmRef, text: string, d: Int) =>
    attempt(`type text on VM ${v.handle.name}`, () => v.handle.typeText(text, intArg(d, "delay_ms", 0, MAX_TYPE_DELAY_MS)))) as AsyncMethod,
  "mouse_move(self, x: int, y: int) -> Result[unit, string]": (async (v: VmRef, x: Int, y: Int) =>
    attempt(`move the mouse on VM ${v.handle.name}`, () => v.handle.mouseMove(coord(x, "x"), coord(y, "y")))) as AsyncMethod,
  "mouse_click(self, button: string) -> Result[unit, string]": (async (v: VmRef, button: string) =>
    attempt(`click on VM ${v.handle.name}`, () => v.handle.mouseClick(button))) as AsyncMethod,
  "mouse_drag(self, x1: int, y1: int, x2: int, y2: int) -> Result[unit, string]": (async (v: VmRef, x1: Int, y1: Int, x2: Int, y2: Int) =>
    attempt(`drag the mouse on VM ${v.handle.name}`, () =>
      v.handle.mouseDrag(coord(x1, "x1"), coord(y1, "y1"), coord(x2, "x2"), coord(y2, "y2")),
    )) as AsyncMethod,

  // Screen
  "screenshot(self, path: string) -> Result[string, string]": (async (v: VmRef, path: string) =>
    attempt(`take a screenshot of VM ${v.handle.name}`, () => v.handle.screenshot(path === "" ? undefined : v.lab.hostPath(path)))) as AsyncMethod,
  "find_image(self, image: string) -> Result[Option[Match], string]": (async (v: VmRef, image: string) =>
    attempt(
      `find image ${image} on VM ${v.handle.name}`,
      () => v.handle.findImage(v.lab.hostPath(image), {}),
      (m) => (m === undefined ? None : Some(matchValue(m))),
    )) as AsyncMethod,
  "wait_for_image(self, image: string, timeout_secs: int) -> Result[Match, string]": (async (v: VmRef, image: string, t: Int) =>
    attempt(
      `wait for image ${image} on VM ${v.handle.name}`,
      () => v.handle.waitForImage(v.lab.hostPath(image), { timeoutMs: timeoutMs(t), threshold: DEFAULT_IMAGE_THRESHOLD }),
      matchValue,
    )) as AsyncMethod,
  "wait_for_image_opts(self, image: string, timeout_secs: int, threshold: float, region: List[int]) -> Result[Match, string]": (async (
    v: VmRef,
    image: string,
    t: Int,
    th: number,
    region: Int[],
  ) =>
    attempt(
      `wait for image ${image} on VM ${v.handle.name}`,
      () => {
        const r = regionArg(region);
        return v.handle.waitForImage(v.lab.hostPath(image), { timeoutMs: timeoutMs(t), threshold: thresholdArg(th), ...(r ? { region: r } : {}) });
      },
      matchValue,
    )) as AsyncMethod,
  "wait_for_any(self, images: List[string], timeout_secs: int) -> Result[Match, string]": (async (v: VmRef, images: string[], t: Int) =>
    attempt(
      `wait for any of ${images.length} images on VM ${v.handle.name}`,
      () => {
        if (images.length === 0) throw new BadArgument("the image list is empty");
        return v.handle.waitForAny(
          images.map((i) => v.lab.hostPath(i)),
          { timeoutMs: timeoutMs(t) },
        );
      },
      matchValue,
    )) as AsyncMethod,
  "ocr(self) -> Result[string, string]": (async (v: VmRef) => attempt(`read the screen of VM ${v.handle.name}`, () => v.handle.ocr(undefined))) as AsyncMethod,
  "ocr_region(self, region: List[int]) -> Result[string, string]": (async (v: VmRef, region: Int[]) =>
    attempt(`read the screen of VM ${v.handle.name}`, () => v.handle.ocr(regionArg(region)))) as AsyncMethod,
  "wait_for_text(self, pattern: string, timeout_secs: int) -> Result[Match, string]": (async (v: VmRef, pattern: string, t: Int) =>
    attempt(`wait for text /${pattern}/ on VM ${v.handle.name}`, () => v.handle.waitForText(pattern, { timeoutMs: timeoutMs(t) }), matchValue)) as AsyncMethod,

  // Snapshots
  "snapshot(self, name: string) -> Result[unit, string]": (async (v: VmRef, name: string) =>
    attempt(`take snapshot '${name}' of VM ${v.handle.name}`, () => v.handle.snapshot(name))) as AsyncMethod,
  "restore(self, name: string) -> Result[unit, string]": (async (v: VmRef, name: string) =>
    attempt(`restore snapshot '${name}' of VM ${v.handle.name}`, () => v.handle.restore(name))) as AsyncMethod,
  "snapshots(self) -> Result[List[string], string]": (async (v: VmRef) =>
    attempt(
      `list the snapshots of VM ${v.handle.name}`,
      () => v.handle.snapshots(),
      (l) => [...l],
    )) as AsyncMethod,
  "delete_snapshot(self, name: string) -> Result[unit, string]": (async (v: VmRef, name: string) =>
    attempt(`delete snapshot '${name}' of VM ${v.handle.name}`, () => v.handle.deleteSnapshot(name))) as AsyncMethod,
};
