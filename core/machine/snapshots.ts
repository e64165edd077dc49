/**
 * Snapshots of a VM as qcow2-internal snapshots of its linked clone (PRD §7.3,
 * fact_vm_snapshots.md, issue 7 item 7).
 *
 * Theory of operation.
 *  - Online (VM running): QMP `snapshot-save` / `snapshot-load` / `snapshot-delete`
 *    jobs (QEMU ≥ 6.0), run to completion by `jobs.ts`. The job pauses the vCPUs only
 *    while RAM and device state are written into the disk image (≈ 0.1 s for the tiny
 *    guest) and resumes them, so the VM keeps running after capture. The jobs are
 *    chosen over HMP `savevm`/`loadvm` because they name the block nodes explicitly:
 *    only the writable qcow2 disks take part, so a raw UEFI-vars flash (which cannot
 *    hold internal snapshots and makes `savevm` refuse) is simply left out, and errors
 *    come back as data instead of free text on the human monitor.
 *  - Offline (VM stopped): `qemu-img snapshot` on the clone (`OfflineSnapshots` in
 *    `snapshots_offline.ts`), disk state only.
 *  - Power state at capture is recorded by the snapshot itself: a snapshot with saved
 *    VM state (`vm-state-size` > 0) was taken online. `restore` of an online snapshot
 *    leaves the VM running (QEMU resumes it only if it ran before the load; we `cont`
 *    otherwise); an offline snapshot cannot be loaded into a running VM
 *    (`snapshot.disk_only`: stop the VM, then `OfflineSnapshots.restore`).
 *
 * Contract: names are checked before QEMU sees them (`snapshotNameProblem`); taking an
 * existing name is `snapshot.exists` unless `overwrite`; restoring or deleting a missing
 * one is `snapshot.not_found` listing the snapshots there are — checked first, because
 * a failed `snapshot-load` leaves QEMU paused in `restore-vm`. Every failure is a
 * `SnapshotError`. The guest agent's channel survives a restore, but the agent's own
 * state is that of the snapshot: callers re-sync it (`QgaClient.sync`) before use.
 * Leaves out: external snapshots, lab-wide snapshots (the lab daemon loops over VMs).
 */
import { z } from "zod";
import { systemClock, type Clock } from "../clock/mod.ts";
import type { QmpExecutor } from "../qmp/commands.ts";
import { cont, queryStatus } from "../qmp/commands.ts";
import { reasonOf, SnapshotError, type SnapshotOperation } from "./errors.ts";
import { JobTimeout, runJob } from "./jobs.ts";

/** Longest a snapshot job may run (saving many GiB of RAM on a slow disk). */
export const SNAPSHOT_JOB_TIMEOUT_MS = 600_000;
/** Longest snapshot name. */
export const MAX_SNAPSHOT_NAME = 128;

/** One snapshot of a VM. */
export interface SnapshotInfo {
  readonly name: string;
  /** QEMU's numeric id inside the image. */
  readonly id: string;
  readonly takenAt: Date;
  /** Taken while running (RAM and devices saved) — restoring resumes the VM running. */
  readonly online: boolean;
  /** Power state at capture, as PRD §10.3 lists it. */
  readonly powerState: "running" | "stopped";
  /** Bytes of saved RAM and device state (0 for offline snapshots). */
  readonly vmStateBytes: number;
  /** Guest run time at capture, ms. */
  readonly vmClockMs: number;
}

/** Why `name` cannot be a snapshot name, or undefined if it can. */
export function snapshotNameProblem(name: string): string | undefined {
  if (name.length === 0) return "it is empty";
  if (name.length > MAX_SNAPSHOT_NAME) return `it is longer than ${MAX_SNAPSHOT_NAME} characters`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return "use letters, digits, '.', '_' and '-', starting with a letter or digit";
  if (/^[0-9]+$/.test(name)) return "an all-digit name would be mistaken for a snapshot id";
  return undefined;
}

