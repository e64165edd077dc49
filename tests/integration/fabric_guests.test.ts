/**
 * The network fabric against real guests: three tiny-template VMs under TCG on one
 * declared NAT segment, joined by a `LabFabric` directly (no daemon). `a` has a
 * static ip (a DHCP reservation) and serves busybox httpd behind a forward, `b`
 * takes a dynamic lease, `c` is port-isolated. A tiny UDP DNS server on loopback is
 * the upstream resolver and a Bun HTTP server on loopback is "the host service".
 *
 * Every wait polls a condition with a generous deadline (the box is shared and TCG
 * is slow); nothing asserts on time.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LabFabric } from "../../core/daemon/lab/fabric.ts";
import type { NicPlan, VmPlan } from "../../core/daemon/protocol.ts";
import { Machine } from "../../core/machine/machine.ts";
import { tinyGuest, tinyTemplatePath, type TinyGuest } from "../../core/machine/testing/tiny_guest.ts";
import type { QgaClient } from "../../core/qga/mod.ts";
import { encodeDnsResponse, parseDnsQuery, RCODE_NXDOMAIN, RCODE_NOERROR, TYPE_A, type NetLogRecord } from "../../net/mod.ts";
import { eventually } from "../../core/testing/wait.ts";

const BOOT_TIMEOUT_MS = 300_000;
const LEASE_TIMEOUT_MS = 180_000;
const LAB = "flab";
const SUBNET = "10.77.0";
const UPSTREAM_NAME = "far.upstream.test";
const UPSTREAM_IP = "203.0.113.7";

interface Guest {
  name: string;
  mac: string;
  tiny: TinyGuest;
  machine: Machine;
  agent: QgaClient;
}

const template = process.env.VMLAB_TINY_TEMPLATE;
let work = "";
let fabric: LabFabric;
let upstream: UdpSocket;
let http: ReturnType<typeof Bun.serve> | undefined;
let forwardPort = 0;
const guests = new Map<string, Guest>();
const logs: NetLogRecord[] = [];

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const g = (name: string): Guest => guests.get(name)!;

/** Runs a shell line in the guest. */
async function sh(name: string, line: string, timeoutMs = 60_000): Promise<{ code: number; out: string }> {
  const r = await g(name).agent.exec("/bin/sh", ["-c", line], { timeoutMs });
  return { code: r.exitCode ?? -1, out: text(r.stdout) + text(r.stderr) };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A one-name authoritative UDP DNS server standing in for the internet's resolvers. */
async function startUpstream(): Promise<{ sock: UdpSocket; port: number }> {
  const sock = createSocket("udp4");
  sock.on("message", (msg, rinfo) => {
    const raw = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
    const q = parseDnsQuery(raw);
    const qq = q?.questions[0];
    if (!q || !qq) return;
    const hit = qq.name === UPSTREAM_NAME;
    const answers = hit && qq.type === TYPE_A ? [{ type: TYPE_A, ttl: 60, data: Uint8Array.from(UPSTREAM_IP.split(".").map(Number)) }] : [];
    sock.send(encodeDnsResponse(raw, q, hit ? RCODE_NOERROR : RCODE_NXDOMAIN, answers, true), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
  return { sock, port: sock.address().port };
}

async function boot(name: string, nic: NicPlan, index: number): Promise<void> {
  const mac = `52:54:00:77:00:${(0x10 + index).toString(16)}`;
  const vmPlan = { name } as VmPlan;
  const attach = await fabric.attach(vmPlan, 0, nic, mac);
  const tiny = tinyGuest(template!, { name, nics: [{ id: "net0", mac, model: "virtio-net-pci", attach }], quietAccel: index > 0 });
  const machine = await Machine.start(tiny.spec, { logFile: join(work, `${name}.qemu.log`) });
  guests.set(name, { name, mac, tiny, machine, agent: undefined as unknown as QgaClient });
  g(name).agent = await machine.waitForAgent(BOOT_TIMEOUT_MS);
}

const nic = (o: Partial<NicPlan>): NicPlan => ({ segment: "lan", nat: false, isolated: false, model: "virtio-net-pci", ...o });

describe.skipIf(!template)("fabric with real guests", () => {
  beforeAll(
    async () => {
      await tinyTemplatePath();
      work = mkdtempSync(join(tmpdir(), "vfab-"));
      const up = await startUpstream();
      upstream = up.sock;
      forwardPort = await freePort();
      fabric = new LabFabric({
        lab: LAB,
        runDir: join(work, "run"),
        registryPath: join(work, "subnets.json"),
        log: (r) => logs.push(r),
        network: {
          segments: [
            {
              name: "lan",
              subnet: `${SUBNET}.0/24`,
              nat: true,
              mtu: 1500,
              dns: { sinkholes: [{ pattern: "*.blocked.test", mode: "nxdomain" }] },
            },
          ],
          forwards: [{ segment: "lan", hostPort: forwardPort, vm: "a", guestPort: 8080, proto: "tcp" }],
          dnsUpstream: [{ host: "127.0.0.1", port: up.port }],
        },
      });
      await fabric.open();
      // Boot one after another: three TCG guests at once starve a 2-core box.
      await boot("a", nic({ ip: `${SUBNET}.10` }), 0);
      await boot("b", nic({}), 1);
      await boot("c", nic({ isolated: true }), 2);
      const leased = await eventually(() => ["a", "b", "c"].every((n) => fabric.status().segments[0]!.leases.some((l) => l.vm === n)), {
        timeoutMs: LEASE_TIMEOUT_MS,
        intervalMs: 250,
      });
      if (!leased) throw new Error(`guests did not all get leases: ${JSON.stringify(fabric.status())}`);
      // The lease is bound on the server before the guest script has applied it.
      for (const n of ["a", "b", "c"]) {
        const ip = fabric.vmIps(n)[0]!;
        const applied = await eventually(async () => (await sh(n, "ip -4 addr show dev eth0")).out.includes(`${ip}/24`), {
          timeoutMs: LEASE_TIMEOUT_MS,
          intervalMs: 500,
        });
        if (!applied) throw new Error(`guest ${n} did not apply its lease ${ip}`);
      }
    },
    3 * BOOT_TIMEOUT_MS + 2 * LEASE_TIMEOUT_MS,
  );

  afterAll(async () => {
    for (const x of guests.values()) {
      await x.machine.stop().catch(() => undefined);
      x.tiny.cleanup();
    }
    await fabric?.close();
    upstream?.close();
    await http?.stop(true);
    // VMLAB_KEEP_FABRIC_TEST=1 keeps QEMU logs and the fabric log for a post-mortem.
    if (process.env.VMLAB_KEEP_FABRIC_TEST) Bun.write(join(work, "fabric.log"), logs.map((l) => JSON.stringify(l)).join("\n"));
    else if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  test("the guests lease in the declared subnet and the static ip is the reservation", () => {
    const seg = fabric.status().segments[0]!;
    expect(seg.subnet).toBe(`${SUBNET}.0/24`);
    expect(seg.gateway).toBe(`${SUBNET}.1`);
    expect(fabric.vmIps("a")).toEqual([`${SUBNET}.10`]);
    for (const n of ["b", "c"]) expect(fabric.vmIps(n)[0]!.startsWith(`${SUBNET}.`)).toBe(true);
    const byVm = new Map(seg.leases.map((l) => [l.vm, l]));
    expect(byVm.get("a")).toEqual({ vm: "a", ip: `${SUBNET}.10`, mac: g("a").mac });
    expect(byVm.get("b")!.mac).toBe(g("b").mac);
  });

  test("guests resolve each other by <vm>.<lab>.vmlab.internal and by the short name", async () => {
    const full = await sh("b", `nslookup a.${LAB}.vmlab.internal`);
    expect(full.out).toContain(`${SUBNET}.10`);
    const short = await sh("a", "nslookup b.vmlab.internal");
    expect(short.out).toContain(fabric.vmIps("b")[0]!);
  }, 120_000);

  test("two guests on the segment ping each other", async () => {
    expect((await sh("a", `ping -c 2 -W 5 ${fabric.vmIps("b")[0]}`)).code).toBe(0);
    expect((await sh("b", `ping -c 2 -W 5 ${SUBNET}.10`)).code).toBe(0);
  }, 120_000);

  test("an isolated NIC reaches the gateway but not its neighbour", async () => {
    expect((await sh("c", `ping -c 2 -W 5 ${SUBNET}.1`)).code).toBe(0);
    const r = await sh("c", `ping -c 2 -W 3 ${SUBNET}.10`);
    expect(r.code).not.toBe(0);
    // …and the neighbour cannot reach it either (private-VLAN model).
    expect((await sh("a", `ping -c 2 -W 3 ${fabric.vmIps("c")[0]}`)).code).not.toBe(0);
  }, 120_000);

  test("a NAT'd guest fetches from an HTTP server on the host's loopback via the gateway address", async () => {
    http = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("hello from the host\n") });
    // Not `-T`: busybox 1.35's wget segfaults parsing it (seen in the guest's dmesg).
    const r = await sh("b", `wget -q -O - http://${SUBNET}.1:${http.port}/`);
    expect(r.out).toContain("hello from the host");
  }, 120_000);

  test("a name outside the lab resolves through the upstream", async () => {
    const r = await sh("b", `nslookup ${UPSTREAM_NAME}`);
    expect(r.out).toContain(UPSTREAM_IP);
  }, 120_000);

  test("a sinkholed name gets NXDOMAIN", async () => {
    const r = await sh("b", "nslookup ads.blocked.test");
    expect(r.out).toContain("NXDOMAIN");
    expect(r.out).not.toContain(UPSTREAM_IP);
  }, 120_000);

  test("a forward lets the host reach the guest's busybox httpd", async () => {
    const served = await sh("a", "mkdir -p /tmp/www && echo 'hello from guest a' > /tmp/www/index.html && busybox httpd -p 8080 -h /tmp/www && echo started");
    expect(served.out).toContain("started");
    let body = "";
    const ok = await eventually(
      async () => {
        try {
          const res = await fetch(`http://127.0.0.1:${forwardPort}/`, { signal: AbortSignal.timeout(20_000) });
          body = await res.text();
          return res.ok;
        } catch {
          return false;
        }
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(ok).toBe(true);
    expect(body).toContain("hello from guest a");
    expect(fabric.listForwards()).toEqual([
      { segment: "lan", hostPort: forwardPort, vm: "a", guestPort: 8080, proto: "tcp", bind: "127.0.0.1", guestIp: `${SUBNET}.10` },
    ]);
  }, 120_000);
});
