/**
 * Shared folders through dist/vmlab (PRD §7.5) with two real tiny guests (TCG) on one
 * segment, each with its own share (and A with a read-only one): after `up` they are
 * mounted over SMB at the gateway with per-VM credentials; files cross both ways with
 * identical bytes (a 50 MiB file, a non-ASCII name); the read-only share refuses a
 * write; VM B cannot map A's share with its own credential or with none; a killed
 * smbd is restarted and the mount works again; after an online snapshot restore the
 * share is still mounted and the host's files are unchanged (they are host state).
 * A third VM mounts its share over virtiofs: the same round trip, and an online
 * snapshot of it is refused.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LabStatus } from "../../core/daemon/protocol.ts";
import { TINY_REF, waitFor, World } from "./_lab.ts";

const LAB = `lab "shr" {
  segment "lan" { subnet = "10.78.0.0/24" }
  vm "a" {
    template = "${TINY_REF}"
    memory   = 256MiB
    nic { segment = "lan" }
    share { host = "./ha" guest = "/mnt/ha" }
    share { host = "./ro" guest = "/mnt/ro" readonly = true }
  }
  vm "b" {
    template = "${TINY_REF}"
    memory   = 256MiB
    nic { segment = "lan" }
    share { host = "./hb" guest = "/mnt/hb" }
  }
  vm "c" {
    template = "${TINY_REF}"
    memory   = 256MiB
    nic { segment = "lan" }
    share { host = "./hc" guest = "/mnt/hc" transport = "virtiofs" }
  }
}
`;

let w: World;
let dir: string;

beforeAll(async () => {
  w = new World("vmlab-shr-");
  await w.adoptTiny();
  dir = w.lab("shr", LAB);
  for (const d of ["ha", "ro", "hb", "hc"]) mkdirSync(join(dir, d));
  writeFileSync(join(dir, "ha", "hello.txt"), "from the host\n");
  writeFileSync(join(dir, "ha", "grüße.txt"), "non-ascii host name\n");
  writeFileSync(join(dir, "ro", "keep.txt"), "read only\n");
});

afterAll(() => w.teardown());

const sh = (vm: string, cmd: string) => w.vmlab(["exec", vm, "--", "/bin/sh", "-c", cmd], { cwd: dir });
const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

describe("shared folders through dist/vmlab", () => {
  test("up mounts each VM's shares and status shows them", () => {
    const r = w.vmlab(["up", "-q"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const st = w.json<LabStatus>(["status", "--json"], { cwd: dir });
    expect(st.vms.find((v) => v.name === "a")?.shares).toEqual([
      { name: "ha", host: join(dir, "ha"), guest: "/mnt/ha", transport: "smb", readonly: false, mounted: true },
      { name: "ro", host: join(dir, "ro"), guest: "/mnt/ro", transport: "smb", readonly: true, mounted: true },
    ]);
    expect(st.vms.find((v) => v.name === "b")?.shares?.[0]).toMatchObject({ name: "hb", mounted: true });
    expect(w.vmlab(["status"], { cwd: dir }).stdout).toContain("SHARE");
    expect(sh("a", "grep -c ' /mnt/ha cifs ' /proc/mounts").stdout.trim()).toBe("1");
  });

  test("host files are read in the guest, guest files (50 MiB, non-ASCII name) appear on the host with the same bytes", () => {
    expect(sh("a", "cat /mnt/ha/hello.txt").stdout).toBe("from the host\n");
    expect(sh("a", "cat '/mnt/ha/grüße.txt'").stdout).toBe("non-ascii host name\n");
    const r = sh(
      "a",
      "dd if=/dev/urandom of=/root/big.bin bs=1048576 count=50 2>/dev/null && cp /root/big.bin /mnt/ha/big.bin && echo 'vom Gast' > '/mnt/ha/ünïcødé.txt' && sync && sha256sum /root/big.bin",
    );
    expect(r.code).toBe(0);
    const guestSum = r.stdout.split(" ")[0];
    const onHost = readFileSync(join(dir, "ha", "big.bin"));
    expect(onHost.byteLength).toBe(50 * 1024 * 1024);
    expect(sha(onHost)).toBe(guestSum as string);
    expect(readdirSync(join(dir, "ha"))).toContain("ünïcødé.txt");
    expect(readFileSync(join(dir, "ha", "ünïcødé.txt"), "utf8")).toBe("vom Gast\n");
    expect(sh("b", "cat /mnt/hb/x 2>/dev/null; echo b-writes > /mnt/hb/from-b.txt && sync && echo ok").stdout).toBe("ok\n");
    expect(readFileSync(join(dir, "hb", "from-b.txt"), "utf8")).toBe("b-writes\n");
  });

  test("the read-only share refuses a write and the host folder is untouched", () => {
    expect(sh("a", "cat /mnt/ro/keep.txt").stdout).toBe("read only\n");
    const r = sh("a", "echo x > /mnt/ro/new.txt");
    expect(r.code).not.toBe(0);
    expect(existsSync(join(dir, "ro", "new.txt"))).toBe(false);
  });

  test("VM B cannot mount VM A's share with its own credential or with none", () => {
    const creds = JSON.parse(readFileSync(join(dir, ".vmlab", "smb", "creds"), "utf8")) as Record<string, { user: string; password: string }>;
    const b = creds.b as { user: string; password: string };
    expect(b.user).toBe("vmlab-b");
    expect(creds.a?.password).not.toBe(b.password);
    const own = sh("b", `mkdir -p /mnt/steal && mount -t cifs //10.78.0.1/ha /mnt/steal -o username=${b.user},password=${b.password} 2>&1; echo rc=$?`);
    expect(own.stdout).toMatch(/rc=[1-9]/);
    const none = sh("b", "mount -t cifs //10.78.0.1/ha /mnt/steal -o guest 2>&1; echo rc=$?");
    expect(none.stdout).toMatch(/rc=[1-9]/);
    expect(sh("b", "grep -c /mnt/steal /proc/mounts").stdout.trim()).toBe("0");
    // B's own share still works with B's credential (the refusal is about ownership).
    expect(sh("b", "ls /mnt/hb").stdout).toContain("from-b.txt");
  });

  test("a killed smbd is restarted and the guest's mount works again", async () => {
    const conf = join(dir, ".vmlab", "smb", "smb.conf");
    const smbdPids = () =>
      readdirSync("/proc")
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(conf);
          } catch {
            return false;
          }
        })
        .map(Number);
    const main = smbdPids().find((p) => {
      const ppid = Number(readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]?.split(" ")[1]);
      return !smbdPids().includes(ppid);
    });
    expect(main).toBeDefined();
    process.kill(main as number, "SIGKILL");
    const labLog = join(w.stateDir, "labs", "shr", "lab.log");
    await waitFor("smbd restarted", () => (readFileSync(labLog, "utf8").includes("share.smbd_restarted") ? true : undefined), 30_000);
    writeFileSync(join(dir, "ha", "after.txt"), "after restart\n");
    const r = await waitFor(
      "the mount answers again",
      () => {
        const x = sh("a", "cat /mnt/ha/after.txt");
        return x.code === 0 ? x.stdout : undefined;
      },
      90_000,
    );
    expect(r).toBe("after restart\n");
  });

  test("after an online snapshot restore the share is mounted and the host's files are unchanged", () => {
    expect(w.vmlab(["snapshot", "create", "s1", "--vm", "a", "-q"], { cwd: dir }).code).toBe(0);
    writeFileSync(join(dir, "ha", "later.txt"), "written after the snapshot\n");
    expect(w.vmlab(["snapshot", "restore", "s1", "--vm", "a", "-q"], { cwd: dir }).code).toBe(0);
    expect(readFileSync(join(dir, "ha", "later.txt"), "utf8")).toBe("written after the snapshot\n");
    expect(sh("a", "cat /mnt/ha/later.txt").stdout).toBe("written after the snapshot\n");
  });

  test("a virtiofs share crosses files both ways, and an online snapshot of its VM is refused", () => {
    const st = w.json<LabStatus>(["status", "--json"], { cwd: dir });
    expect(st.vms.find((v) => v.name === "c")?.shares?.[0]).toMatchObject({ name: "hc", transport: "virtiofs", mounted: true });
    writeFileSync(join(dir, "hc", "in.txt"), "virtiofs from the host\n");
    expect(sh("c", "cat /mnt/hc/in.txt").stdout).toBe("virtiofs from the host\n");
    const r = sh("c", "dd if=/dev/urandom of=/mnt/hc/out.bin bs=1048576 count=8 2>/dev/null && sync && sha256sum /mnt/hc/out.bin");
    expect(r.code).toBe(0);
    expect(sha(readFileSync(join(dir, "hc", "out.bin")))).toBe(r.stdout.split(" ")[0] as string);
    const snap = w.vmlab(["snapshot", "create", "s2", "--vm", "c"], { cwd: dir });
    expect(snap.code).not.toBe(0);
    expect(`${snap.stdout}${snap.stderr}`).toContain("virtiofs");
  });
});
