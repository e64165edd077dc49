/**
 * vmlab scripts against two real tiny guests (TCG), through `MachineLab` — the script
 * layer's own `LabHandle` over plain `Machine`s. Both QEMUs are started (not waited
 * for) in `beforeAll`; the first test's provision script waits for them itself, the
 * way `vmlab up` runs provisions right after starting the VMs. Later tests reuse the
 * ready guests; the crash-handler test kills beta and runs last.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tinyGuest, tinyTemplatePath, type TinyGuest } from "../../core/machine/testing/tiny_guest.ts";
import { MachineLab, MachineVm } from "../../core/scripting/machine_handle.ts";
import { compileScript, runHandler, runProvision, type ScriptRunOptions } from "../../core/scripting/run.ts";

const BOOT_TIMEOUT_MS = 240_000;
let guests: TinyGuest[] = [];
let alpha: MachineVm;
let beta: MachineVm;
let root: string;
let lab: MachineLab;
let logs: string[] = [];

beforeAll(async () => {
  const template = await tinyTemplatePath();
  guests = [tinyGuest(template, { name: "alpha" }), tinyGuest(template, { name: "beta", quietAccel: true })];
  root = mkdtempSync(join(tmpdir(), "vmlab-scripting-"));
  mkdirSync(join(root, "files"));
  writeFileSync(join(root, "files", "payload.txt"), "payload from the host\n");
  [alpha, beta] = guests.map((g) => new MachineVm(g.spec, undefined, { screenshotDir: join(root, ".vmlab", "screenshots"), imageRoot: root })) as [
    MachineVm,
    MachineVm,
  ];
  lab = new MachineLab({ name: "scripting", root, vms: [alpha, beta], log: (m) => logs.push(m) });
  await Promise.all([alpha.start(), beta.start()]);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([alpha?.stopForce(), beta?.stopForce()]);
  for (const g of guests) g.cleanup();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Write `source` as `scripts/<name>` under the lab root, compile it, run `main`. */
async function provision(name: string, source: string, opts: ScriptRunOptions = {}) {
  const path = join(root, "scripts", name);
  mkdirSync(join(root, "scripts"), { recursive: true });
  writeFileSync(path, source);
  const s = compileScript(path);
  if (!s.ok) throw new Error(s.rendered);
  logs = [];
  return { path, result: await runProvision(s.unit, lab, opts) };
}

