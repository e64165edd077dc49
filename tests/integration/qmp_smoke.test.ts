/**
 * QMP client against a real QEMU with no guest (`-M none`): greeting, query-status,
 * HMP passthrough, stop/cont with STOP/RESUME events, typed errors, and quit →
 * SHUTDOWN + socket close + QEMU exit 0. Takes well under a second.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QmpClient, isQmpError } from "../../core/qmp/mod.ts";

const QEMU = Bun.which("qemu-system-x86_64");

let dir: string;
let proc: ReturnType<typeof Bun.spawn> | undefined;
let qmp: QmpClient;

describe.skipIf(QEMU === null)("QMP against a real QEMU (-M none)", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vmlab-qmp-smoke-"));
    const sock = join(dir, "qmp.sock");
    proc = Bun.spawn([QEMU!, "-M", "none", "-nodefaults", "-display", "none", "-qmp", `unix:${sock},server=on,wait=off`], {
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
    });
    qmp = await QmpClient.connect(sock, { connectTimeoutMs: 10_000 });
  });

  afterAll(async () => {
    if (proc && proc.exitCode === null) proc.kill("SIGKILL");
    await proc?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  test("the greeting carries QEMU's version", () => {
    expect(qmp.greeting.version.major).toBeGreaterThanOrEqual(7);
    expect(qmp.greeting.capabilities).toContain("oob");
  });

  test("query-status reports a running machine", async () => {
    expect(await qmp.queryStatus()).toEqual({ running: true, status: "running" });
  });

  test("human-monitor-command 'info version' matches the greeting", async () => {
    const v = qmp.greeting.version;
    expect(await qmp.humanMonitorCommand("info version")).toStartWith(`${v.major}.${v.minor}.${v.micro}`);
  });

  test("stop and cont emit STOP and RESUME", async () => {
    const stopped = qmp.waitForEvent("STOP", { timeoutMs: 5_000 });
    await qmp.stop();
    await stopped;
    expect((await qmp.queryStatus()).status).toBe("paused");
    const resumed = qmp.waitForEvent("RESUME", { timeoutMs: 5_000 });
    await qmp.cont();
    await resumed;
    expect((await qmp.queryStatus()).running).toBe(true);
  });

  test("an unknown command is a typed CommandNotFound error", async () => {
    try {
      await qmp.execute("no-such-command");
      throw new Error("expected failure");
    } catch (err) {
      expect(isQmpError(err, "qmp.command_failed")).toBe(true);
      if (isQmpError(err, "qmp.command_failed") && err.detail.code === "qmp.command_failed") {
        expect(err.detail.errorClass).toBe("CommandNotFound");
      }
    }
  });

  test("query-vnc answers without a VNC server", async () => {
    expect((await qmp.queryVnc()).enabled).toBe(false);
  });

  test("quit emits SHUTDOWN, closes the socket and QEMU exits 0", async () => {
    const shutdown = qmp.waitForEvent("SHUTDOWN", { timeoutMs: 5_000 });
    await qmp.quit();
    expect((await shutdown).data).toEqual({ guest: false, reason: "host-qmp-quit" });
    await qmp.closed;
    expect(await proc!.exited).toBe(0);
  });
});
