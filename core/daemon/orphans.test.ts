import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cmdline, killOrphanQemu, pidAlive } from "./orphans.ts";

describe("orphans", () => {
  test("pidAlive: this process lives, an exited and reaped child does not", async () => {
    expect(pidAlive(process.pid)).toBe(true);
    const p = Bun.spawn(["true"]);
    await p.exited;
    expect(pidAlive(p.pid)).toBe(false);
  });

  test("pidAlive: an exited child that was not reaped yet (zombie) counts as dead", async () => {
    // sh execs sleep in the background and exits; the grandchild is not ours, so
    // make a zombie of our own: a child we do not wait for.
    const { spawn } = await import("node:child_process");
    const c = spawn("sh", ["-c", "exit 0"], { stdio: "ignore" });
    const pid = c.pid as number;
    // Wait until the kernel marks it a zombie (or it is reaped): never alive for long.
    let alive = true;
    for (let i = 0; i < 200 && alive; i++) {
      await Bun.sleep(10);
      alive = pidAlive(pid);
    }
    expect(alive).toBe(false);
  });

  test("killOrphanQemu only kills processes whose command line names the pidfile", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vmlab-orphans-"));
    try {
      // A process that is not QEMU must survive even though a pidfile names it.
      const bystander = Bun.spawn(["sleep", "30"]);
      writeFileSync(join(dir, "x.pid"), `${bystander.pid}\n`);
      writeFileSync(join(dir, "garbage.pid"), "not a pid");
      expect(killOrphanQemu(dir)).toEqual([]);
      expect(pidAlive(bystander.pid)).toBe(true);
      expect(existsSync(join(dir, "x.pid"))).toBe(false);
      bystander.kill();
      // A process whose argv looks like our QEMU (qemu-system + the pidfile path) is killed.
      const pidFile = join(dir, "vm.pid");
      const fake = Bun.spawn(["sh", "-c", `sleep 30; : ${pidFile}`, "qemu-system-x86_64"]);
      writeFileSync(pidFile, `${fake.pid}\n`);
      // Until the child has exec'd, its command line is still ours.
      for (let i = 0; i < 500 && !cmdline(fake.pid).includes("qemu-system-x86_64"); i++) await Bun.sleep(5);
      const killed = killOrphanQemu(dir);
      expect(killed).toEqual([fake.pid]);
      expect(await fake.exited).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
