/**
 * `vmlab capture` as a user meets it through dist/vmlab (issue 14): a ping between two
 * guests lands in a pcapng file that tcpdump reads as ICMP echo request and reply; the
 * stdout stream feeds a live reader frame by frame (`| tcpdump -r -`, as wireshark -k -i -
 * would) and Ctrl-C ends it cleanly; a capture started mid-transfer leaves the transfer
 * intact; `status` counts frames; bad requests are coded errors. tcpdump comes from the
 * `test` packages of scripts/run.mjs.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { LabStatus } from "../../core/daemon/protocol.ts";
import { vmlabBin } from "./_bin.ts";
import { TINY_REF, waitFor, World } from "./_lab.ts";

let w: World;
let dir: string;

const LAB = `lab "cap" {
  segment "lan" { subnet = "10.78.0.0/24" }
  vm "web" {
    template = "${TINY_REF}"
    memory   = 256MiB
    nic {
      segment = "lan"
      ip      = "10.78.0.50"
    }
  }
  vm "client" {
    template = "${TINY_REF}"
    memory   = 256MiB
    nic {
      segment = "lan"
      ip      = "10.78.0.51"
    }
  }
}
`;

function spawnVmlab(args: string[], stdout: "pipe" | "ignore" = "ignore") {
  return Bun.spawn([vmlabBin(), ...args], { cwd: dir, env: { ...process.env, NO_COLOR: "1", ...w.env }, stdout, stderr: "pipe", stdin: "ignore" });
}

const segStatus = () => w.json<LabStatus>(["status", "--json"], { cwd: dir }).segments?.find((s) => s.name === "lan");
const captureRunning = (n = 1) => waitFor("the capture to start", () => ((segStatus()?.captures ?? 0) >= n ? true : undefined), 30_000);

function tcpdump(file: string, filter: string[] = []): string {
  const r = Bun.spawnSync(["tcpdump", "-nn", "--time-stamp-precision=nano", "-r", file, ...filter], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`tcpdump -r ${file} failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

beforeAll(async () => {
  w = new World("vmlab-cap-");
  await w.adoptTiny();
  dir = w.lab("cap", LAB);
  const up = w.vmlab(["up", "-q"], { cwd: dir });
  if (up.code !== 0) throw new Error(`up failed: ${up.stderr}`);
});

afterAll(() => w.teardown());

describe("vmlab capture", () => {
  test("a ping between two guests lands in a pcapng file that tcpdump reads, with nanosecond timestamps; Ctrl-C ends it cleanly", async () => {
    const file = join(w.root, "ping.pcapng");
    const cap = spawnVmlab(["capture", "lan", "-w", file]);
    await captureRunning();
    const ping = w.vmlab(["exec", "client", "--", "ping", "-c", "3", "-i", "0.3", "10.78.0.50"], { cwd: dir });
    expect(ping.stdout).toContain(" 0% packet loss");
    cap.kill("SIGINT");
    expect(await cap.exited).toBe(0);
    expect(await new Response(cap.stderr).text()).toContain("captured");
    expect(readdirSync(w.root).filter((f) => f.startsWith("ping.pcapng"))).toEqual(["ping.pcapng"]);
    const out = tcpdump(file, ["icmp"]);
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{9} IP 10\.78\.0\.51 > 10\.78\.0\.50: ICMP echo request/m);
    expect(out).toMatch(/IP 10\.78\.0\.50 > 10\.78\.0\.51: ICMP echo reply/);
    expect(out.match(/ICMP echo request/g)?.length).toBe(3);
    const st = segStatus();
    expect(st?.frames).toBeGreaterThan(6);
    expect(st?.dropped).toBe(0);
    expect(w.vmlab(["status"], { cwd: dir }).stdout).toContain("FRAMES");
  });

  test("stdout streams live into a reader: one VM, a filter, frames shown while the capture runs", async () => {
    const cap = spawnVmlab(["capture", "cap/lan", "--vm", "web", "--filter", "icmp"], "pipe");
    const reader = Bun.spawn(["tcpdump", "-nn", "-l", "-r", "-"], { stdin: cap.stdout, stdout: "pipe", stderr: "pipe" });
    await captureRunning();
    const ping = w.vmlab(["exec", "client", "--", "ping", "-c", "2", "10.78.0.50"], { cwd: dir });
    expect(ping.code).toBe(0);
    // The reader sees the replies before the capture ends: every burst is flushed.
    const lines: string[] = [];
    const dec = new TextDecoder();
    const it = (reader.stdout as ReadableStream<Uint8Array>).getReader();
    while (lines.filter((l) => l.includes("echo reply")).length < 2) {
      const { value, done } = await it.read();
      if (done) break;
      lines.push(...dec.decode(value).split("\n"));
    }
    cap.kill("SIGINT");
    expect(await cap.exited).toBe(0);
    await reader.exited;
    const text = lines.join("\n");
    // --vm web: what web received (requests) and sent (replies), nothing else.
    expect(text).toContain("10.78.0.51 > 10.78.0.50: ICMP echo request");
    expect(text).toContain("10.78.0.50 > 10.78.0.51: ICMP echo reply");
    expect(text).not.toMatch(/ARP|UDP/);
  });

  test("a capture started mid-transfer does not disturb it", async () => {
    const serve = w.vmlab(
      [
        "exec",
        "web",
        "--",
        "/bin/sh",
        "-c",
        "mkdir -p /srv && dd if=/dev/urandom of=/srv/blob bs=64k count=48 2>/dev/null && md5sum /srv/blob && httpd -p 80 -h /srv",
      ],
      { cwd: dir },
    );
    expect(serve.code).toBe(0);
    const want = serve.stdout.split(" ")[0] as string;
    expect(want).toMatch(/^[0-9a-f]{32}$/);
    // The reader stalls 8 s before consuming: the connection is open, with TCP flow
    // control holding the sender, when the capture starts; then the bulk flows under it.
    const before = segStatus()?.frames ?? 0;
    const transfer = w.vmlabAsync(["exec", "client", "--", "/bin/sh", "-c", "wget -q -O - http://10.78.0.50/blob | (sleep 8; md5sum)"], { cwd: dir });
    await waitFor("the transfer to start", () => ((segStatus()?.frames ?? 0) > before + 30 ? true : undefined), 60_000);
    const file = join(w.root, "mid.pcapng");
    const cap = spawnVmlab(["capture", "lan", "-w", file, "--filter", "tcp port 80"]);
    await captureRunning();
    const done = await transfer;
    cap.kill("SIGINT");
    expect(await cap.exited).toBe(0);
    expect(done.code).toBe(0);
    expect(done.stdout.split(" ")[0]).toBe(want);
    expect(existsSync(file)).toBe(true);
    // The capture joined an open connection (no SYN in it) and saw the bulk of the data.
    const lines = tcpdump(file).split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(50);
    expect(lines.some((l) => l.includes("Flags [S]"))).toBe(false);
    for (const l of lines) expect(l).toContain("10.78.0.50.80");
  });

  test("an unknown segment, a VM not on it and a bad filter are coded errors", () => {
    const seg = w.vmlab(["capture", "nope", "-w", join(w.root, "x.pcapng")], { cwd: dir });
    expect(seg.code).toBe(1);
    expect(seg.stderr).toContain("network.segment_not_found");
    const vm = w.vmlab(["capture", "lan", "--vm", "ghost", "-w", join(w.root, "x.pcapng")], { cwd: dir });
    expect(vm.stderr).toContain("network.capture_vm_not_attached");
    const f = w.vmlab(["capture", "lan", "--filter", "icmp and port", "-w", join(w.root, "x.pcapng")], { cwd: dir });
    expect(f.code).toBe(1);
    expect(f.stderr).toContain("network.capture_filter_invalid");
    expect(existsSync(join(w.root, "x.pcapng"))).toBe(false);
  });
});
