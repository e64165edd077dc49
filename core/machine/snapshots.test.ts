import { describe, expect, test } from "bun:test";
import { SnapshotError } from "./errors.ts";
import { LiveSnapshots, snapshotNameProblem } from "./snapshots.ts";
import { InstantClock } from "./testing/instant_clock.ts";
import { RecordingQmp } from "./testing/recording_qmp.ts";

interface Snap {
  id: string;
  name: string;
  "vm-state-size": number;
  "date-sec": number;
  "date-nsec": number;
  "vm-clock-sec": number;
  "vm-clock-nsec": number;
}

/** Just enough of QEMU 7.2's snapshot jobs: jobs conclude after `pollsToFinish` query-jobs. */
function fakeQemu(opts: { snaps?: Snap[]; pollsToFinish?: number; running?: boolean; extraDisks?: unknown[] } = {}) {
  const snaps: Snap[] = opts.snaps ?? [];
  const state = { running: opts.running ?? true };
  const jobs = new Map<string, { polls: number; error?: string; run: () => string | undefined }>();
  const qmp = new RecordingQmp();
  const start = (run: () => string | undefined) => (args: Record<string, unknown> | undefined) => {
    jobs.set(args?.["job-id"] as string, { polls: 0, run });
    return {};
  };
  qmp.handle("query-block", () => [
    { device: "disk0", inserted: { "node-name": "#block180", ro: false, drv: "qcow2", image: { snapshots: [...snaps] } } },
    { device: "cd0", inserted: { "node-name": "#block300", ro: true, drv: "raw", image: {} } },
    ...(opts.extraDisks ?? []),
  ]);
  qmp.handle("snapshot-save", (a) =>
    start(() => {
      if (snaps.some((s) => s.name === a?.["tag"])) return `Snapshot '${a?.["tag"]}' already exists in one or more devices`;
      snaps.push({
        id: String(snaps.length + 1),
        name: a?.["tag"] as string,
        "vm-state-size": state.running ? 1000 : 0,
        "date-sec": 1_700_000_000,
        "date-nsec": 5_000_000,
        "vm-clock-sec": 3,
        "vm-clock-nsec": 250_000_000,
      });
      return undefined;
    })(a),
  );
  qmp.handle("snapshot-load", (a) =>
    start(() => {
      if (!snaps.some((s) => s.name === a?.["tag"])) {
        state.running = false;
        return `Snapshot '${a?.["tag"]}' does not exist in one or more devices`;
      }
      return undefined;
    })(a),
  );
  qmp.handle("snapshot-delete", (a) =>
    start(() => {
      const i = snaps.findIndex((s) => s.name === a?.["tag"]);
      if (i >= 0) snaps.splice(i, 1);
      return undefined;
    })(a),
  );
  qmp.handle("query-jobs", () =>
    [...jobs.entries()].map(([id, j]) => {
      if (j.polls++ === (opts.pollsToFinish ?? 1)) {
        const error = j.run();
        if (error !== undefined) j.error = error;
      }
      const done = j.polls > (opts.pollsToFinish ?? 1);
      return {
        id,
        type: "snapshot",
        status: done ? "concluded" : "running",
        "current-progress": 0,
        "total-progress": 1,
        ...(done && j.error ? { error: j.error } : {}),
      };
    }),
  );
  qmp.handle("job-dismiss", (a) => (jobs.delete(a?.["id"] as string), {}));
  qmp.handle("query-status", () => ({ running: state.running, status: state.running ? "running" : "paused" }));
  qmp.handle("cont", () => ((state.running = true), {}));
  return { qmp, snaps, state, jobs };
}

function live(q: ReturnType<typeof fakeQemu>, timeoutMs?: number) {
  return new LiveSnapshots(q.qmp, "db", { clock: new InstantClock(), ...(timeoutMs === undefined ? {} : { timeoutMs }) });
}

