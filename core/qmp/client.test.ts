import { afterEach, describe, expect, test } from "bun:test";
import { ManualClock } from "../clock/testing/manual_clock.ts";
import { QmpClient } from "./client.ts";
import { isQmpError, QmpError } from "./errors.ts";
import { FakeQmpServer } from "./testing/fake_qmp_server.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: { chunkBytes?: number; silent?: boolean; clock?: ManualClock } = {}) {
  const server = await FakeQmpServer.start({ chunkBytes: opts.chunkBytes, silent: opts.silent });
  cleanups.push(() => server.stop());
  const connect = () => QmpClient.connect(server.path, { clock: opts.clock });
  return { server, connect };
}

async function connected(opts: { chunkBytes?: number; clock?: ManualClock } = {}) {
  const { server, connect } = await setup(opts);
  const qmp = await connect();
  cleanups.push(() => qmp.close());
  return { server, qmp };
}

async function rejection(p: Promise<unknown>): Promise<QmpError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof QmpError) return err;
    throw err;
  }
  throw new Error("expected the promise to reject");
}

describe("QmpClient", () => {
  test("connect() reads the greeting and negotiates capabilities", async () => {
    const { server, qmp } = await connected();
    expect(qmp.greeting.version).toEqual({ major: 7, minor: 2, micro: 0, package: "fake" });
    expect(qmp.greeting.capabilities).toEqual(["oob"]);
    expect(server.received[0]?.execute).toBe("qmp_capabilities");
  });

  test("execute() resolves with the return value matched by id", async () => {
    const { qmp } = await connected();
    const [a, b] = await Promise.all([qmp.execute("query-status"), qmp.execute("query-vnc")]);
    expect(a).toEqual({ status: "running", singlestep: false, running: true });
    expect(b).toEqual({ enabled: false });
  });

  test("replies sent out of order reach the right callers", async () => {
    const { server, qmp } = await connected();
    server.handle("slow", () => ({ noReply: true }));
    const slow = qmp.execute("slow");
    const fast = qmp.execute("query-vnc");
    const slowCmd = await server.waitForCommand("slow");
    expect(await fast).toEqual({ enabled: false });
    server.send({ return: "late", id: slowCmd.id });
    expect(await slow).toBe("late");
  });

  test("works when every write arrives in 3-byte pieces", async () => {
    const { qmp } = await connected({ chunkBytes: 3 });
    expect(await qmp.humanMonitorCommand("info version")).toBe("7.2.0fake\r\n");
  });

  test("a QMP error becomes a typed command_failed error naming the command", async () => {
    const { qmp } = await connected();
    const err = await rejection(qmp.execute("no-such-command"));
    expect(err.detail).toMatchObject({
      code: "qmp.command_failed",
      command: "no-such-command",
      errorClass: "CommandNotFound",
      desc: "The command no-such-command has not been found",
    });
    expect(err.message).toContain("no-such-command");
  });

  test("a command with no reply times out on its own and the session keeps working", async () => {
    const clock = new ManualClock();
    const { server, qmp } = await connected({ clock });
    server.handle("hang", () => ({ noReply: true }));
    const hung = qmp.execute("hang", undefined, { timeoutMs: 500 });
    await server.waitForCommand("hang");
    clock.advance(499);
    const ok = qmp.execute("query-vnc");
    expect(await ok).toEqual({ enabled: false });
    clock.advance(1);
    const err = await rejection(hung);
    expect(err.detail).toMatchObject({ code: "qmp.timeout", command: "hang", timeoutMs: 500 });
  });

  test("events interleaved between replies reach listeners, streams and waiters", async () => {
    const { server, qmp } = await connected();
    const seen: string[] = [];
    qmp.on("*", (e) => seen.push(e.event));
    const stream = qmp.events((e) => e.event !== "STOP");
    const stop = qmp.waitForEvent("STOP", { timeoutMs: 5_000 });
    await qmp.stop();
    expect((await stop).event).toBe("STOP");
    const resume = qmp.waitForEvent("RESUME", { timeoutMs: 5_000 });
    await qmp.cont();
    await resume;
    expect(seen).toEqual(["STOP", "RESUME"]);
    const first = await stream.next();
    expect(first.value?.event).toBe("RESUME");
    expect(first.value?.timestamp.seconds).toBeGreaterThan(0);
  });

  test("waitForEvent() honours a predicate on the event data", async () => {
    const { server, qmp } = await connected();
    const guestReset = qmp.waitForEvent("RESET", { timeoutMs: 5_000, where: (e) => e.data.guest });
    server.emitEvent("RESET", { guest: false, reason: "host-qmp-system-reset" });
    server.emitEvent("RESET", { guest: true, reason: "guest-reset" });
    expect((await guestReset).data).toEqual({ guest: true, reason: "guest-reset" });
  });

  test("waitForEvent() rejects with event_timeout when nothing comes", async () => {
    const clock = new ManualClock();
    const { qmp } = await connected({ clock });
    const wait = qmp.waitForEvent("POWERDOWN", { timeoutMs: 1_000 });
    clock.advance(1_000);
    expect((await rejection(wait)).detail).toMatchObject({ code: "qmp.event_timeout", event: "POWERDOWN" });
  });

  test("quit() sees SHUTDOWN first and succeeds when the socket closes", async () => {
    const { qmp } = await connected();
    const shutdown = qmp.waitForEvent("SHUTDOWN", { timeoutMs: 5_000 });
    await qmp.quit();
    expect((await shutdown).data).toEqual({ guest: false, reason: "host-qmp-quit" });
    expect((await qmp.closed).reason).toBe("connection closed by peer");
  });

  test("pending commands are rejected with qmp.closed when QEMU goes away", async () => {
    const { server, qmp } = await connected();
    server.handle("hang", () => ({ noReply: true }));
    const stream = qmp.events();
    const hung = qmp.execute("hang");
    const event = qmp.waitForEvent("SHUTDOWN", { timeoutMs: 60_000 });
    await server.waitForCommand("hang");
    await server.disconnect();
    expect((await rejection(hung)).detail).toMatchObject({ code: "qmp.closed", command: "hang" });
    expect((await rejection(event)).code).toBe("qmp.closed");
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    const after = await rejection(qmp.execute("query-status"));
    expect(isQmpError(after, "qmp.closed")).toBe(true);
  });

  test("close() rejects pending commands and resolves closed", async () => {
    const { server, qmp } = await connected();
    server.handle("hang", () => ({ noReply: true }));
    const hung = qmp.execute("hang");
    await qmp.close();
    expect((await rejection(hung)).detail).toMatchObject({ code: "qmp.closed", reason: "closed by client" });
    expect(qmp.isClosed).toBe(true);
  });

  test("connect() fails with handshake_failed when no greeting arrives", async () => {
    const clock = new ManualClock();
    const { connect } = await setup({ silent: true, clock });
    const pending = connect();
    while (clock.pendingTimers === 0) await new Promise((r) => setImmediate(r));
    clock.advance(10_000);
    expect((await rejection(pending)).code).toBe("qmp.handshake_failed");
  });

  test("connect() fails with connect_failed naming the path when nothing listens", async () => {
    const err = await rejection(QmpClient.connect("/nonexistent/vmlab/qmp.sock", { connectTimeoutMs: 100 }));
    expect(err.detail).toMatchObject({ code: "qmp.connect_failed", path: "/nonexistent/vmlab/qmp.sock", errno: "ENOENT" });
  });

  test("garbage and unmatched replies are reported as noise, not failures", async () => {
    const { server } = await setup();
    const noise: string[] = [];
    const qmp = await QmpClient.connect(server.path, { onNoise: (i) => noise.push(i.kind) });
    cleanups.push(() => qmp.close());
    server.sendRaw("garbage\r\n");
    server.send({ return: {}, id: 999 });
    expect(await qmp.queryStatus()).toEqual({ running: true, status: "running" });
    expect(noise).toEqual(["garbage", "message"]);
  });
});
