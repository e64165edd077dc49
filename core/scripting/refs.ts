/**
 * The host objects behind the script types `Lab`, `Vm` and `Segment`.
 *
 * A script never sees a handle directly: it holds a `LabRef`, `VmRef` or `SegmentRef`,
 * which adds what the script layer needs — the lab root for resolving relative host
 * paths, and stable identity (asking `lab.vm("a")` twice yields the same `Vm`, so
 * `same(a, b)` holds). One `LabRef` per script run; refs are cheap.
 */
import { isAbsolute, resolve } from "node:path";
import type { LabHandle, SegmentHandle, VmHandle } from "./handle.ts";

/** The script's `Lab`. */
export class LabRef {
  readonly #vms = new Map<VmHandle, VmRef>();
  readonly #segments = new Map<SegmentHandle, SegmentRef>();
  constructor(readonly handle: LabHandle) {}

  /** A host path from a script: relative paths resolve against the lab root. */
  hostPath(p: string): string {
    return isAbsolute(p) ? p : resolve(this.handle.root, p);
  }

  vmRef(vm: VmHandle): VmRef {
    let r = this.#vms.get(vm);
    if (!r) {
      r = new VmRef(this, vm);
      this.#vms.set(vm, r);
    }
    return r;
  }

  segmentRef(seg: SegmentHandle): SegmentRef {
    let r = this.#segments.get(seg);
    if (!r) {
      r = new SegmentRef(seg);
      this.#segments.set(seg, r);
    }
    return r;
  }
}

/** The script's `Vm`. */
export class VmRef {
  constructor(
    readonly lab: LabRef,
    readonly handle: VmHandle,
  ) {}
}

/** The script's `Segment`. */
export class SegmentRef {
  constructor(readonly handle: SegmentHandle) {}
}
