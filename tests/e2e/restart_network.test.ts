/**
 * Network continuity across a VM's power cycles, through dist/vmlab (issue
 * #19 item 5): `vm restart`, `vm stop` + `vm start`, and a reboot from
 * inside the guest each leave the VM on its segment — it still reaches the
 * gateway and the lab's DNS. A restart used to lose the network because the
 * old QEMU's exit path detached the new instance's switch port.
 *
 * The same running lab also checks item 12's bits: `cp` into a full guest
 * leaves no partial file, log and state files are private (0600), and a
 * lab daemon killed with -9 leaves
 * `lab.daemon_crashed` in the lab's own log, where `vmlab logs` reads.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LabStatus } from "../../core/daemon/protocol.ts";
import { processAlive, TINY_REF, waitFor, World } from "./_lab.ts";

let w: World;
let dir: string;

const LAB = `lab "rnet" {
  segment "lan" {
    subnet = "10.79.0.0/24"
  }
  vm "box" {
    template = "${TINY_REF}"
    memory   = 256MiB
    nic { segment = "lan" }
  }
}
`;

beforeAll(async () => {
  w = new World();
  await w.adoptTiny();
  dir = w.lab("rnet", LAB);
});

afterAll(() => w.teardown());

/** One ping from the guest to its gateway: true when it was answered. */
function pingsGateway(): boolean {
  const r = w.vmlab(["exec", "box", "--", "ping", "-c", "1", "-W", "3", "10.79.0.1"], { cwd: dir });
  return r.code === 0 && r.stdout.includes("1 packets received");
}

/** The guest reaches the gateway (retried briefly: DHCP may still be renewing after a boot). */
async function expectNetwork(what: string): Promise<void> {
  await waitFor(`${what}: box pings its gateway`, () => (pingsGateway() ? true : undefined), 60_000);
  const st = w.json<LabStatus>(["status", "--json"], { cwd: dir });
  expect(st.segments?.find((s) => s.name === "lan")?.leases.map((l) => l.vm)).toContain("box");
}

describe("network continuity across power cycles", () => {
  test("after up, the guest reaches its gateway", async () => {
    const r = w.vmlab(["up", "-q"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    await expectNetwork("up");
  });

  test("vm restart keeps the VM on its segment", async () => {
    const before = w.json<LabStatus>(["status", "--json"], { cwd: dir }).vms[0]?.pid;
    const r = w.vmlab(["vm", "restart", "box"], { cwd: dir });
    expect(r.code).toBe(0);
    const after = w.json<LabStatus>(["status", "--json"], { cwd: dir }).vms[0];
    expect(after?.pid).not.toBe(before);
    expect(after?.state).toBe("running");
    // Immediately after restart returns, not eventually: the port must be attached.
    expect(pingsGateway()).toBe(true);
    await expectNetwork("restart");
  });

  test("vm stop then vm start keeps the VM on its segment", async () => {
    expect(w.vmlab(["vm", "stop", "box"], { cwd: dir }).code).toBe(0);
    expect(w.json<LabStatus>(["status", "--json"], { cwd: dir }).vms[0]?.state).toBe("stopped");
    expect(w.vmlab(["vm", "start", "box"], { cwd: dir }).code).toBe(0);
    await expectNetwork("stop + start");
  });

  test("a reboot from inside the guest keeps the VM on its segment", async () => {
    const pid = w.json<LabStatus>(["status", "--json"], { cwd: dir }).vms[0]?.pid;
    // The agent may not answer once the guest goes down: the exit status is not asserted.
    w.vmlab(["exec", "box", "--", "/bin/sh", "-c", "(sleep 1; reboot -f) >/dev/null 2>&1 &"], { cwd: dir });
    await Bun.sleep(3_000);
    await expectNetwork("guest reboot");
    const st = w.json<LabStatus>(["status", "--json"], { cwd: dir }).vms[0];
    expect(st?.state).toBe("running");
    expect(st?.pid).toBe(pid);
  });

  test("cp into a full guest fails without leaving a partial or temp file; the old content stays", () => {
    const prep = w.vmlab(["exec", "box", "--", "/bin/sh", "-c", "mkdir -p /full && mount -t tmpfs -o size=64k tmpfs /full && echo old > /full/f"], {
      cwd: dir,
    });
    expect(prep.code).toBe(0);
    const big = join(w.root, "big.bin");
    writeFileSync(big, new Uint8Array(1 << 20).fill(0x41));
    const cp = w.vmlab(["cp", big, "box:/full/f"], { cwd: dir });
    expect(cp.code).toBe(1);
    const ls = w.vmlab(["exec", "box", "--", "ls", "-a", "/full"], { cwd: dir });
    expect(ls.stdout.split(/\s+/).filter((x) => x && x !== "." && x !== "..")).toEqual(["f"]);
    expect(w.vmlab(["exec", "box", "--", "cat", "/full/f"], { cwd: dir }).stdout).toBe("old\n");
  });

  test("cp from the guest onto a host symlink or device node is refused, not replaced (#19 item 7)", () => {
    const victim = join(w.root, "victim.txt");
    writeFileSync(victim, "keep\n");
    const link = join(w.root, "link.txt");
    symlinkSync(victim, link);
    const r = w.vmlab(["cp", "box:/full/f", link], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("fs.not_regular_file");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(victim, "utf8")).toBe("keep\n");
    const dev = w.vmlab(["cp", "box:/full/f", "/dev/null"], { cwd: dir });
    expect(dev.code).toBe(1);
    expect(lstatSync("/dev/null").isCharacterDevice()).toBe(true);
  });

  test("log and state files are 0600 (they hold addresses and script output)", () => {
    const logs = join(w.stateDir, "labs", "rnet");
    const files = [...readdirSync(logs).map((f) => join(logs, f)), join(w.stateDir, "labs.json"), join(dir, ".vmlab", "state.json")];
    expect(files.some((f) => f.endsWith("box.serial.log"))).toBe(true);
    for (const f of files) expect(`${f} ${(statSync(f).mode & 0o777).toString(8)}`).toBe(`${f} 600`);
  });

  test("a lab daemon killed with -9 leaves lab.daemon_crashed in `vmlab logs` of the lab", async () => {
    const st = w.json<LabStatus>(["status", "--json"], { cwd: dir });
    const qemu = st.vms[0]?.pid as number;
    process.kill(st.daemonPid as number, "SIGKILL");
    await waitFor("lab marked failed", () => (w.json<LabStatus>(["status", "--json"], { cwd: dir }).state === "failed" ? true : undefined), 30_000);
    await waitFor("QEMU gone", () => (processAlive(qemu) ? undefined : true), 15_000);
    const r = w.vmlab(["logs", "--json", "-n", "500"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"lab.daemon_crashed"');
  });
});
