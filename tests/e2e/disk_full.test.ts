/**
 * A host disk that fills up under a running VM (issue #19 item 11), through
 * dist/vmlab: the lab lives on a small tmpfs, the guest writes more than it
 * holds, QEMU pauses the guest (werror=stop) and reports BLOCK_IO_ERROR, and
 * vmlab marks the VM `io-error`, emits `vm.io_error`, shows the reason in
 * `status`, and answers agent operations with that reason instead of a bare
 * timeout.
 *
 * Mounting a tmpfs needs root: without it the tests are skipped (reported as
 * skipped, not passed).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LabStatus } from "../../core/daemon/protocol.ts";
import { TINY_REF, waitFor, World } from "./_lab.ts";

/** A 6 MiB tmpfs: room for the linked clone's metadata, not for the guest's writes. */
function mountSmallTmpfs(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const mnt = mkdtempSync(join(tmpdir(), "vmlab-full-"));
  const m = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", mnt]);
  if (m.exitCode !== 0) {
    rmSync(mnt, { recursive: true, force: true });
    return undefined;
  }
  return mnt;
}

const mnt = mountSmallTmpfs();
let w: World;
let dir: string;

beforeAll(async () => {
  if (!mnt) return;
  w = new World();
  await w.adoptTiny();
  dir = join(mnt, "lab");
  mkdirSync(dir);
  writeFileSync(join(dir, "vmlab.wcl"), `lab "full" {\n  vm "box" {\n    template = "${TINY_REF}"\n    memory   = 256MiB\n  }\n}\n`);
});

afterAll(() => {
  if (!mnt) return;
  w.vmlab(["down", "--force", "-q"], { cwd: dir });
  w.teardown();
  Bun.spawnSync(["umount", "-l", mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

describe.skipIf(mnt === undefined)("a full host disk under a running VM", () => {
  test("the VM is marked io-error with an event, status says why, and agent calls say why", async () => {
    const up = w.vmlab(["up", "-q"], { cwd: dir });
    expect(up.stderr).toBe("");
    expect(up.code).toBe(0);
    // Fill the clone's file system from inside: 64 MiB into a 6 MiB tmpfs. The exec never returns (the guest pauses).
    void w.vmlabAsync(["exec", "box", "--", "/bin/sh", "-c", "dd if=/dev/zero of=/dev/vda bs=1M seek=16 count=64 conv=fsync"], { cwd: dir });
    const st = await waitFor(
      "box in io-error",
      () => {
        const s = w.json<LabStatus>(["status", "--json"], { cwd: dir });
        return s.vms[0]?.state === "io-error" ? s : undefined;
      },
      90_000,
    );
    expect(st.vms[0]?.ioError).toContain("no space left");
    expect(st.state).toBe("partial");

    const human = w.vmlab(["status"], { cwd: dir });
    expect(human.stdout).toContain("io-error");
    expect(human.stdout).toContain("box is paused on a disk error");

    const t = performance.now();
    const exec = w.vmlab(["exec", "box", "--", "true"], { cwd: dir });
    expect(exec.code).toBe(1);
    expect(exec.stderr).toContain("vm.io_error");
    expect(exec.stderr).toContain("no space left");
    expect(performance.now() - t).toBeLessThan(15_000);

    const logs = w.vmlab(["logs", "--json", "-n", "200"], { cwd: dir });
    expect(logs.stdout).toContain('"vm.io_error"');
  });

  test("vm stop of the paused VM kills it at once instead of walking the shutdown ladder", () => {
    const t = performance.now();
    expect(w.vmlab(["vm", "stop", "box"], { cwd: dir }).code).toBe(0);
    // The ladder would wait 30 s for the agent and 30 s for ACPI on a guest that cannot run.
    expect(performance.now() - t).toBeLessThan(20_000);
    expect(w.json<LabStatus>(["status", "--json"], { cwd: dir }).vms[0]?.state).toBe("stopped");
  });
});
