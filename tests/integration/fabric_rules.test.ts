/**
 * Runtime network rules against real guests (PRD §9.6, §9.9; issue 7 item 1): two
 * tiny-template VMs under TCG on two declared segments, joined by a `LabFabric`
 * directly (no daemon) and driven through `LabFabric.segmentHandle` — the same
 * `SegmentHandle` scripts get. `l` sits on "left" (10.78.0.10), `r` on "right"
 * (10.79.0.10) and serves busybox httpd on 8080.
 *
 * Every wait polls a condition with a generous deadline (the box is shared and TCG
 * is slow); nothing asserts on time.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LabFabric } from "../../core/daemon/lab/fabric.ts";
import type { NicPlan, VmPlan } from "../../core/daemon/protocol.ts";
import { Machine } from "../../core/machine/machine.ts";
import { tinyGuest, tinyTemplatePath, type TinyGuest } from "../../core/machine/testing/tiny_guest.ts";
import type { QgaClient } from "../../core/qga/mod.ts";
import type { SegmentHandle } from "../../core/scripting/handle.ts";
import type { NetLogRecord } from "../../net/mod.ts";
import { eventually } from "../../core/testing/wait.ts";

const BOOT_TIMEOUT_MS = 300_000;
const LEASE_TIMEOUT_MS = 180_000;
const L_IP = "10.78.0.10";
const R_IP = "10.79.0.10";

interface Guest {
  tiny: TinyGuest;
  machine: Machine;
  agent: QgaClient;
}

const template = process.env.VMLAB_TINY_TEMPLATE;
let work = "";
let fabric: LabFabric;
const guests = new Map<string, Guest>();
const logs: NetLogRecord[] = [];
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function sh(name: string, line: string, timeoutMs = 60_000): Promise<{ code: number; out: string }> {
  const r = await guests.get(name)!.agent.exec("/bin/sh", ["-c", line], { timeoutMs });
  return { code: r.exitCode ?? -1, out: text(r.stdout) + text(r.stderr) };
}

const pings = async (from: string, to: string) => (await sh(from, `ping -c 1 -W 2 ${to}`)).code === 0;

async function boot(name: string, segment: string, ip: string, index: number): Promise<void> {
  const mac = `52:54:00:78:00:${(0x10 + index).toString(16)}`;
  const nic: NicPlan = { segment, nat: false, isolated: false, model: "virtio-net-pci", ip };
  const attach = await fabric.attach({ name } as VmPlan, 0, nic, mac);
  const tiny = tinyGuest(template!, { name, nics: [{ id: "net0", mac, model: "virtio-net-pci", attach }], quietAccel: index > 0 });
  const machine = await Machine.start(tiny.spec, { logFile: join(work, `${name}.qemu.log`) });
  guests.set(name, { tiny, machine, agent: await machine.waitForAgent(BOOT_TIMEOUT_MS) });
}

const left = (): SegmentHandle => fabric.segmentHandle("left")!;

describe.skipIf(!template)("fabric rules with real guests", () => {
  beforeAll(
    async () => {
      await tinyTemplatePath();
      work = mkdtempSync(join(tmpdir(), "vfrules-"));
      fabric = new LabFabric({
        lab: "rlab",
        runDir: join(work, "run"),
        registryPath: join(work, "subnets.json"),
        log: (r) => logs.push(r),
        network: {
          segments: [
            { name: "left", subnet: "10.78.0.0/24" },
            { name: "right", subnet: "10.79.0.0/24" },
          ],
          // A dead upstream: names nobody declared fail instead of leaving the box.
          dnsUpstream: [{ host: "127.0.0.1", port: 9 }],
        },
      });
      await fabric.open();
      await boot("l", "left", L_IP, 0);
      await boot("r", "right", R_IP, 1);
      for (const [n, ip] of [
        ["l", L_IP],
        ["r", R_IP],
      ] as const) {
        const applied = await eventually(async () => (await sh(n, "ip -4 addr show dev eth0; ip route")).out.includes("default via"), {
          timeoutMs: LEASE_TIMEOUT_MS,
          intervalMs: 500,
        });
        if (!applied) throw new Error(`guest ${n} did not apply its lease ${ip}: ${(await sh(n, "ip addr; ip route")).out}`);
      }
      const served = await sh("r", "mkdir -p /tmp/www && echo 'hello from r' > /tmp/www/index.html && busybox httpd -p 8080 -h /tmp/www && echo started");
      if (!served.out.includes("started")) throw new Error(`httpd did not start on r: ${served.out}`);
    },
    2 * BOOT_TIMEOUT_MS + 2 * LEASE_TIMEOUT_MS,
  );

  afterAll(async () => {
    for (const x of guests.values()) {
      await x.machine.stop().catch(() => undefined);
      x.tiny.cleanup();
    }
    await fabric?.close();
    if (process.env.VMLAB_KEEP_FABRIC_TEST) Bun.write(join(work, "fabric.log"), logs.map((l) => JSON.stringify(l)).join("\n"));
    else if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  test("segments are isolated until routeTo, routed after it, isolated again after unrouteTo", async () => {
    expect(await pings("l", R_IP)).toBe(false);
    await left().routeTo("right");
    expect(await eventually(() => pings("l", R_IP), { timeoutMs: 60_000, intervalMs: 500 })).toBe(true);
    expect(await eventually(() => pings("r", L_IP), { timeoutMs: 60_000, intervalMs: 500 })).toBe(true);
    expect(await left().rules()).toContainEqual({ id: expect.any(Number), kind: "route", to: "right", origin: "runtime" });
    await left().unrouteTo("right");
    expect(await pings("l", R_IP)).toBe(false);
    expect(await pings("r", L_IP)).toBe(false);
  }, 300_000);

  test("a blocked port is refused at once while other traffic still flows; unblock lets it through", async () => {
    await left().routeTo("right");
    const fetchR = () => sh("l", `wget -q -O - http://${R_IP}:8080/ 2>&1`);
    expect(await eventually(async () => (await fetchR()).out.includes("hello from r"), { timeoutMs: 60_000, intervalMs: 500 })).toBe(true);
    const id = await left().blockPort(R_IP, "tcp", 8080);
    const blocked = await fetchR();
    expect(blocked.code).not.toBe(0);
    expect(blocked.out.toLowerCase()).toContain("refused");
    expect(await pings("l", R_IP)).toBe(true);
    expect(await left().unblock(id)).toBe(true);
    expect((await fetchR()).out).toContain("hello from r");
  }, 300_000);

  test("a redirect sends a virtual address on the left to r's httpd on the right", async () => {
    await left().routeTo("right");
    await left().redirect("10.78.0.200:80", `${R_IP}:8080`);
    const ok = await eventually(async () => (await sh("l", "wget -q -O - http://10.78.0.200/ 2>&1")).out.includes("hello from r"), {
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    expect(ok).toBe(true);
  }, 300_000);

  test("a name set at run time resolves, a sinkhole answers NXDOMAIN, and clearing the name removes it", async () => {
    const id = await left().dnsSet("printer.corp.test", R_IP);
    expect((await sh("l", "nslookup printer.corp.test")).out).toContain(R_IP);
    await left().dnsSinkhole("*.ads.test");
    expect((await sh("l", "nslookup x.ads.test")).out).toContain("NXDOMAIN");
    expect(await left().dnsClear(id)).toBe(true);
    expect((await sh("l", "nslookup printer.corp.test")).out).not.toContain(R_IP);
  }, 300_000);
});