const snapshotSchema = z.object({
  id: z.string(),
  name: z.string(),
  "vm-state-size": z.number(),
  "date-sec": z.number(),
  "date-nsec": z.number().optional(),
  "vm-clock-sec": z.number().optional(),
  "vm-clock-nsec": z.number().optional(),
});

const blockSchema = z.array(
  z.object({
    device: z.string(),
    inserted: z
      .object({
        "node-name": z.string(),
        ro: z.boolean(),
        drv: z.string(),
        image: z.object({ snapshots: z.array(snapshotSchema).optional() }).optional(),
      })
      .optional(),
  }),
);

function toInfo(s: z.infer<typeof snapshotSchema>): SnapshotInfo {
  const online = s["vm-state-size"] > 0;
  return {
    name: s.name,
    id: s.id,
    takenAt: new Date(s["date-sec"] * 1000 + Math.floor((s["date-nsec"] ?? 0) / 1e6)),
    online,
    powerState: online ? "running" : "stopped",
    vmStateBytes: s["vm-state-size"],
    vmClockMs: (s["vm-clock-sec"] ?? 0) * 1000 + Math.floor((s["vm-clock-nsec"] ?? 0) / 1e6),
  };
}

/** The disks that take part in snapshots and the snapshots of the first one. */
interface DiskView {
  readonly nodes: readonly string[];
  readonly snapshots: readonly SnapshotInfo[];
}

/** Construction options of `LiveSnapshots`. */
export interface LiveSnapshotOptions {
  readonly clock?: Clock;
  /** Per-job limit (default `SNAPSHOT_JOB_TIMEOUT_MS`). */
  readonly timeoutMs?: number;
}

/** Snapshots of a running VM through QMP jobs. */
export class LiveSnapshots {
  readonly #qmp: QmpExecutor;
  readonly #vm: string;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  #jobSeq = 0;

  constructor(qmp: QmpExecutor, vm: string, opts: LiveSnapshotOptions = {}) {
    this.#qmp = qmp;
    this.#vm = vm;
    this.#clock = opts.clock ?? systemClock();
    this.#timeoutMs = opts.timeoutMs ?? SNAPSHOT_JOB_TIMEOUT_MS;
  }