describe("vmlab scripts on real guests", () => {
  test(
    "a provision script waits for two VMs, execs, copies files both ways and logs",
    async () => {
      const { result } = await provision(
        "setup.ws",
        `use vmlab

fn main(lab: Lab) {
    lab.log("provisioning " + lab.name())
    let Ok(alpha) = lab.vm("alpha") else { lab.log("no alpha"); return }
    let Ok(beta) = lab.vm("beta") else { lab.log("no beta"); return }
    for vm in lab.vms() {
        match vm.wait_ready(240) {
            Ok(_) => lab.log(vm.name() + " is ready: " + str(vm.is_ready()) + " " + vm.state()),
            Err(e) => { lab.log(vm.name() + " never became ready: " + e); return }
        }
    }
    let r = alpha.exec("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"]).unwrap()
    lab.log(fmt("alpha exit={} out={} err={}", r.exit_code, r.stdout.trim(), r.stderr.trim()))
    alpha.copy_to("files/payload.txt", "/tmp/payload.txt").unwrap()
    lab.log("alpha has: " + alpha.exec("/bin/cat", ["/tmp/payload.txt"]).unwrap().stdout.trim())
    beta.exec("/bin/sh", ["-c", "echo beta-was-here > /tmp/note.txt"]).unwrap()
    beta.copy_from("/tmp/note.txt", "out/beta/note.txt").unwrap()
    match beta.copy_from("/no/such/file", "out/missing.txt") {
        Ok(_) => lab.log("copied a missing file?"),
        Err(e) => lab.log("missing file: " + str(e.contains("/no/such/file"))),
    }
    lab.log("done")
}
`,
      );
      expect(result).toEqual({ ok: true });
      expect(logs).toEqual([
        "provisioning scripting",
        "alpha is ready: true running",
        "beta is ready: true running",
        "alpha exit=3 out=out err=err",
        "alpha has: payload from the host",
        "missing file: true",
        "done",
      ]);
      expect(readFileSync(join(root, "out", "beta", "note.txt"), "utf8")).toBe("beta-was-here\n");
    },
    BOOT_TIMEOUT_MS * 2 + 60_000,
  );

  test("a failing script reports the fault's location and stack trace", async () => {
    const { path, result } = await provision(
      "fail.ws",
      `use vmlab

fn run_step(vm: Vm) -> ExecResult {
    vm.exec("/no/such/program", []).unwrap()
}

fn main(lab: Lab) {
    lab.log("before the failing step")
    let r = run_step(lab.vm("beta").unwrap())
    lab.log("not reached")
}
`,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(logs).toEqual(["before the failing step"]);
    expect(result.error).toContain("/no/such/program");
    expect(result.error).toContain(`[${path}:4:`);
    expect(result.error).toMatch(new RegExp(`at run_step\\s+${path.replace(/[.]/g, "\\.")}:4:`));
    expect(result.error).toMatch(new RegExp(`at main\\s+${path.replace(/[.]/g, "\\.")}:9:`));
  }, 120_000);

  test("type_text on tty1 runs a command whose effect the script sees through the agent", async () => {
    const { result } = await provision(
      "typing.ws",
      `use vmlab

fn main(lab: Lab) {
    let vm = lab.vm("alpha").unwrap()
    vm.send_keys("enter").unwrap()
    vm.type_text("echo typed_$((6*7)) >/tmp/typed\\n").unwrap()
    let tries = 0
    loop {
        let r = vm.exec("/bin/cat", ["/tmp/typed"]).unwrap()
        if r.exit_code == 0 && r.stdout.trim() != "" {
            lab.log("typed file: " + r.stdout.trim())
            return
        }
        tries = tries + 1
        if tries > 240 { lab.log("the typed command never ran"); return }
        vmlab::sleep_ms(250)
    }
}
`,
    );
    expect(result).toEqual({ ok: true });
    expect(logs).toEqual(["typed file: typed_42"]);
  }, 180_000);

  test("an online snapshot restored from a script brings a file back and leaves the VM running", async () => {
    const { result } = await provision(
      "snap.ws",
      `use vmlab

fn main(lab: Lab) {
    let vm = lab.vm("alpha").unwrap()
    vm.exec("/bin/sh", ["-c", "echo before > /tmp/state.txt"]).unwrap()
    vm.snapshot("script-snap").unwrap()
    vm.exec("/bin/sh", ["-c", "echo after > /tmp/state.txt"]).unwrap()
    lab.log("snapshots: " + str(vm.snapshots().unwrap()))
    vm.restore("script-snap").unwrap()
    lab.log("state: " + vm.state())
    lab.log("file: " + vm.exec("/bin/cat", ["/tmp/state.txt"]).unwrap().stdout.trim())
    vm.delete_snapshot("script-snap").unwrap()
    match vm.restore("script-snap") { Ok(_) => lab.log("restored a deleted snapshot?"), Err(e) => lab.log("gone: " + str(e.contains("script-snap"))) }
}
`,
    );
    expect(result).toEqual({ ok: true });
    expect(logs).toEqual(['snapshots: ["script-snap"]', "state: running", "file: before", "gone: true"]);
  }, 300_000);

  test("a script spinning in a loop does not stall the embedder: agent pings keep answering", async () => {
    const ac = new AbortController();
    const spinning = provision(
      "spin.ws",
      `use vmlab

fn main(lab: Lab) {
    lab.log("spinning")
    let n = 0
    loop { n = n + 1 }
}
`,
      { fuel: Infinity, signal: ac.signal },
    );
    while (!logs.includes("spinning")) await new Promise((r) => setImmediate(r));
    const agent = await alpha.machine!.agent();
    let pings = 0;
    for (let i = 0; i < 5; i++) {
      await agent.ping({ timeoutMs: 30_000 });
      pings++;
    }
    ac.abort();
    const { result } = await spinning;
    expect(pings).toBe(5);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toStartWith("Error: script cancelled");
  }, 120_000);

  test("a crash handler sees the killed VM stopped and gets Err from it", async () => {
    const path = join(root, "scripts", "crash.ws");
    writeFileSync(
      path,
      `use vmlab

fn handle(event: Event, lab: Lab) {
    lab.log("handler for " + event.name + " of " + event.vm)
    let Ok(vm) = lab.vm(event.vm) else { return }
    lab.log("state: " + vm.state())
    match vm.exec("/bin/true", []) {
        Ok(_) => lab.log("exec worked on a dead VM?"),
        Err(e) => lab.log(e),
    }
}
`,
    );
    const s = compileScript(path, { entry: "handle" });
    if (!s.ok) throw new Error(s.rendered);
    const m = beta.machine!;
    m.process.kill("SIGKILL");
    await m.process.exited;
    while (beta.state() !== "stopped") await new Promise((r) => setImmediate(r));
    logs = [];
    const r = await runHandler(s.unit, { name: "vm.crashed", vm: "beta", data: { reason: "crashed" } }, lab);
    expect(r).toEqual({ ok: true });
    expect(logs).toEqual(["handler for vm.crashed of beta", "state: stopped", "Cannot run /bin/true on VM beta: it is stopped"]);
  }, 60_000);
});
