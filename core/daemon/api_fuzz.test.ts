/**
 * Fuzz of the daemons' control API request parsing (issue #19 "Fuzz
 * volume"): seeded mutations of real requests — paths, methods, headers and
 * bodies — through the lab daemon's and the supervisor's hono apps with
 * `app.request()`. Whatever arrives, the app answers: never a throw, never a
 * 5xx, every error reply a `{error: {code, message}}` with a dotted code, and
 * every NDJSON stream well-formed.
 *
 * What the requests would *do* is stubbed where it would touch the host
 * (`LabRuntime.exclusive`: up, down, destroy, power, scripts, snapshots;
 * `Supervisor.ensure`: spawning a lab daemon) — the surface under test is
 * parsing and routing, and a mutated `up` plan must not write under a
 * mutated directory.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hono } from "hono";
import { fuzzIterations, fuzzTimeoutMs, mutate, mutateText, Rng } from "../../net/testing/fuzz.ts";
import { CodedError } from "../errors/mod.ts";
import { labApp } from "./lab/app.ts";
import { JsonLog, unpluggedNics } from "./lab/context.ts";
import { LabRuntime } from "./lab/lab_runtime.ts";
import { LabNetwork } from "./lab/network.ts";
import { ScriptHost } from "./lab/scripts.ts";
import type { LabPlan, SupervisorLab } from "./protocol.ts";
import { supervisorApp } from "./supervisor/app.ts";
import { Supervisor } from "./supervisor/supervisor.ts";

/** API requests are slower than codec calls: a tenth of the codec volume. */
const FUZZ_N = Math.ceil(fuzzIterations() / 10);
const root = mkdtempSync(join(tmpdir(), "vmlab-apifuzz-"));
const xdg = { XDG_STATE_HOME: process.env.XDG_STATE_HOME, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR };
process.env.XDG_STATE_HOME = join(root, "state");
process.env.XDG_RUNTIME_DIR = join(root, "run");

