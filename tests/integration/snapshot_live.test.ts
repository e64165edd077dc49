/**
 * Snapshots against the real tiny guest (TCG): an online snapshot keeps the VM running,
 * a file deleted after it is back after restore, the guest's uptime continues from the
 * captured moment, and errors name what is wrong. After QEMU stops, disk-only snapshots
 * work on the same linked clone through qemu-img. One guest for the whole file.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { machineControls, type MachineControls } from "../../core/machine/controls.ts";
import { SnapshotError } from "../../core/machine/errors.ts";
import { Machine } from "../../core/machine/machine.ts";
import { tinyGuest, tinyTemplatePath, type TinyGuest } from "../../core/machine/testing/tiny_guest.ts";
import type { QgaClient } from "../../core/qga/mod.ts";
import { imageInfo } from "../../core/qemu/img.ts";

const BOOT_TIMEOUT_MS = 240_000;
let guest: TinyGuest;
let machine: Machine;
let agent: QgaClient;
let ctl: MachineControls;

beforeAll(async () => {
  guest = tinyGuest(await tinyTemplatePath(), { name: "snap" });
  machine = await Machine.start(guest.spec);
  agent = await machine.waitForAgent(BOOT_TIMEOUT_MS);
  ctl = machineControls(machine);
}, BOOT_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await machine?.stop();
  guest?.cleanup();
});

const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function sh(cmd: string): Promise<{ code: number | null; out: string }> {
  const r = await agent.exec("/bin/sh", ["-c", cmd], { timeoutMs: 30_000 });
  return { code: r.exitCode, out: text(r.stdout) };
}

const uptime = async () => Number((await sh("cut -d' ' -f1 /proc/uptime")).out);

describe("snapshots of the tiny guest", () => {
  test("online snapshot → delete a file → restore: the VM runs, the file is back, uptime continues", async () => {
    await agent.writeFile("/root/keep.txt", new TextEncoder().encode("before snapshot\n"));
    const atCapture = await uptime();
    const info = await ctl.snapshots.take("s1");
    expect(info).toMatchObject({ name: "s1", online: true, powerState: "running" });
    expect(info.vmStateBytes).toBeGreaterThan(0);
    expect((await machine.qmp.queryStatus()).running).toBe(true);

    expect((await sh("rm /root/keep.txt && echo gone")).out).toBe("gone\n");
    // Let guest time run well past the capture, so a restored clock is unmistakable even
    // if the restore and the agent's re-sync are slow on a loaded host.
    await sh("sleep 8");
    const beforeRestore = await uptime();

    const restored = await ctl.snapshots.restore("s1");
    expect(restored.name).toBe("s1");
    expect((await machine.qmp.queryStatus()).running).toBe(true);
    await agent.waitReady(60_000);
    expect((await sh("cat /root/keep.txt")).out).toBe("before snapshot\n");
    const after = await uptime();
    expect(after).toBeGreaterThanOrEqual(atCapture);
    expect(after).toBeLessThan(beforeRestore);
  }, 180_000);

  test("list shows the snapshot with its power state; the name cannot be taken twice", async () => {
    expect((await ctl.snapshots.list()).map((s) => [s.name, s.powerState])).toEqual([["s1", "running"]]);
    const err = (await ctl.snapshots.take("s1").catch((e: unknown) => e)) as SnapshotError;
    expect(err).toBeInstanceOf(SnapshotError);
    expect(err.code).toBe("snapshot.exists");
  }, 60_000);

  test("restoring a missing snapshot says which exist and leaves the VM running", async () => {
    const err = (await ctl.snapshots.restore("nope").catch((e: unknown) => e)) as SnapshotError;
    expect(err.message).toBe("cannot find snapshot 'nope' of VM snap (it has 's1')");
    expect((await machine.qmp.queryStatus()).running).toBe(true);
  });

  test("delete removes the snapshot from the disk image", async () => {
    await ctl.snapshots.take("s2");
    await ctl.snapshots.delete("s1");
    expect((await ctl.snapshots.list()).map((s) => s.name)).toEqual(["s2"]);
  }, 60_000);

  test("after QEMU stops, disk-only snapshots work on the same linked clone", async () => {
    await machine.stop();
    const offline = ctl.offlineSnapshots;
    if (offline === undefined) throw new Error("the tiny guest has a qcow2 disk");
    expect(offline.list().map((s) => [s.name, s.powerState])).toEqual([["s2", "running"]]);
    expect(offline.take("cold")).toMatchObject({ name: "cold", online: false, powerState: "stopped" });
    expect(offline.restore("cold").name).toBe("cold");
    offline.delete("cold");
    const disk = guest.spec.disks[0]?.path as string;
    const info = imageInfo(disk);
    expect(info.backingFile).toBeDefined();
    expect(info.snapshots.map((s) => s.name)).toEqual(["s2"]);
  }, 60_000);
});
