/**
 * The root mod.ts as a program embedding vmlab uses it: config validation and
 * planning, the wscript embedding API, the template store, and the daemon client
 * against a real supervisor (the compiled dist/vmlab, in private XDG directories).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CodedError, config, daemon, diskFiles, protocol, store, wscript, WscriptChecker } from "../../mod.ts";
import { vmlabBin } from "../e2e/_bin.ts";

const dir = mkdtempSync(join(tmpdir(), "vmlab-embed-"));
const labFile = join(dir, "lab", "vmlab.wcl");
const saved: Record<string, string | undefined> = {};
const XDG = ["XDG_RUNTIME_DIR", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"] as const;

beforeAll(() => {
  mkdirSync(join(dir, "lab", "scripts"), { recursive: true });
  writeFileSync(labFile, 'lab "embedded" {\n  vm "web" { template = "x86_64/tiny@1" }\n  provision { script = "scripts/setup.ws" }\n}\n');
  writeFileSync(join(dir, "lab", "scripts", "setup.ws"), 'fn main(lab: Lab) {\n    lab.log("hello")\n}\n');
  // The daemons and the store read their places from the XDG variables at call time.
  for (const k of XDG) {
    saved[k] = process.env[k];
    process.env[k] = join(dir, k.toLowerCase());
    mkdirSync(process.env[k] as string, { recursive: true, mode: 0o700 });
  }
});

afterAll(async () => {
  await daemon.stopSupervisor().catch(() => false);
  for (const k of XDG) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("mod.ts: embedding vmlab", () => {
  test("config validates a lab with every check, scripts type-checked, against a store", () => {
    const ctx = { files: diskFiles, home: dir, profiles: new Map(), scripts: new WscriptChecker() };
    const missing = config.validateLab(labFile, { ...ctx, store: store.memoryStore({}) });
    expect(missing.diagnostics.map((d) => d.code)).toContain("config.template_not_in_store");
    const ok = config.validateLab(labFile, { ...ctx, store: store.memoryStore({ "x86_64/tiny": ["1"] }) });
    expect(ok.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(ok.config.lab?.vms.map((v) => v.name)).toEqual(["web"]);
  });

  test("config.labPlan resolves templates through the store; a missing one is a coded error", () => {
    const v = config.validateLab(labFile, { files: diskFiles, home: dir, profiles: new Map(), scripts: undefined, store: undefined });
    const templates = new store.TemplateStore({ root: join(dir, "templates") });
    expect(templates.list()).toEqual([]);
    let caught: unknown;
    try {
      config.labPlan(v.config, new Map(), templates, {}, dir, config.DEFAULT_HOST_CONFIG);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CodedError);
    expect((caught as CodedError).code).toBe("template.not_found");
    expect((caught as CodedError).subject).toBe("x86_64/tiny@1");
  });

  test("store parses references and orders versions", () => {
    expect(store.parseTemplateRef("x86_64/tiny@1.10")).toEqual({ ok: true, ref: { kind: "store", arch: "x86_64", name: "tiny", version: "1.10" } });
    expect(store.parseTemplateRef("tiny")).toMatchObject({ ok: false, code: "config.archless_template_ref" });
    expect(store.highestVersion(["1.9", "1.10", "1.2"])).toBe("1.10");
  });

  test("wscript compiles and runs a script calling a host function", () => {
    const seen: string[] = [];
    const host = new wscript.HostModule("host").fn("note(s: string)", (s: string) => void seen.push(s));
    const session = wscript.Session.builder().module(host).resolver(wscript.noImports).build();
    const c = session.compile("main.wscript", 'use host\nfn main() -> int {\n    host::note("from script")\n    40 + 2\n}\n');
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect(session.run(c)).toMatchObject({ ok: true, value: 42 });
    expect(seen).toEqual(["from script"]);
  });

  test("daemon starts the supervisor from the vmlab binary, reads its status, and stops it", async () => {
    expect(await daemon.supervisorStatus()).toBeUndefined();
    const socket = await daemon.ensureSupervisor({ vmlab: vmlabBin() });
    const ping = await daemon.request(socket, "GET", "/v1/ping", undefined, protocol.SupervisorPingReplySchema);
    expect(ping.ok).toBe(true);
    const status = await daemon.supervisorStatus();
    expect(status?.pid).toBe(ping.pid);
    expect(status?.labs).toEqual([]);
    expect(await daemon.liveLabSocket("embedded")).toBeUndefined();
    expect(await daemon.stopSupervisor()).toBe(true);
    expect(await daemon.supervisorStatus()).toBeUndefined();
  });
});