  /** The VM's snapshots, oldest first. */
  async list(): Promise<SnapshotInfo[]> {
    return [...(await this.#disks("list", "")).snapshots];
  }

  /**
   * Takes an online snapshot (RAM + devices + disks); the VM keeps running.
   * @example await snaps.take("before-install");
   */
  async take(name: string, opts: { overwrite?: boolean } = {}): Promise<SnapshotInfo> {
    this.#checkName(name);
    const disks = await this.#disks("save", name);
    if (disks.nodes.length === 0)
      throw new SnapshotError(this.#vm, { code: "snapshot.no_disk", hint: "internal snapshots need a writable qcow2 disk (template-backed VMs have one)" });
    if (disks.snapshots.some((s) => s.name === name)) {
      if (!opts.overwrite) throw new SnapshotError(this.#vm, { code: "snapshot.exists", name, hint: "delete it first, choose another name, or overwrite it" });
      await this.#job("delete", name, "snapshot-delete", { tag: name, devices: disks.nodes });
    }
    await this.#job("save", name, "snapshot-save", { tag: name, vmstate: disks.nodes[0], devices: disks.nodes });
    const taken = (await this.#disks("save", name)).snapshots.find((s) => s.name === name);
    if (taken === undefined) {
      throw new SnapshotError(this.#vm, {
        code: "snapshot.job_failed",
        operation: "save",
        name,
        reason: "the job succeeded but the snapshot is not listed",
        hint: "check the VM log",
      });
    }
    return taken;
  }

  /** Restores an online snapshot; the VM runs afterwards, from the captured moment. */
  async restore(name: string): Promise<SnapshotInfo> {
    this.#checkName(name);
    const disks = await this.#disks("load", name);
    const snap = this.#find(disks, name);
    if (!snap.online) {
      throw new SnapshotError(this.#vm, { code: "snapshot.disk_only", name, hint: "stop the VM, restore the snapshot offline, then start it" });
    }
    await this.#job("load", name, "snapshot-load", { tag: name, vmstate: disks.nodes[0], devices: disks.nodes });
    try {
      if (!(await queryStatus(this.#qmp)).running) await cont(this.#qmp);
    } catch (err) {
      throw new SnapshotError(
        this.#vm,
        {
          code: "snapshot.qmp_failed",
          operation: "load",
          name,
          reason: `restored, but cannot resume the VM: ${reasonOf(err)}`,
          hint: "resume it with `vmlab vm start`",
        },
        { cause: err },
      );
    }
    return snap;
  }

  /** Deletes a snapshot from every disk that has it. */
  async delete(name: string): Promise<void> {
    this.#checkName(name);
    const disks = await this.#disks("delete", name);
    this.#find(disks, name);
    await this.#job("delete", name, "snapshot-delete", { tag: name, devices: disks.nodes });
  }

  #checkName(name: string): void {
    const problem = snapshotNameProblem(name);
    if (problem !== undefined)
      throw new SnapshotError(this.#vm, { code: "snapshot.bad_name", name, reason: problem, hint: 'e.g. "before-install" or "base.v2"' });
  }

  #find(disks: DiskView, name: string): SnapshotInfo {
    const s = disks.snapshots.find((x) => x.name === name);
    if (s === undefined) {
      throw new SnapshotError(this.#vm, {
        code: "snapshot.not_found",
        name,
        available: disks.snapshots.map((x) => x.name),
        hint: "list snapshots with `vmlab snapshot list`",
      });
    }
    return s;
  }

  async #disks(operation: SnapshotOperation, name: string): Promise<DiskView> {
    let raw: unknown;
    try {
      raw = await this.#qmp.execute("query-block");
    } catch (err) {
      throw new SnapshotError(
        this.#vm,
        { code: "snapshot.qmp_failed", operation, name, reason: reasonOf(err), hint: "the VM may have stopped" },
        { cause: err },
      );
    }
    const parsed = blockSchema.safeParse(raw);
    if (!parsed.success) {
      throw new SnapshotError(this.#vm, {
        code: "snapshot.qmp_failed",
        operation,
        name,
        reason: `unexpected query-block reply: ${parsed.error.issues[0]?.message ?? "?"}`,
        hint: "the QEMU version may be unsupported",
      });
    }
    const disks = parsed.data.flatMap((b) => (b.inserted !== undefined && !b.inserted.ro && b.inserted.drv === "qcow2" ? [b.inserted] : []));
    const first = disks[0];
    return {
      nodes: disks.map((d) => d["node-name"]),
      snapshots: (first?.image?.snapshots ?? []).map(toInfo),
    };
  }

  async #job(operation: SnapshotOperation, name: string, command: string, args: Record<string, unknown>): Promise<void> {
    const jobId = `vmlab-snapshot-${operation}-${process.pid}-${++this.#jobSeq}`;
    let result: { error?: string };
    try {
      result = await runJob(this.#qmp, command, args, { jobId, timeoutMs: this.#timeoutMs, clock: this.#clock });
    } catch (err) {
      if (err instanceof JobTimeout) {
        throw new SnapshotError(
          this.#vm,
          {
            code: "snapshot.timeout",
            operation,
            name,
            timeoutMs: err.timeoutMs,
            hint: "the host may be overloaded or its disk slow; the job continues inside QEMU",
          },
          { cause: err },
        );
      }
      throw new SnapshotError(
        this.#vm,
        { code: "snapshot.qmp_failed", operation, name, reason: reasonOf(err), hint: "snapshot jobs need QEMU ≥ 6.0" },
        { cause: err },
      );
    }
    if (result.error !== undefined) {
      const paused = operation === "load" ? "; the VM is left paused — restore another snapshot or restart it" : "";
      throw new SnapshotError(this.#vm, { code: "snapshot.job_failed", operation, name, reason: result.error, hint: `see the VM log${paused}` });
    }
  }
}
