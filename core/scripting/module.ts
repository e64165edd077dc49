/**
 * The `vmlab` wscript host module (entity_lab_api.md, entity_vm_api.md,
 * entity_seg_api.md, PRD §10): exactly the documented surface —
 *
 *   struct ExecResult { exit_code: int, stdout: string, stderr: string }
 *   struct Match { x: int, y: int, w: int, h: int, score: float, cx: int, cy: int, text: string }
 *   struct Event { name: string, vm: string, data: string }
 *   opaque Lab { name log vm vms segment }
 *   opaque Vm { …lifecycle, agent, input, screen, snapshots (vm_methods.ts) }
 *   opaque Segment { …rules, route_to, unroute_to, capture (segment_methods.ts) }
 *   module vmlab { fn sleep_ms(ms: int) }
 *
 * The module is stateless: every call reaches the lab through `self` (a `LabRef`,
 * `VmRef` or `SegmentRef`, refs.ts), so one compiled unit serves any number of runs
 * against any lab. Blocking calls are async host functions, so scripts must run with
 * `runInWorker` (run.ts does); the embedder's event loop stays free while they wait.
 */
import { Err, HostModule, Ok, type Int } from "../../wscript/mod.ts";
import { LabRef } from "./refs.ts";
import { segmentAsyncMethods, segmentMethods } from "./segment_methods.ts";
import { vmAsyncMethods, vmMethods } from "./vm_methods.ts";
import type { LabHandle } from "./handle.ts";

/** Longest single `vmlab::sleep_ms` (a day). */
export const MAX_SLEEP_MS = 86_400_000;

/** The module's name as scripts `use` it. */
export const VMLAB_MODULE = "vmlab";

type Method = (...args: never[]) => unknown;

const labMethods: Record<string, Method> = {
  "name(self) -> string": ((l: LabRef) => l.handle.name) as Method,
  "log(self, msg: string)": ((l: LabRef, msg: string) => {
    l.handle.log(msg);
  }) as Method,
  "vm(self, name: string) -> Result[Vm, string]": ((l: LabRef, name: string) => {
    const vm = l.handle.vm(name);
    if (vm) return Ok(l.vmRef(vm));
    const known = l.handle.vms().map((v) => v.name);
    return Err(
      `Cannot find VM '${name}' in lab ${l.handle.name} (${known.length === 0 ? "it has no VMs" : `it has ${known.map((n) => `'${n}'`).join(", ")}`})`,
    );
  }) as Method,
  "vms(self) -> List[Vm]": ((l: LabRef) => l.handle.vms().map((v) => l.vmRef(v))) as Method,
  "segment(self, name: string) -> Result[Segment, string]": ((l: LabRef, name: string) => {
    const seg = l.handle.segment(name);
    return seg ? Ok(l.segmentRef(seg)) : Err(`Cannot find segment '${name}' in lab ${l.handle.name}: it is not declared in vmlab.wcl`);
  }) as Method,
};

/** The `vmlab` host module. `sleep` defaults to a timer on the embedder's thread. */
export function vmlabModule(sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): HostModule {
  return new HostModule(VMLAB_MODULE)
    .type("struct ExecResult { exit_code: int, stdout: string, stderr: string }")
    .type("struct Match { x: int, y: int, w: int, h: int, score: float, cx: int, cy: int, text: string }")
    .type("struct Event { name: string, vm: string, data: string }")
    .opaque("Lab", labMethods)
    .opaque("Vm", vmMethods, vmAsyncMethods)
    .opaque("Segment", segmentMethods, segmentAsyncMethods)
    .asyncFn("sleep_ms(ms: int)", (async (ms: Int) => {
      // Returns unit, so there is no Err to report: negative sleeps are 0, longer ones a day.
      const n = typeof ms === "bigint" ? (ms <= 0n ? 0 : MAX_SLEEP_MS) : ms;
      await sleep(Math.min(Math.max(0, n), MAX_SLEEP_MS));
    }) as never);
}

/** The script's `Lab` for one run against `lab`. */
export function labValue(lab: LabHandle): LabRef {
  return new LabRef(lab);
}
