import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hono } from "hono";
import { ErrorReplySchema, LabPingReplySchema, LabPlanSchema, LabStatusSchema, ForwardListReplySchema } from "../protocol.ts";
import { labApp } from "./app.ts";
import { unpluggedNics } from "./context.ts";
import { LabRuntime } from "./lab_runtime.ts";
import { LabNetwork } from "./network.ts";
import { ScriptHost } from "./scripts.ts";

// The lab daemon's control API driven through hono's app.request(): no socket, no QEMU.
// Every error path answers `{error: {code, message, hint}}` with the status of its code.

let root: string;
let app: Hono;
const saved = { run: process.env.XDG_RUNTIME_DIR, state: process.env.XDG_STATE_HOME };

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "vmlab-lab-app-"));
  process.env.XDG_RUNTIME_DIR = join(root, "run");
  process.env.XDG_STATE_HOME = join(root, "state");
  const plan = LabPlanSchema.parse({
    name: "web",
    file: join(root, "vmlab.wcl"),
    dir: root,
    vms: [{ name: "alpha", template: { ref: "x86_64/tiny@1", disk: join(root, "missing.qcow2") } }],
  });
  const lab = new LabRuntime(plan, unpluggedNics);
  const network = new LabNetwork("web", lab.ctx.log);
  app = labApp(lab, { network, scripts: new ScriptHost(lab, () => undefined), afterPowerChange: () => undefined, destroyed: () => undefined });
});

afterAll(() => {
  if (saved.run === undefined) delete process.env.XDG_RUNTIME_DIR;
  else process.env.XDG_RUNTIME_DIR = saved.run;
  if (saved.state === undefined) delete process.env.XDG_STATE_HOME;
  else process.env.XDG_STATE_HOME = saved.state;
  rmSync(root, { recursive: true, force: true });
});

/** The request's status and its parsed `{error}` body. */
async function failure(path: string, init?: RequestInit): Promise<{ status: number; code: string; message: string; hint: string | undefined }> {
  const r = await app.request(path, init);
  const body = ErrorReplySchema.parse(await r.json());
  return { status: r.status, code: body.error.code, message: body.error.message, hint: body.error.hint };
}

const json = (body: unknown, method = "POST"): RequestInit => ({
  method,
  headers: { "content-type": "application/json" },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

describe("lab daemon app: replies match the protocol", () => {
  test("ping, status and forwards parse with their reply schemas", async () => {
    expect(LabPingReplySchema.parse(await (await app.request("/v1/ping")).json()).lab).toBe("web");
    const st = LabStatusSchema.parse(await (await app.request("/v1/status")).json());
    expect(st.vms.map((v) => [v.name, v.state])).toEqual([["alpha", "stopped"]]);
    expect(ForwardListReplySchema.parse(await (await app.request("/v1/forwards")).json())).toEqual([]);
  });
});

describe("lab daemon app: error paths", () => {
  test("an unknown endpoint is request.not_found (404)", async () => {
    const f = await failure("/v1/nope");
    expect(f).toMatchObject({ status: 404, code: "request.not_found", message: "no such endpoint: GET /v1/nope" });
    expect(f.hint).toContain("vmlab daemon stop");
  });

  test("a body that is not JSON is request.invalid (400)", async () => {
    expect(await failure("/v1/up", json("{not json"))).toMatchObject({
      status: 400,
      code: "request.invalid",
      message: "cannot parse the request body as JSON",
    });
  });

  test("a body that misses a field names the field", async () => {
    const f = await failure("/v1/up", json({ vms: [] }));
    expect(f).toMatchObject({ status: 400, code: "request.invalid" });
    expect(f.message).toContain("plan");
  });

  test("an unknown VM is vm.not_found (404) and the hint lists the lab's VMs", async () => {
    expect(await failure("/v1/vms/nope/exec", json({ path: "/bin/true" }))).toMatchObject({
      status: 404,
      code: "vm.not_found",
      message: "lab web has no VM named nope",
      hint: "name one of the lab's VMs: alpha",
    });
  });

  test("exec on a stopped VM is vm.not_running (409) with a hint to start it", async () => {
    expect(await failure("/v1/vms/alpha/exec", json({ path: "/bin/true" }))).toMatchObject({
      status: 409,
      code: "vm.not_running",
      message: "VM alpha is not running",
      hint: "start it with `vmlab vm start alpha` or `vmlab up`",
    });
  });

  test("file transfer query parameters are checked: a missing path and a mode that is not octal", async () => {
    const missing = await failure("/v1/vms/alpha/file", { method: "PUT", body: "x" });
    expect(missing).toMatchObject({ status: 400, code: "request.invalid" });
    expect(missing.message).toContain("path");
    const mode = await failure("/v1/vms/alpha/file?path=/tmp/x&mode=999", { method: "PUT", body: "x" });
    expect(mode).toMatchObject({ status: 400, code: "request.invalid" });
    expect(mode.message).toContain("mode: must be an octal file mode");
  });

  test("a forward removal checks its port and protocol", async () => {
    expect((await failure("/v1/forwards/70000", { method: "DELETE" })).code).toBe("request.invalid");
    const proto = await failure("/v1/forwards/8080?proto=icmp", { method: "DELETE" });
    expect(proto).toMatchObject({ status: 400, code: "request.invalid" });
    expect(proto.message).toContain("proto");
  });

  test("a forward on a lab without a network is lab.not_up (409)", async () => {
    expect(await failure("/v1/forwards", json({ hostPort: 8080, vm: "alpha", guestPort: 80 }))).toMatchObject({
      status: 409,
      code: "lab.not_up",
      hint: "start it with `vmlab up`",
    });
  });

  test("only host.* events can be posted", async () => {
    const f = await failure("/v1/host-event", json({ type: "vm.crashed", ts: new Date().toISOString(), lab: "web" }));
    expect(f).toMatchObject({ status: 400, code: "request.invalid", message: "only host.* events can be posted, not vm.crashed" });
    expect(f.hint).toBeDefined();
  });

  test("the event stream's history flag is checked", async () => {
    expect((await failure("/v1/events?history=yes")).code).toBe("request.invalid");
  });

  test("a snapshot request without a name is refused before any VM is touched", async () => {
    expect((await failure("/v1/snapshots/create", json({}))).code).toBe("request.invalid");
  });
});
