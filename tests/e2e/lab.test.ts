/**
 * The lab lifecycle from the compiled binary, against real tiny-template
 * guests under TCG: up/status/exec/cp/osinfo/logs/vm/down/destroy, the
 * daemons (auto-start, single instance, registry, events), and the faults
 * the issue names — a killed QEMU, a killed lab daemon, a killed
 * supervisor, two CLIs racing `up`, unknown names, a lab that is not up.
 *
 * Tests run in order and share one lab (boots are the expensive part).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { connect } from "node:net";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { LabStatus } from "../../core/daemon/protocol.ts";
import { vmlabBin } from "./_bin.ts";
import { processAlive, TINY_REF, waitFor, World } from "./_lab.ts";

const LAB = `lab "e2e" {
  vm "alpha" {
    template = "${TINY_REF}"
    memory   = 256MiB
  }
  vm "beta" {
    template   = "${TINY_REF}"
    memory     = 256MiB
    depends_on = ["alpha"]
  }
}
`;

let w: World;
let dir: string;

const status = (): LabStatus => w.json<LabStatus>(["status", "--json"], { cwd: dir });
const vmOf = (st: LabStatus, name: string) => st.vms.find((v) => v.name === name) as LabStatus["vms"][number];
const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  w = new World();
  // Every free-space figure is below 100 %: the watchdog must fire once.
  w.hostConfig("host {\n  disk_low_percent = 100\n}\n");
  await w.adoptTiny();
  dir = w.lab("e2e", LAB);
});

afterAll(() => w.teardown());

describe("lab lifecycle through dist/vmlab", () => {
  test("before up: status describes the lab as down and guest verbs say it is not up", () => {
    const st = status();
    expect(st.state).toBe("down");
    expect(st.vms.map((v) => [v.name, v.state])).toEqual([
      ["alpha", "stopped"],
      ["beta", "stopped"],
    ]);
    const r = w.vmlab(["exec", "alpha", "--", "true"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("lab.not_up");
    expect(r.stderr).toContain("vmlab up");
  });

  test("up boots both VMs (beta after alpha) and returns when both are ready", () => {
    const r = w.vmlab(["up"], { cwd: dir });
    expect(r.stderr).toContain("alpha: ready");
    expect(r.code).toBe(0);
    expect(r.stderr.indexOf("beta: starting")).toBeGreaterThan(r.stderr.indexOf("alpha: ready"));
    const st = status();
    expect(st.state).toBe("up");
    for (const v of st.vms) {
      expect(v.state).toBe("running");
      expect(v.ready).toBe(true);
      expect(processAlive(v.pid as number)).toBe(true);
    }
    expect(existsSync(join(dir, ".vmlab", "vms", "alpha", "disk.qcow2"))).toBe(true);
  });

  test("up on a running lab is idempotent", () => {
    const before = status().vms.map((v) => v.pid);
    const r = w.vmlab(["up", "-q"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(status().vms.map((v) => v.pid)).toEqual(before);
  });

  test("several labs run at once, each with its own daemon", () => {
    const second = w.lab("second", `lab "second" {\n  vm "solo" {\n    template = "${TINY_REF}"\n    memory = 128MiB\n  }\n}\n`);
    expect(w.vmlab(["up", "-q"], { cwd: second }).code).toBe(0);
    const d = w.json<{ labs: { name: string; state: string; pid: number }[] }>(["daemon", "status", "--json"]);
    const running = d.labs.filter((l) => l.state === "running");
    expect(running.map((l) => l.name).sort()).toEqual(["e2e", "second"]);
    expect(running[0]?.pid).not.toBe(running[1]?.pid);
    expect(w.vmlab(["exec", "second/solo", "--", "true"]).code).toBe(0);
    expect(w.vmlab(["destroy", "-q"], { cwd: second }).code).toBe(0);
    expect(status().state).toBe("up");
  });

  test("exec passes stdout, stderr and the exit status through; lab/vm works from anywhere", () => {
    const a = w.vmlab(["exec", "alpha", "--", "uname", "-s"], { cwd: dir });
    expect(a.code).toBe(0);
    expect(a.stdout).toBe("Linux\n");
    const b = w.vmlab(["exec", "e2e/beta", "--", "/bin/sh", "-c", "echo out; echo err >&2; exit 3"], { cwd: "/" });
    expect(b.code).toBe(3);
    expect(b.stdout).toBe("out\n");
    expect(b.stderr).toBe("err\n");
    const c = w.vmlab(["exec", "-i", "alpha", "--", "cat"], { cwd: dir, stdin: "piped through\n" });
    expect(c.stdout).toBe("piped through\n");
  });

  test("cp copies files and directory trees both ways, byte for byte", () => {
    const src = join(w.root, "tree");
    mkdirSync(join(src, "sub"), { recursive: true });
    const blob = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251);
    writeFileSync(join(src, "blob.bin"), blob);
    writeFileSync(join(src, "sub", "note.txt"), "hello from the host\n");
    expect(w.vmlab(["cp", src, "alpha:/tmp"], { cwd: dir }).code).toBe(0);
    const inGuest = w.vmlab(["exec", "alpha", "--", "sha256sum", "/tmp/tree/blob.bin"], { cwd: dir });
    expect(inGuest.stdout.split(" ")[0]).toBe(sha(blob));
    const back = join(w.root, "back");
    expect(w.vmlab(["cp", "alpha:/tmp/tree", back], { cwd: dir }).code).toBe(0);
    expect(sha(readFileSync(join(back, "blob.bin")))).toBe(sha(blob));
    expect(readFileSync(join(back, "sub", "note.txt"), "utf8")).toBe("hello from the host\n");
    const one = join(w.root, "hostname.txt");
    expect(w.vmlab(["cp", "alpha:/etc/hostname", one], { cwd: dir }).code).toBe(0);
    expect(readFileSync(one, "utf8").trim().length).toBeGreaterThan(0);
  });

  test("a guest-agent error reaches the CLI with the agent's code and hint, as text and as --json", () => {
    const r = w.vmlab(["cp", "alpha:/no/such/file", join(w.root, "nothing")], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[qga.command_failed]: cannot read alpha:/no/such/file: guest agent command 'guest-file-open' failed");
    expect(r.stderr).toMatch(/\nhint: \S/);
    const missing = w.vmlab(["snapshot", "list", "ghost", "--json"], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe("");
    expect(JSON.parse(missing.stderr)).toMatchObject({
      error: { code: "vm.not_found", message: "lab e2e has no VM named ghost", hint: expect.stringContaining("alpha") },
    });
  });

  test("osinfo prints the agent's OS information as JSON", () => {
    const info = w.json<{ kernelRelease: string; machine: string }>(["osinfo", "alpha"], { cwd: dir });
    expect(info.machine).toBe("x86_64");
    expect(info.kernelRelease.length).toBeGreaterThan(0);
  });

  test("console --tcp relays the VM's VNC to a 127.0.0.1 port (an RFB greeting arrives)", async () => {
    const p = Bun.spawn([vmlabBin(), "console", "alpha", "--tcp"], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1", ...w.env },
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      const reader = p.stdout.getReader();
      let text = "";
      while (!/127\.0\.0\.1:(\d+)/.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(text)?.[1]);
      expect(port).toBeGreaterThan(0);
      const greeting = await new Promise<string>((resolve, reject) => {
        const s = connect(port, "127.0.0.1");
        s.once("data", (d) => {
          resolve(d.toString("latin1"));
          s.destroy();
        });
        s.once("error", reject);
      });
      expect(greeting).toStartWith("RFB 003.");
    } finally {
      p.kill("SIGINT");
      await p.exited;
    }
  });

  test("console without a configured viewer says how to configure one", () => {
    const r = w.vmlab(["console", "alpha"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("viewer");
  });

  test("unknown names and bad usage get clear errors", () => {
    const vm = w.vmlab(["exec", "nope", "--", "true"], { cwd: dir });
    expect(vm.code).toBe(1);
    expect(vm.stderr).toContain("vm.not_found");
    expect(vm.stderr).toContain("nope");
    const lab = w.vmlab(["exec", "nolab/alpha", "--", "true"], { cwd: "/" });
    expect(lab.code).toBe(1);
    expect(lab.stderr).toContain("nolab");
    const up = w.vmlab(["up", "gamma"], { cwd: dir });
    expect(up.code).toBe(1);
    expect(up.stderr).toContain("gamma");
    const usage = w.vmlab(["cp", "a", "b"], { cwd: dir });
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain("vm:path");
    const missingProgram = w.vmlab(["exec", "alpha", "--", "/no/such/program"], { cwd: dir });
    expect(missingProgram.code).toBe(1);
    expect(missingProgram.stderr).toContain("exec.failed");
  });

  test("a QEMU killed with -9 shows as crashed with an event, and vm start recovers it", async () => {
    const pid = vmOf(status(), "alpha").pid as number;
    process.kill(pid, "SIGKILL");
    const st = await waitFor("alpha crashed", () => {
      const s = status();
      return vmOf(s, "alpha").state === "crashed" ? s : undefined;
    });
    expect(st.state).toBe("partial");
    expect(vmOf(st, "alpha").lastExit).toContain("SIGKILL");
    const logs = w.vmlab(["logs", "--json", "-n", "50"], { cwd: dir });
    expect(logs.stdout).toContain('"vm.crashed"');
    const r = w.vmlab(["vm", "start", "alpha"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(vmOf(status(), "alpha").state).toBe("running");
    expect(vmOf(status(), "alpha").ready).toBe(true);
  });

  test("vm stop and vm restart act on one VM", () => {
    expect(w.vmlab(["vm", "stop", "beta"], { cwd: dir }).code).toBe(0);
    expect(vmOf(status(), "beta").state).toBe("stopped");
    expect(vmOf(status(), "alpha").state).toBe("running");
    const oldPid = vmOf(status(), "alpha").pid;
    expect(w.vmlab(["vm", "restart", "alpha"], { cwd: dir }).code).toBe(0);
    const a = vmOf(status(), "alpha");
    expect(a.state).toBe("running");
    expect(a.pid).not.toBe(oldPid);
  });

  test("down keeps the clones and up reuses them (same clone file, not re-created)", () => {
    expect(w.vmlab(["up", "-q"], { cwd: dir }).code).toBe(0);
    // The tiny guest runs from an initramfs, so guest files do not reach the disk;
    // the clone file's identity shows it is reused rather than re-created.
    const clone = join(dir, ".vmlab", "vms", "alpha", "disk.qcow2");
    const before = statSync(clone);
    const down = w.vmlab(["down"], { cwd: dir });
    expect(down.code).toBe(0);
    expect(down.stderr).toContain("lab e2e is down");
    expect(status().state).toBe("down");
    expect(existsSync(clone)).toBe(true);
    expect(w.vmlab(["up", "-q"], { cwd: dir }).code).toBe(0);
    const after = statSync(clone);
    expect(after.ino).toBe(before.ino);
    expect(after.birthtimeMs).toBe(before.birthtimeMs);
  });

  test("two CLIs racing up on a stopped lab: one wins, the other gets a clear answer", async () => {
    expect(w.vmlab(["down", "-q"], { cwd: dir }).code).toBe(0);
    const [a, b] = await Promise.all([w.vmlabAsync(["up", "-q"], { cwd: dir }), w.vmlabAsync(["up", "-q"], { cwd: dir })]);
    const results = [a, b];
    expect(results.some((r) => r.code === 0)).toBe(true);
    for (const r of results) if (r.code !== 0) expect(r.stderr).toContain("lab.busy");
    const st = status();
    expect(st.vms.every((v) => v.state === "running" && v.ready)).toBe(true);
  });

  test("a lab daemon killed with -9: the lab is marked failed, lab.daemon_crashed is emitted, no QEMU lingers, up recovers", async () => {
    const st = status();
    const qemuPids = st.vms.map((v) => v.pid as number);
    process.kill(st.daemonPid as number, "SIGKILL");
    type Daemon = { labs: { name: string; state: string; reason?: string }[] };
    const d = await waitFor("lab marked failed", () => {
      const s = w.json<Daemon>(["daemon", "status", "--json"]);
      return s.labs.find((l) => l.name === "e2e" && l.state === "failed") ? s : undefined;
    });
    expect(d.labs.find((l) => l.name === "e2e")?.reason).toContain("SIGKILL");
    await waitFor("QEMU gone", () => (qemuPids.every((p) => !processAlive(p)) ? true : undefined), 15_000);
    expect(readFileSync(join(w.stateDir, "vmlabd.log"), "utf8")).toContain("lab.daemon_crashed");
    // …and in the lab's own log, where `vmlab logs` looks.
    expect(w.vmlab(["logs", "--json", "-n", "500"], { cwd: dir }).stdout).toContain('"lab.daemon_crashed"');
    const failed = status();
    expect(failed.state).toBe("failed");
    expect(w.vmlab(["up", "-q"], { cwd: dir }).code).toBe(0);
    expect(status().state).toBe("up");
  });

  test("a supervisor killed with -9 is restarted by the next CLI call, which adopts the running lab", async () => {
    const old = w.supervisorPid() as number;
    expect(processAlive(old)).toBe(true);
    const labPid = status().daemonPid;
    process.kill(old, "SIGKILL");
    await waitFor("supervisor gone", () => (processAlive(old) ? undefined : true), 10_000);
    expect(w.vmlab(["up", "-q"], { cwd: dir }).code).toBe(0);
    const pid = w.supervisorPid() as number;
    expect(pid).not.toBe(old);
    const s = w.json<{ running: boolean; labs: { name: string; state: string; pid: number }[] }>(["daemon", "status", "--json"]);
    expect(s.running).toBe(true);
    expect(s.labs.find((l) => l.name === "e2e")).toMatchObject({ state: "running", pid: labPid });
    expect(status().state).toBe("up");
  });

  test("a second supervisor for the same user refuses to start", () => {
    const r = w.vmlab(["--version"], { bin: vmlabdPath() });
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("vmlabd ");
    const second = w.vmlab([], { bin: vmlabdPath() });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain("already running");
  });

  test("the disk watchdog emitted host.disk_low (threshold 100 % in the host config)", async () => {
    await waitFor("host.disk_low", () => (readFileSync(join(w.stateDir, "vmlabd.log"), "utf8").includes("host.disk_low") ? true : undefined), 10_000);
  });

  test("logs show the lab's events and a VM's log and serial console", () => {
    const lab = w.vmlab(["logs", "-n", "200"], { cwd: dir });
    expect(lab.code).toBe(0);
    expect(lab.stdout).toContain("event vm.ready");
    const vm = w.vmlab(["logs", "alpha"], { cwd: dir });
    expect(vm.stdout).toContain("vm.starting");
    const serial = w.vmlab(["logs", "alpha", "--serial"], { cwd: dir });
    expect(serial.code).toBe(0);
    expect(serial.stdout.length).toBeGreaterThan(0);
    const none = w.vmlab(["logs", "zeta"], { cwd: dir });
    expect(none.code).toBe(1);
  });

  test("snapshots: online restore brings guest state back and keeps the VM running; offline restore leaves it stopped", () => {
    const sh = (cmd: string) => w.vmlab(["exec", "alpha", "--", "/bin/sh", "-c", cmd], { cwd: dir });
    expect(sh("echo one > /root/s.txt").code).toBe(0);
    const create = w.vmlab(["snapshot", "create", "base", "--vm", "alpha"], { cwd: dir });
    expect(create.code).toBe(0);
    expect(create.stderr).toContain("online");
    expect(sh("echo two > /root/s.txt").code).toBe(0);
    expect(w.vmlab(["snapshot", "restore", "base", "--vm", "alpha"], { cwd: dir }).code).toBe(0);
    expect(vmOf(status(), "alpha").state).toBe("running");
    expect(sh("cat /root/s.txt").stdout).toBe("one\n");
    const list = w.json<{ name: string; online: boolean }[]>(["snapshot", "list", "alpha", "--json"], { cwd: dir });
    expect(list.find((x) => x.name === "base")?.online).toBe(true);
    const missing = w.vmlab(["snapshot", "restore", "nope", "--vm", "alpha"], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("snapshot.not_found");

    expect(w.vmlab(["vm", "stop", "beta"], { cwd: dir }).code).toBe(0);
    const cold = w.vmlab(["snapshot", "create", "cold", "--vm", "beta"], { cwd: dir });
    expect(cold.code).toBe(0);
    expect(cold.stderr).toContain("offline");
    expect(w.vmlab(["snapshot", "restore", "cold", "--vm", "beta"], { cwd: dir }).code).toBe(0);
    expect(vmOf(status(), "beta").state).toBe("stopped");
    expect(
      w.json<{ name: string; powerState: string }[]>(["snapshot", "list", "beta", "--json"], { cwd: dir }).find((x) => x.name === "cold")?.powerState,
    ).toBe("stopped");
    expect(w.vmlab(["snapshot", "delete", "alpha", "base"], { cwd: dir }).code).toBe(0);
    expect(w.json<{ name: string }[]>(["snapshot", "list", "alpha", "--json"], { cwd: dir }).some((x) => x.name === "base")).toBe(false);
  });

  test("template rm is refused while the lab's clones back the template", () => {
    const r = w.vmlab(["template", "rm", TINY_REF]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error[template.in_use]: cannot remove ${TINY_REF}`);
    expect(r.stderr).toContain("hint: destroy those labs first");
    expect(r.stderr).toContain("clone");
  });

  test("destroy stops the lab and deletes .vmlab/; the store forgets the clones", () => {
    const r = w.vmlab(["destroy"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, ".vmlab"))).toBe(false);
    expect(status().state).toBe("down");
    const list = w.json<{ ref: string; clones: number }[]>(["template", "list", "--json"]);
    expect(list.find((t) => t.ref === TINY_REF)?.clones).toBe(0);
  });
});

describe("faults before and during up", () => {
  test("a template missing from the store fails validation before anything starts", () => {
    const d = w.lab("missing", 'lab "missing" {\n  vm "x" { template = "x86_64/not-there@1" }\n}\n');
    const r = w.vmlab(["up"], { cwd: d });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("config.template_not_in_store");
    expect(r.stderr).toContain("x86_64/not-there@1");
  });

  test("a VM whose guest never answers fails up with its serial console tail; the daemon stays up", async () => {
    // A blank disk boots nowhere: SeaBIOS prints "No bootable device".
    const blank = join(w.root, "blank.qcow2");
    expect(Bun.spawnSync(["qemu-img", "create", "-q", "-f", "qcow2", blank, "64M"]).exitCode).toBe(0);
    expect(w.vmlab(["template", "import", "--ref", "x86_64/blank@1", blank]).code).toBe(0);
    const d = w.lab("noagent", 'lab "noagent" {\n  vm "mute" {\n    template = "x86_64/blank@1"\n    memory = 64MiB\n  }\n}\n');
    const r = w.vmlab(["up"], { cwd: d, env: { VMLAB_READY_TIMEOUT: "4" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("vm.not_ready");
    expect(r.stderr).toContain("mute");
    const st = w.json<LabStatus>(["status", "--json"], { cwd: d });
    expect(st.daemonPid).not.toBeNull();
    expect(w.vmlab(["destroy", "-q"], { cwd: d }).code).toBe(0);
  });

  // Mounting a small tmpfs needs root; elsewhere the ENOSPC mapping is covered by unit tests.
  test.skipIf(process.getuid?.() !== 0)("a full disk fails up with disk.full and loses nothing", () => {
    const mnt = join(w.root, "tiny-fs");
    mkdirSync(mnt, { recursive: true });
    const m = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", mnt]);
    expect(m.exitCode).toBe(0);
    try {
      writeFileSync(join(mnt, "vmlab.wcl"), `lab "fulldisk" {\n  vm "x" {\n    template = "${TINY_REF}"\n    memory = 64MiB\n  }\n}\n`);
      // Fill what is left so the clone cannot be written.
      Bun.spawnSync(["sh", "-c", `dd if=/dev/zero of=${mnt}/fill bs=1k count=1000 2>/dev/null; true`]);
      const r = w.vmlab(["up"], { cwd: mnt });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/disk\.full|no space left/i);
      expect(readFileSync(join(mnt, "vmlab.wcl"), "utf8")).toContain("fulldisk");
    } finally {
      w.vmlab(["down", "--force", "-q"], { cwd: mnt });
      Bun.spawnSync(["umount", "-l", mnt]);
    }
  });
});

function vmlabdPath(): string {
  return join(dirname(vmlabBin()), "vmlabd");
}
