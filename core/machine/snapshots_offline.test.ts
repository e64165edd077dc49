import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createImage } from "../qemu/img.ts";
import { SnapshotError } from "./errors.ts";
import { OfflineSnapshots } from "./snapshots_offline.ts";

const dir = mkdtempSync(join(tmpdir(), "vmlab-offline-snap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function thrown(f: () => unknown): SnapshotError {
  try {
    f();
  } catch (e) {
    if (e instanceof SnapshotError) return e;
    throw e;
  }
  throw new Error("expected a SnapshotError");
}

describe("OfflineSnapshots (qemu-img on a stopped VM's disk)", () => {
  test("takes, lists, restores and deletes disk-only snapshots", () => {
    const disk = join(dir, "d.qcow2");
    createImage(disk, 1 << 20);
    const s = new OfflineSnapshots(disk, "db");
    expect(s.take("cold")).toMatchObject({ name: "cold", online: false, powerState: "stopped", vmStateBytes: 0 });
    expect(thrown(() => s.take("cold")).code).toBe("snapshot.exists");
    expect(s.take("cold", { overwrite: true }).name).toBe("cold");
    expect(s.restore("cold").name).toBe("cold");
    expect(thrown(() => s.restore("warm")).detail).toMatchObject({ code: "snapshot.not_found", available: ["cold"] });
    s.delete("cold");
    expect(s.list()).toEqual([]);
  });

  test("a missing image is snapshot.img_failed naming qemu-img's reason", () => {
    const e = thrown(() => new OfflineSnapshots(join(dir, "missing.qcow2"), "db").list());
    expect(e.code).toBe("snapshot.img_failed");
    expect(e.message).toContain("missing.qcow2");
  });
});