describe("LiveSnapshots", () => {
  test("take runs a snapshot-save job on the writable qcow2 disks and returns the online snapshot", async () => {
    const q = fakeQemu({ pollsToFinish: 3 });
    const info = await live(q).take("before");
    expect(q.qmp.named("snapshot-save")[0]?.args).toEqual({
      "job-id": expect.stringMatching(/^vmlab-snapshot-save-/),
      tag: "before",
      vmstate: "#block180",
      devices: ["#block180"],
    });
    expect(q.qmp.named("job-dismiss").length).toBe(1);
    expect(q.jobs.size).toBe(0);
    expect(info).toEqual({
      name: "before",
      id: "1",
      takenAt: new Date(1_700_000_000_005),
      online: true,
      powerState: "running",
      vmStateBytes: 1000,
      vmClockMs: 3250,
    });
  });

  test("taking an existing name is snapshot.exists unless overwrite", async () => {
    const q = fakeQemu();
    const s = live(q);
    await s.take("a");
    const err = (await s.take("a").catch((e: unknown) => e)) as SnapshotError;
    expect(err).toBeInstanceOf(SnapshotError);
    expect(err.message).toBe("cannot take snapshot 'a' of VM db: a snapshot with that name exists");
    await s.take("a", { overwrite: true });
    expect(q.qmp.named("snapshot-delete").length).toBe(1);
    expect((await s.list()).map((x) => x.name)).toEqual(["a"]);
  });

  test("restore loads the snapshot and leaves the VM running", async () => {
    const q = fakeQemu();
    const s = live(q);
    await s.take("base");
    q.state.running = false;
    expect(await s.restore("base")).toMatchObject({ name: "base", online: true });
    expect(q.qmp.named("snapshot-load")[0]?.args).toMatchObject({ tag: "base", vmstate: "#block180", devices: ["#block180"] });
    expect(q.state.running).toBe(true);
  });

  test("restoring a missing snapshot fails before QEMU is asked, so the VM is not paused", async () => {
    const q = fakeQemu();
    const s = live(q);
    await s.take("one");
    await s.take("two");
    const err = (await s.restore("three").catch((e: unknown) => e)) as SnapshotError;
    expect(err.detail).toMatchObject({ code: "snapshot.not_found", name: "three", available: ["one", "two"] });
    expect(err.message).toBe("cannot find snapshot 'three' of VM db (it has 'one', 'two')");
    expect(q.qmp.named("snapshot-load")).toEqual([]);
    expect(q.state.running).toBe(true);
  });

  test("an offline (disk-only) snapshot cannot be loaded into a running VM", async () => {
    const q = fakeQemu({ snaps: [{ id: "1", name: "cold", "vm-state-size": 0, "date-sec": 1, "date-nsec": 0, "vm-clock-sec": 0, "vm-clock-nsec": 0 }] });
    expect(
      (
        (await live(q)
          .restore("cold")
          .catch((e: unknown) => e)) as SnapshotError
      ).detail,
    ).toMatchObject({ code: "snapshot.disk_only", name: "cold" });
  });

  test("a job error comes back as snapshot.job_failed with QEMU's words", async () => {
    const q = fakeQemu();
    q.qmp.handle("query-block", () => [
      {
        device: "disk0",
        inserted: { "node-name": "n0", ro: false, drv: "qcow2", image: { snapshots: [{ id: "1", name: "x", "vm-state-size": 5, "date-sec": 1 }] } },
      },
    ]);
    const err = (await live(q)
      .restore("x")
      .catch((e: unknown) => e)) as SnapshotError;
    expect(err.detail).toMatchObject({ code: "snapshot.job_failed", operation: "load", reason: "Snapshot 'x' does not exist in one or more devices" });
    expect(err.hint).toContain("left paused");
  });

  test("a job that does not conclude in time is snapshot.timeout", async () => {
    const q = fakeQemu({ pollsToFinish: 1_000_000 });
    const err = (await live(q, 5_000)
      .take("slow")
      .catch((e: unknown) => e)) as SnapshotError;
    expect(err.detail).toMatchObject({ code: "snapshot.timeout", operation: "save", name: "slow", timeoutMs: 5_000 });
  });

  test("delete removes the snapshot; deleting a missing one is snapshot.not_found", async () => {
    const q = fakeQemu();
    const s = live(q);
    await s.take("gone");
    await s.delete("gone");
    expect(await s.list()).toEqual([]);
    expect(((await s.delete("gone").catch((e: unknown) => e)) as SnapshotError).code).toBe("snapshot.not_found");
  });

  test("a VM without a writable qcow2 disk cannot take snapshots", async () => {
    const q = fakeQemu();
    q.qmp.handle("query-block", () => [{ device: "cd0", inserted: { "node-name": "c", ro: true, drv: "raw" } }]);
    expect(
      (
        (await live(q)
          .take("x")
          .catch((e: unknown) => e)) as SnapshotError
      ).code,
    ).toBe("snapshot.no_disk");
  });

  test("bad names are rejected before QEMU sees them", async () => {
    const q = fakeQemu();
    for (const name of ["", "12", "-x", "a b", "x".repeat(129), "é"]) {
      expect(
        (
          (await live(q)
            .take(name)
            .catch((e: unknown) => e)) as SnapshotError
        ).code,
      ).toBe("snapshot.bad_name");
    }
    expect(q.qmp.commands).toEqual([]);
    expect(snapshotNameProblem("before-install.v2_1")).toBeUndefined();
  });
});
