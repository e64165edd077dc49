/**
 * Disk-only snapshots of a stopped VM through `qemu-img snapshot` on its linked clone
 * (PRD §7.3 "offline"; see `snapshots.ts` for the online half and the shared rules).
 *
 * Contract: the same names, `SnapshotInfo` and `SnapshotError` codes as `LiveSnapshots`;
 * `take` on an existing name is `snapshot.exists` unless `overwrite`, `restore`/`delete`
 * of a missing one is `snapshot.not_found`; a qemu-img failure — typically QEMU still
 * holding the image lock — is `snapshot.img_failed`. The VM stays stopped after
 * `restore`. `list` reads the image with `-U`, so it also works while the VM runs.
 * Synchronous: qemu-img only touches the qcow2 snapshot table, which is fast.
 */
import { snapshots as img, type ImgOptions } from "../qemu/img.ts";
import { reasonOf, SnapshotError, type SnapshotOperation } from "./errors.ts";
import { type SnapshotInfo, snapshotNameProblem } from "./snapshots.ts";

/** Snapshots of a stopped VM's disk image through `qemu-img snapshot` (disk state only). */
export class OfflineSnapshots {
  readonly #disk: string;
  readonly #vm: string;
  readonly #img: ImgOptions;

  constructor(diskPath: string, vm: string, imgOpts: ImgOptions = {}) {
    this.#disk = diskPath;
    this.#vm = vm;
    this.#img = imgOpts;
  }

  /** The image's snapshots (readable while the VM runs). */
  list(): SnapshotInfo[] {
    return this.#run("list", "", () =>
      img.list(this.#disk, this.#img).map((s) => {
        const online = s.vmStateSize > 0;
        return {
          name: s.name,
          id: s.id,
          takenAt: s.date,
          online,
          powerState: online ? "running" : "stopped",
          vmStateBytes: s.vmStateSize,
          vmClockMs: 0,
        } satisfies SnapshotInfo;
      }),
    );
  }

  /** Takes a disk-only snapshot; the VM must be stopped. */
  take(name: string, opts: { overwrite?: boolean } = {}): SnapshotInfo {
    this.#checkName(name);
    if (this.list().some((s) => s.name === name)) {
      if (!opts.overwrite) throw new SnapshotError(this.#vm, { code: "snapshot.exists", name, hint: "delete it first, choose another name, or overwrite it" });
      this.#run("delete", name, () => img.delete(this.#disk, name, this.#img));
    }
    this.#run("save", name, () => img.create(this.#disk, name, this.#img));
    return this.#find(name);
  }

  /**
   * Reverts the disk to a snapshot; the VM must be stopped and stays stopped. An online
   * snapshot reverted this way restores its disk state only (start the VM and
   * `LiveSnapshots.restore` it instead to get RAM back).
   */
  restore(name: string): SnapshotInfo {
    this.#checkName(name);
    const s = this.#find(name);
    this.#run("load", name, () => img.apply(this.#disk, name, this.#img));
    return s;
  }

  /** Deletes a snapshot; the VM must be stopped. */
  delete(name: string): void {
    this.#checkName(name);
    this.#find(name);
    this.#run("delete", name, () => img.delete(this.#disk, name, this.#img));
  }

  #find(name: string): SnapshotInfo {
    const all = this.list();
    const s = all.find((x) => x.name === name);
    if (s === undefined)
      throw new SnapshotError(this.#vm, {
        code: "snapshot.not_found",
        name,
        available: all.map((x) => x.name),
        hint: "list snapshots with `vmlab snapshot list`",
      });
    return s;
  }

  #checkName(name: string): void {
    const problem = snapshotNameProblem(name);
    if (problem !== undefined)
      throw new SnapshotError(this.#vm, { code: "snapshot.bad_name", name, reason: problem, hint: 'e.g. "before-install" or "base.v2"' });
  }

  #run<T>(operation: SnapshotOperation, name: string, f: () => T): T {
    try {
      return f();
    } catch (err) {
      throw new SnapshotError(
        this.#vm,
        {
          code: "snapshot.img_failed",
          operation,
          name,
          reason: reasonOf(err),
          hint: "offline snapshots need the VM stopped (QEMU holds a lock on its disk while it runs)",
        },
        { cause: err },
      );
    }
  }
}
