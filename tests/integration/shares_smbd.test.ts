/**
 * The lab's smbd (core/shares/smbd.ts) against Samba's own client: per-VM accounts,
 * read-only enforcement, SMB1 refused by default and offered by `smb1 = true`, and a
 * killed smbd restarted on the same port. Real smbd and smbclient (Debian `samba`,
 * `smbclient`); no guest needed.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CredentialStore } from "../../core/shares/credentials.ts";
import { SmbServer, type SmbLog } from "../../core/shares/smbd.ts";

const root = mkdtempSync(join(tmpdir(), "vmlab-smbd-"));
const events: string[] = [];
const log: SmbLog = (_l, event) => void events.push(event);
const servers: SmbServer[] = [];

afterAll(async () => {
  for (const s of servers) await s.stop();
  rmSync(root, { recursive: true, force: true });
});

function smbclient(port: number, share: string, auth: string[], cmd: string, extra: string[] = []): { code: number | null; out: string } {
  const r = spawnSync("smbclient", [`//127.0.0.1/${share}`, "-p", String(port), ...auth, ...extra, "-c", cmd], { encoding: "utf8", timeout: 30_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

async function server(name: string, smb1: boolean) {
  const dir = join(root, name);
  mkdirSync(join(dir, "a"), { recursive: true });
  mkdirSync(join(dir, "b"), { recursive: true });
  writeFileSync(join(dir, "a", "hello.txt"), "from the host\n");
  const creds = new CredentialStore(join(dir, "smb")).ensure(["a", "b"]);
  const s = new SmbServer({ stateDir: join(dir, "smb"), logFile: join(dir, "smbd.log"), log });
  servers.push(s);
  await s.configure(
    [
      { name: "sa", path: join(dir, "a"), user: "vmlab-a", readonly: false },
      { name: "sb", path: join(dir, "b"), user: "vmlab-b", readonly: true },
    ],
    smb1,
    creds,
  );
  const auth = (vm: string) => ["-U", `${creds.get(vm)?.user}%${creds.get(vm)?.password}`];
  return { s, dir, auth, port: s.port as number };
}

describe("the lab's smbd", () => {
  test("a share is mappable only with its owning VM's credential, and read only is enforced by the server", async () => {
    const { dir, auth, port } = await server("perms", false);
    const got = join(dir, "got.txt");
    expect(smbclient(port, "sa", auth("a"), `get hello.txt ${got}; put ${join(dir, "a", "hello.txt")} back.txt`).code).toBe(0);
    expect(readFileSync(got, "utf8")).toBe("from the host\n");
    expect(readFileSync(join(dir, "a", "back.txt"), "utf8")).toBe("from the host\n");
    const other = smbclient(port, "sa", auth("b"), "ls");
    expect(other.code).not.toBe(0);
    expect(other.out).toContain("NT_STATUS_ACCESS_DENIED");
    expect(smbclient(port, "sa", ["-N"], "ls").code).not.toBe(0);
    expect(smbclient(port, "sa", ["-U", "vmlab-a%wrong"], "ls").out).toContain("NT_STATUS_LOGON_FAILURE");
    const ro = smbclient(port, "sb", auth("b"), `put ${got} nope.txt`);
    expect(ro.out).toContain("NT_STATUS_ACCESS_DENIED");
  }, 60_000);

  test("SMB1 (NT1) is refused by default and negotiated when a share asks for smb1", async () => {
    const nt1 = ["-m", "NT1", "--option=client min protocol=NT1"];
    const strict = await server("strict", false);
    expect(smbclient(strict.port, "sa", strict.auth("a"), "ls", nt1).code).not.toBe(0);
    const legacy = await server("legacy", true);
    const r = smbclient(legacy.port, "sa", legacy.auth("a"), "ls", nt1);
    expect(r.out).toContain("hello.txt");
    expect(r.code).toBe(0);
  }, 60_000);

  test("a killed smbd is restarted on the same port and serves again", async () => {
    const { s, auth, port } = await server("restart", false);
    const pid = s.pid as number;
    process.kill(pid, "SIGKILL");
    const deadline = Date.now() + 20_000;
    while ((s.pid === undefined || s.pid === pid) && Date.now() < deadline) await Bun.sleep(100);
    expect(s.pid).not.toBe(pid);
    expect(s.port).toBe(port);
    expect(s.restarts).toBe(1);
    expect(events).toContain("share.smbd_exited");
    expect(events).toContain("share.smbd_restarted");
    expect(smbclient(port, "sa", auth("a"), "ls").out).toContain("hello.txt");
  }, 60_000);
});
