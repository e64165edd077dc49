/**
 * Errors of every layer reach the CLI with their own code and hint: a real
 * store error (TemplateStore), a real guest-agent error (QgaClient) and a real
 * QMP error (QEMU's own monitor, `-M none`, no guest) are thrown inside a
 * control API that uses the daemons' one error mapper, served on a unix
 * socket, decoded by the CLI's client and printed by the CLI's renderer.
 * Malformed replies are rejected as `daemon.bad_reply`. The same path through
 * `dist/vmlab` with a booted lab is in tests/e2e/lab.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { z } from "zod";
import { reportError } from "../../core/cli/render.ts";
import { makeStyle } from "../../core/cli/style.ts";
import { CodedError } from "../../core/errors/mod.ts";
import { LabStatusSchema, OkReplySchema, StreamRecordSchema } from "../../core/daemon/protocol.ts";
import { JsonLog } from "../../core/daemon/lab/context.ts";
import { mapErrors, request, serveUnix, stream } from "../../core/daemon/transport.ts";
import { QgaClient } from "../../core/qga/mod.ts";
import { QmpClient } from "../../core/qmp/mod.ts";
import { TemplateStore } from "../../core/store/mod.ts";

let root: string;
let socket: string;
let server: { stop(): void };
let qemu: ReturnType<typeof Bun.spawn>;
let qmp: QmpClient;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "vmlab-errors-"));
  socket = join(root, "api.sock");
  const qmpPath = join(root, "qmp.sock");
  qemu = Bun.spawn(["qemu-system-x86_64", "-M", "none", "-nodefaults", "-display", "none", "-qmp", `unix:${qmpPath},server=on,wait=off`], {
    stdout: "ignore",
    stderr: "ignore",
  });
  qmp = await QmpClient.connect(qmpPath, { connectTimeoutMs: 10_000 });

  const store = new TemplateStore({ root: join(root, "templates") });
  const app = new Hono();
  mapErrors(app, new JsonLog(join(root, "api.log")));
  app.get("/store", () => {
    store.resolve("x86_64/ghost@1");
    return new Response("unreachable");
  });
  app.get("/agent", async () => {
    await QgaClient.connect(join(root, "no-agent.sock"), { connectTimeoutMs: 200 });
    return new Response("unreachable");
  });
  app.get("/qmp", async () => {
    await qmp.execute("no-such-command");
    return new Response("unreachable");
  });
  app.get("/malformed", (c) => c.json({ name: 42 }));
  app.get("/not-json", () => new Response("<html>", { status: 200 }));
  app.get("/bad-error", () => new Response(JSON.stringify({ oops: true }), { status: 500 }));
  app.get("/bad-stream", () => new Response('{"type":"log","level":"loud","msg":"x"}\n'));
  server = await serveUnix(socket, app.fetch);
});

afterAll(async () => {
  server.stop();
  qmp.close();
  qemu.kill();
  await qemu.exited;
  rmSync(root, { recursive: true, force: true });
});

/** What the CLI prints for the error a request to `path` ends in. */
async function cliSays(path: string): Promise<{ text: string; json: { error: { code: string; hint?: string } } }> {
  const err = await request(socket, "GET", path, undefined, OkReplySchema).then(
    () => {
      throw new Error(`${path} did not fail`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CodedError);
  let text = "";
  let json = "";
  reportError(err, { sink: { err: (s) => void (text += s), style: makeStyle(false), env: {} } });
  reportError(err, { json: true, sink: { err: (s) => void (json += s) } });
  return { text, json: JSON.parse(json) };
}

describe("errors of every layer reach the CLI with their own code and hint", () => {
  test("a store error", async () => {
    const { text, json } = await cliSays("/store");
    expect(text).toStartWith("error[template.not_found]: template x86_64/ghost@1 is not in the store\nhint: build it with `vmlab template build`");
    expect(json.error.code).toBe("template.not_found");
    expect(json.error.hint).toContain("vmlab template pull");
  });

  test("a guest-agent error", async () => {
    const { text, json } = await cliSays("/agent");
    expect(text).toContain("error[qga.connect_failed]: cannot connect to guest agent socket");
    expect(text).toContain("\nhint: check that QEMU runs with a virtserialport named org.qemu.guest_agent.0");
    expect(json.error.code).toBe("qga.connect_failed");
  });

  test("a QMP error from QEMU itself", async () => {
    const { text, json } = await cliSays("/qmp");
    expect(text).toContain("error[qmp.command_failed]: QMP command 'no-such-command' failed: CommandNotFound");
    expect(text).toMatch(/\nhint: \S/);
    expect(json.error).toMatchObject({ code: "qmp.command_failed", hint: expect.any(String) });
  });
});

describe("the client rejects replies that do not match the protocol", () => {
  const badReply = async (p: Promise<unknown>): Promise<CodedError> => {
    const e = await p.then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(CodedError);
    expect((e as CodedError).code).toBe("daemon.bad_reply");
    expect((e as CodedError).hint).toContain("vmlab daemon stop");
    return e as CodedError;
  };

  test("a reply of the wrong shape names the offending field", async () => {
    expect((await badReply(request(socket, "GET", "/malformed", undefined, LabStatusSchema))).message).toContain("name:");
  });

  test("a reply that is not JSON", async () => {
    expect((await badReply(request(socket, "GET", "/not-json", undefined, z.unknown()))).message).toContain("not JSON");
  });

  test("an error body without {error: {code, message}}", async () => {
    expect((await badReply(request(socket, "GET", "/bad-error", undefined, z.unknown()))).message).toContain("HTTP 500");
  });

  test("a streamed record of the wrong shape", async () => {
    await badReply(stream(socket, "GET", "/bad-stream", undefined, StreamRecordSchema, () => undefined));
  });
});
