import { afterEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { ManualClock } from "../clock/testing/manual_clock.ts";
import { QgaClient } from "./client.ts";
import { QgaError } from "./errors.ts";
import { FILE_CHUNK_BYTES, guestTempPath } from "./files.ts";
import { FakeAgent, type FakeAgentOptions } from "./testing/fake_agent.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(agentOpts: FakeAgentOptions = {}, clock?: ManualClock) {
  const agent = await FakeAgent.start(agentOpts);
  cleanups.push(() => agent.stop());
  const noise: string[] = [];
  const qga = await QgaClient.connect(agent.path, { clock, onNoise: (i) => noise.push(i.kind) });
  cleanups.push(() => qga.close());
  return { agent, qga, noise };
}

async function rejection(p: Promise<unknown>): Promise<QgaError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof QgaError) return err;
    throw err;
  }
  throw new Error("expected the promise to reject");
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const tick = () => new Promise((r) => setImmediate(r));

describe("QgaClient", () => {
  test("the first request is preceded by 0xFF and a delimited sync", async () => {
    const { agent, qga } = await setup();
    await qga.ping();
    expect(agent.received.map((c) => c.execute)).toEqual(["guest-sync-delimited", "guest-ping"]);
  });

  test("sync discards garbage, stale replies and partial objects before the sentinel", async () => {
    const { agent, qga, noise } = await setup();
    agent.injectBeforeNextSync("garbage!\n", '{"return": 12345}\n', '{"return": {"pid');
    await qga.sync();
    expect(noise).toEqual(["garbage", "message", "garbage"]);
    expect((await qga.osInfo()).id).toBe("vmlab-tiny");
  });

  test("sync skips a stale delimited reply with another id", async () => {
    const { agent, qga } = await setup();
    agent.injectBeforeNextSync(new Uint8Array([0xff]), '{"return": 7}\n');
    await qga.sync();
    await qga.ping();
  });

  test("works when the agent's replies arrive in 2-byte pieces", async () => {
    const { qga } = await setup({ chunkBytes: 2 });
    const ifs = await qga.networkInterfaces();
    expect(ifs[1]).toMatchObject({ name: "eth0", hardwareAddress: "52:54:00:12:34:56" });
    expect(ifs[1]?.addresses).toEqual([
      { type: "ipv4", address: "10.0.2.15", prefix: 24 },
      { type: "ipv6", address: "fe80::5054:ff:fe12:3456", prefix: 64 },
    ]);
  });

  test("waitReady() retries until a late-starting agent answers, skipping its stale replies", async () => {
    const clock = new ManualClock();
    const { agent, qga } = await setup({ running: false }, clock);
    const ready = qga.waitReady(10_000, 1_000);
    for (let i = 0; i < 3; i++) {
      while (clock.pendingTimers === 0) await tick();
      clock.advance(1_000);
      await tick();
    }
    while (clock.pendingTimers === 0) await tick();
    agent.setRunning(true); // answers all four queued syncs; only the last counts
    await ready;
    expect(agent.received.filter((c) => c.execute === "guest-sync-delimited")).toHaveLength(4);
    expect((await qga.info()).version).toBe("7.2.0");
  });

  test("waitReady() gives up with qga.not_ready when the agent never starts", async () => {
    const clock = new ManualClock();
    const { qga } = await setup({ running: false }, clock);
    const ready = rejection(qga.waitReady(3_000, 1_000));
    for (let i = 0; i < 3; i++) {
      while (clock.pendingTimers === 0) await tick();
      clock.advance(1_000);
      await tick();
    }
    expect((await ready).detail).toMatchObject({ code: "qga.not_ready", attempts: 3, timeoutMs: 3_000 });
  });

  test("a request to a stalled agent times out and the next request resyncs", async () => {
    const clock = new ManualClock();
    const { agent, qga } = await setup({}, clock);
    await qga.ping();
    agent.setRunning(false);
    const hung = qga.request("guest-ping", undefined, { timeoutMs: 2_000 });
    while (clock.pendingTimers === 0) await tick();
    clock.advance(2_000);
    expect((await rejection(hung)).detail).toMatchObject({ code: "qga.timeout", command: "guest-ping" });
    agent.setRunning(true); // the late reply to the timed-out ping now arrives
    await qga.ping();
    const names = agent.received.map((c) => c.execute);
    expect(names).toEqual(["guest-sync-delimited", "guest-ping", "guest-ping", "guest-sync-delimited", "guest-ping"]);
  });

  test("a vanished agent fails the running request with qga.closed", async () => {
    const { agent, qga } = await setup();
    await qga.ping();
    agent.setRunning(false);
    const hung = qga.ping();
    await agent.disconnect();
    expect((await rejection(hung)).code).toBe("qga.closed");
    expect((await rejection(qga.ping())).code).toBe("qga.closed");
    expect((await qga.closed).reason).toBe("connection closed by peer");
  });

  test("exec captures stdout, stderr, a non-zero exit code, stdin and env", async () => {
    const { agent, qga } = await setup();
    agent.program("/bin/sh", (args, stdin, env) => ({
      exitCode: 3,
      stdout: `${args.join(" ")}|${text(stdin)}|${env?.join(",")}`,
      stderr: "err\n",
      runningPolls: 3,
    }));
    const r = await qga.exec("/bin/sh", ["-c", "x"], { input: "in", env: { A: "1", B: "2" } });
    expect(r.exitCode).toBe(3);
    expect(r.signal).toBeNull();
    expect(text(r.stdout)).toBe("-c x|in|A=1,B=2");
    expect(text(r.stderr)).toBe("err\n");
    expect(r.truncated).toBe(false);
    expect(agent.received.filter((c) => c.execute === "guest-exec-status")).toHaveLength(4);
  });

  test("exec reports a signal and truncated output", async () => {
    const { agent, qga } = await setup();
    agent.program("/bin/kill-me", () => ({ signal: 9, stdout: "x", outTruncated: true }));
    const r = await qga.exec("/bin/kill-me");
    expect(r).toMatchObject({ exitCode: null, signal: 9, stdoutTruncated: true, truncated: true });
  });

  test("exec of a missing program is a command_failed error", async () => {
    const { qga } = await setup();
    const err = await rejection(qga.exec("/no/such"));
    expect(err.detail).toMatchObject({ code: "qga.command_failed", command: "guest-exec" });
    expect(err.message).toContain("/no/such");
  });

  test("exec gives up with qga.exec_timeout naming the pid", async () => {
    const clock = new ManualClock();
    const { agent, qga } = await setup({}, clock);
    agent.program("/bin/sleep", () => ({ runningPolls: 1_000_000 }));
    const run = qga.exec("/bin/sleep", ["999"], { timeoutMs: 1_000 });
    let settled = false;
    run.catch(() => undefined).finally(() => (settled = true));
    while (!settled) {
      await tick();
      clock.advance(50);
    }
    expect((await rejection(run)).detail).toMatchObject({ code: "qga.exec_timeout", program: "/bin/sleep", pid: 4000 });
  });

  test("files of many sizes go in and come back sha256-identical", async () => {
    const { agent, qga } = await setup();
    for (const size of [0, 1, 1000, FILE_CHUNK_BYTES, FILE_CHUNK_BYTES + 1, 2 * FILE_CHUNK_BYTES + 12345]) {
      const data = new Uint8Array(size);
      crypto.getRandomValues(data.subarray(0, Math.min(size, 65536)));
      for (let i = 65536; i < size; i++) data[i] = (i * 31) & 0xff;
      await qga.writeFile(`/tmp/f${size}`, data);
      expect(sha(agent.files.get(`/tmp/f${size}`)!)).toBe(sha(data));
      expect(sha(await qga.readFile(`/tmp/f${size}`))).toBe(sha(data));
    }
    expect(agent.openHandles).toBe(0);
  });

  test("writeFile accepts a stream of odd-sized chunks and readFileChunks streams back", async () => {
    const { agent, qga } = await setup();
    async function* source() {
      for (let i = 0; i < 5; i++) yield new Uint8Array(700_001).fill(i);
    }
    await qga.writeFile("/tmp/stream", source());
    expect(agent.files.get("/tmp/stream")?.length).toBe(3_500_005);
    const sizes: number[] = [];
    for await (const chunk of qga.readFileChunks("/tmp/stream")) sizes.push(chunk.length);
    expect(sizes).toEqual([FILE_CHUNK_BYTES, FILE_CHUNK_BYTES, FILE_CHUNK_BYTES, 3_500_005 - 3 * FILE_CHUNK_BYTES]);
  });

  test("writeFile with a mode runs chmod on the temp file, before it replaces the destination", async () => {
    const { agent, qga } = await setup();
    const calls: string[][] = [];
    agent.program("chmod", (args) => {
      calls.push(args);
      // The destination does not exist yet: the mode is set while the file is still private.
      expect(agent.files.has("/tmp/run.sh")).toBe(false);
      return { exitCode: 0 };
    });
    await qga.writeFile("/tmp/run.sh", new TextEncoder().encode("#!/bin/sh\n"), { mode: 0o755 });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.[0]).toBe("755");
    expect(calls[0]?.[1]).toMatch(/^\/tmp\/\.run\.sh\.vmlab-[a-z0-9]+\.tmp$/);
    expect([...agent.files.keys()]).toEqual(["/tmp/run.sh"]);
  });

  test("a write into a full guest fails, leaving no partial file and no temp file (the old content stays)", async () => {
    const { agent, qga } = await setup({ diskBytes: 3 * FILE_CHUNK_BYTES });
    agent.files.set("/data/keep", new TextEncoder().encode("old content"));
    const err = await rejection(qga.writeFile("/data/keep", new Uint8Array(4 * FILE_CHUNK_BYTES).fill(7), { mode: 0o600 }));
    expect(err.detail).toMatchObject({ code: "qga.short_write" });
    expect(new TextDecoder().decode(agent.files.get("/data/keep"))).toBe("old content");
    const fresh = await rejection(qga.writeFile("/data/new", new Uint8Array(4 * FILE_CHUNK_BYTES)));
    expect(fresh.detail).toMatchObject({ code: "qga.short_write" });
    expect([...agent.files.keys()]).toEqual(["/data/keep"]);
    expect(agent.openHandles).toBe(0);
  });

  test("guestTempPath() keeps the directory (POSIX and Windows) so the rename stays on one file system", () => {
    expect(guestTempPath("/srv/www/index.html", "abc")).toBe("/srv/www/.index.html.vmlab-abc.tmp");
    expect(guestTempPath("C:\\Users\\a\\f.txt", "abc")).toBe("C:\\Users\\a\\.f.txt.vmlab-abc.tmp");
    expect(guestTempPath("rel", "abc")).toBe(".rel.vmlab-abc.tmp");
  });

  test("reading a missing guest file fails with the agent's message", async () => {
    const { qga } = await setup();
    const err = await rejection(qga.readFile("/nope"));
    expect(err.detail).toMatchObject({ code: "qga.command_failed", command: "guest-file-open" });
    expect(err.message).toContain("/nope");
  });

  test("shutdown succeeds when the agent drops the connection without replying", async () => {
    const { agent, qga } = await setup();
    await qga.shutdown("reboot");
    expect(agent.shutdowns).toEqual(["reboot"]);
  });

  test("shutdown succeeds after the grace period of silence and rejects on an error reply", async () => {
    const clock = new ManualClock();
    const { agent, qga } = await setup({}, clock);
    agent.shutdownAction = "silent";
    await qga.ping();
    const silent = qga.shutdown("halt", 2_000);
    await agent.waitForCommand("guest-shutdown");
    clock.advance(2_000);
    await silent;
    agent.shutdownAction = "error";
    expect((await rejection(qga.shutdown("powerdown"))).detail).toMatchObject({ code: "qga.command_failed", command: "guest-shutdown" });
  });

  test("info, osInfo and ping map the agent's replies", async () => {
    const { qga } = await setup({ echoIds: false });
    await qga.ping();
    expect((await qga.info()).commands[1]).toEqual({ name: "guest-shutdown", enabled: true, successResponse: false });
    expect(await qga.osInfo()).toMatchObject({ kernelRelease: "6.1.0-fake-cloud-amd64", prettyName: "vmlab tiny guest" });
  });

  test("connect fails with qga.connect_failed when the socket is missing", async () => {
    const err = await rejection(QgaClient.connect("/nonexistent/qga.sock", { connectTimeoutMs: 100 }));
    expect(err.detail).toMatchObject({ code: "qga.connect_failed", errno: "ENOENT" });
  });
});
