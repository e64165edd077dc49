import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hono } from "hono";
import { ErrorReplySchema, SupervisorLabListSchema, SupervisorPingReplySchema, SupervisorStatusSchema } from "../protocol.ts";
import { JsonLog } from "../lab/context.ts";
import { supervisorApp } from "./app.ts";
import { Supervisor } from "./supervisor.ts";

// The supervisor's control API through hono's app.request(): no socket, no lab daemons.

let root: string;
let app: Hono;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "vmlab-sup-app-"));
  const sup = new Supervisor({
    registryFile: join(root, "labs.json"),
    log: new JsonLog(join(root, "vmlabd.log")),
    dataDir: root,
    diskLowPercent: 5,
    diskCheckMs: 60_000,
  });
  app = supervisorApp(sup, () => undefined);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function failure(path: string, init?: RequestInit): Promise<{ status: number; code: string; message: string; hint: string | undefined }> {
  const r = await app.request(path, init);
  const body = ErrorReplySchema.parse(await r.json());
  return { status: r.status, code: body.error.code, message: body.error.message, hint: body.error.hint };
}

const post = (body: string): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body });

describe("supervisor app", () => {
  test("ping, status and the lab list parse with their reply schemas", async () => {
    expect(SupervisorPingReplySchema.parse(await (await app.request("/v1/ping")).json()).pid).toBe(process.pid);
    expect(SupervisorStatusSchema.parse(await (await app.request("/v1/status")).json()).labs).toEqual([]);
    expect(SupervisorLabListSchema.parse(await (await app.request("/v1/labs")).json())).toEqual([]);
  });

  test("an unknown lab is lab.not_found (404) with a hint", async () => {
    expect(await failure("/v1/labs/ghost")).toMatchObject({
      status: 404,
      code: "lab.not_found",
      message: "no lab named ghost is known to the supervisor",
      hint: "list the labs with `vmlab daemon status`",
    });
  });

  test("ensure checks its body: JSON, a DNS-label name and an absolute file", async () => {
    expect(await failure("/v1/labs/ensure", post("nope"))).toMatchObject({
      status: 400,
      code: "request.invalid",
      message: "cannot parse the request body as JSON",
    });
    const name = await failure("/v1/labs/ensure", post(JSON.stringify({ name: "Bad_Name", file: "/l/vmlab.wcl" })));
    expect(name).toMatchObject({ status: 400, code: "request.invalid" });
    expect(name.message).toContain("name: must be a DNS label");
    const file = await failure("/v1/labs/ensure", post(JSON.stringify({ name: "web", file: "vmlab.wcl" })));
    expect(file.message).toContain("file: must be an absolute path");
  });

  test("an unknown endpoint and a bad history flag are refused", async () => {
    expect((await failure("/v1/labs/web/nope", { method: "DELETE" })).status).toBe(404);
    expect((await failure("/v1/events?history=true")).code).toBe("request.invalid");
  });
});