afterAll(() => {
  for (const [k, v] of Object.entries(xdg)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(root, { recursive: true, force: true });
});

/** A lab runtime whose operations refuse to run: parsing and routing are what is fuzzed. */
class InertLab extends LabRuntime {
  override async exclusive<T>(what: string): Promise<T> {
    throw new CodedError("lab.busy", `fuzz: ${what} is not run`);
  }
}

class InertSupervisor extends Supervisor {
  override async ensure(name: string): Promise<SupervisorLab> {
    throw new CodedError("lab.start_failed", `fuzz: lab ${name} is not started`);
  }
  override async stopAll(): Promise<void> {}
}

interface Seed {
  method: string;
  path: string;
  body?: string;
  type?: string;
}

const plan: LabPlan = {
  name: "fz",
  file: join(root, "lab", "vmlab.wcl"),
  dir: join(root, "lab"),
  vms: [
    {
      name: "a",
      template: { ref: "x86_64/none@1", disk: join(root, "missing.qcow2") },
      arch: "x86_64",
      machine: "q35",
      cpus: 1,
      memoryMiB: 64,
      firmware: "bios",
      secureBoot: false,
      tpm: false,
      vga: "std",
      diskInterface: "virtio",
      dependsOn: [],
      extraDisks: [],
      nested: false,
      qemuArgs: [],
      nics: [],
      agent: true,
      readyTimeoutMs: 1000,
    },
  ],
  provisions: [],
  handlers: [],
};

const LAB_SEEDS: Seed[] = [
  { method: "GET", path: "/v1/ping" },
  { method: "GET", path: "/v1/status" },
  { method: "POST", path: "/v1/up", body: JSON.stringify({ plan, vms: ["a"], provision: false }) },
  { method: "POST", path: "/v1/down", body: '{"vms":["a"],"force":true}' },
  { method: "POST", path: "/v1/destroy" },
  { method: "POST", path: "/v1/vms/a/restart", body: '{"force":false}' },
  { method: "POST", path: "/v1/vms/a/exec", body: '{"path":"/bin/true","args":["-x"],"timeoutMs":1000,"input":"aGk="}' },
  { method: "PUT", path: "/v1/vms/a/file?path=/tmp/x&mode=644", body: "data", type: "application/octet-stream" },
  { method: "GET", path: "/v1/vms/a/file?path=/etc/hostname" },
  { method: "GET", path: "/v1/vms/a/osinfo" },
  { method: "GET", path: "/v1/vms/a/snapshots" },
  { method: "DELETE", path: "/v1/vms/a/snapshots/s1" },
  { method: "POST", path: "/v1/snapshots/create", body: '{"name":"s1","vms":["a"]}' },
  { method: "GET", path: "/v1/forwards" },
  { method: "POST", path: "/v1/forwards", body: '{"hostPort":0,"vm":"a","guestPort":80,"proto":"tcp"}' },
  { method: "DELETE", path: "/v1/forwards/8080?proto=tcp" },
  { method: "POST", path: "/v1/provision" },
  { method: "POST", path: "/v1/script", body: `{"path":${JSON.stringify(join(root, "none.ws"))}}` },
  { method: "POST", path: "/v1/host-event", body: '{"type":"host.disk_low","ts":"2026-01-01T00:00:00Z","lab":"","data":{"freePercent":1}}' },
];

const SUPERVISOR_SEEDS: Seed[] = [
  { method: "GET", path: "/v1/ping" },
  { method: "GET", path: "/v1/status" },
  { method: "GET", path: "/v1/labs" },
  { method: "GET", path: "/v1/labs/fz" },
  { method: "POST", path: "/v1/labs/ensure", body: `{"name":"fz","file":${JSON.stringify(join(root, "lab", "vmlab.wcl"))}}` },
  { method: "POST", path: "/v1/shutdown" },
];

const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
const TYPES = ["application/json", "text/plain", "application/x-ndjson", "multipart/form-data; boundary=x", "application/json; charset=utf-16", ""];

/** Path bytes as a URL path: printable ASCII kept, everything else percent-encoded (hono decodes it). */
function urlPath(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b > 0x20 && b < 0x7f && b !== 0x23 && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, "0").toUpperCase()}`;
  return out.startsWith("/") ? out : `/${out}`;
}

/** One mutated request from a seed: the path, the method, a header or the body changes (or several). */
function mutated(seed: Seed, rng: Rng): { method: string; path: string; headers: Record<string, string>; body: Uint8Array | undefined } {
  let method = seed.method;
  let path = seed.path;
  const headers: Record<string, string> = {};
  if (seed.type ?? seed.body) headers["content-type"] = seed.type ?? "application/json";
  let body = seed.body === undefined ? undefined : new TextEncoder().encode(seed.body);
  const what = rng.below(8);
  if (what === 0 || what === 4) path = urlPath(mutate(new TextEncoder().encode(path), rng, 2048));
  if (what === 1) method = rng.pick(METHODS);
  if (what === 2) headers["content-type"] = rng.pick(TYPES);
  if (what === 3)
    headers[rng.pick(["content-length", "transfer-encoding", "accept", "x-vmlab"])] = mutateText(rng.pick(["12", "chunked", "*/*", "\u0000"]), rng, 64).replace(
      /[\r\n\u0000-\u001f\u007f-\uffff]/g,
      "",
    );
  if (what >= 4 || body === undefined) body = mutate(body ?? new TextEncoder().encode("{}"), rng, 1 << 14);
  if (method === "GET" || method === "HEAD") body = undefined;
  return { method, path, headers, body };
}

/** Send one request; check the reply's shape. Returns a description of what was wrong, or undefined. */
async function check(app: Hono, req: ReturnType<typeof mutated>): Promise<string | undefined> {
  let res: Response;
  try {
    res = await app.request(req.path, { method: req.method, headers: req.headers, ...(req.body === undefined ? {} : { body: req.body }) });
  } catch (e) {
    if (e instanceof TypeError && /URL|header/i.test(e.message)) return undefined; // the client refused to build it
    return `threw ${(e as Error).message}`;
  }
  if (res.status >= 500) return `status ${res.status}: ${(await res.text()).slice(0, 300)}`;
  const type = res.headers.get("content-type") ?? "";
  if (type.includes("ndjson")) {
    if (req.path.startsWith("/v1/events")) {
      await res.body?.cancel();
      return undefined;
    }
    const lines = (await res.text()).split("\n").filter((l) => l.trim());
    for (const l of lines) {
      let rec: { type?: string; ok?: boolean; error?: { code?: unknown } };
      try {
        rec = JSON.parse(l);
      } catch {
        return `bad NDJSON line ${l.slice(0, 100)}`;
      }
      if (rec.type === "result" && rec.ok === false && !/^[a-z_]+(\.[a-z_]+)*$/.test(String(rec.error?.code)))
        return `result without a code: ${l.slice(0, 200)}`;
      if (rec.type === "result" && rec.ok === false && rec.error?.code === "internal") return `internal error in stream: ${l.slice(0, 200)}`;
    }
    return undefined;
  }
  const text = await res.text();
  if (res.status < 400 || req.method === "HEAD") return undefined; // HEAD replies carry no body

  let parsed: { error?: { code?: unknown; message?: unknown } };
  try {
    parsed = JSON.parse(text);
  } catch {
    return `status ${res.status} without a JSON body: ${text.slice(0, 200)}`;
  }
  if (typeof parsed.error?.message !== "string" || !/^[a-z_]+(\.[a-z_]+)*$/.test(String(parsed.error?.code)))
    return `status ${res.status} without a coded error: ${text.slice(0, 200)}`;
  return undefined;
}

async function fuzz(app: Hono, seeds: readonly Seed[], seed: number): Promise<string[]> {
  const rng = new Rng(seed);
  const problems: string[] = [];
  for (let i = 0; i < FUZZ_N && problems.length < 5; i++) {
    const s = seeds[i % seeds.length] as Seed;
    const req =
      i < seeds.length
        ? {
            method: s.method,
            path: s.path,
            headers: { "content-type": s.type ?? "application/json" },
            body: s.body === undefined ? undefined : new TextEncoder().encode(s.body),
          }
        : mutated(s, rng);
    const p = await check(app, req);
    if (p) problems.push(`${req.method} ${req.path.slice(0, 120)}: ${p}`);
  }
  return problems;
}

describe("control API request parsing under mutated requests (fuzz)", () => {
  test(
    `the lab daemon's app answers ${FUZZ_N} mutated requests with replies or coded errors`,
    async () => {
      const lab = new InertLab(plan, unpluggedNics);
      const network = new LabNetwork("fz", new JsonLog(join(root, "network.log")));
      const app = labApp(lab, { network, scripts: new ScriptHost(lab, () => undefined), afterPowerChange: () => undefined, destroyed: () => undefined });
      expect(await fuzz(app, LAB_SEEDS, 19)).toEqual([]);
    },
    fuzzTimeoutMs(FUZZ_N, 5),
  );

  test(
    `the supervisor's app answers ${FUZZ_N} mutated requests with replies or coded errors`,
    async () => {
      const sup = new InertSupervisor({
        registryFile: join(root, "labs.json"),
        log: new JsonLog(join(root, "vmlabd.log")),
        dataDir: root,
        diskLowPercent: 0,
        diskCheckMs: 60_000,
      });
      const app = supervisorApp(sup, () => undefined);
      expect(await fuzz(app, SUPERVISOR_SEEDS, 23)).toEqual([]);
    },
    fuzzTimeoutMs(FUZZ_N, 5),
  );
});
