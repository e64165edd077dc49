import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  encodeIcmpFrame,
  ICMP_DEST_UNREACHABLE,
  ICMP_ECHO_REQUEST,
  ICMP_UNREACH_NET,
  parseEthernet,
  parseIcmp,
  parseIpv4,
  parseIpv4Address,
  parseMac,
  DEFAULT_GATEWAY_MAC,
  encodeEthernet,
  encodeArp,
  BROADCAST_MAC,
  ETHERTYPE_ARP,
  ARP_REQUEST,
  type NetLogRecord,
  readBlocks,
  BT_SHB,
  BT_IDB,
  BT_EPB,
} from "../../../net/mod.ts";
import { ManualClock } from "../../clock/testing/manual_clock.ts";
import type { NicPlan, VmPlan } from "../protocol.ts";
import { LabFabric } from "./fabric.ts";
import type { NetworkPlanInput } from "../../config/network_plan.ts";
import { nicPeer } from "./testing/nic_peer.ts";

let dir = "";
let fabric: LabFabric | undefined;
const logs: NetLogRecord[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "vmlab-seghandle-"));
  logs.length = 0;
});
afterEach(async () => {
  await fabric?.close();
  fabric = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function open(network: NetworkPlanInput): Promise<LabFabric> {
  fabric = new LabFabric({
    lab: "t",
    runDir: join(dir, "run"),
    registryPath: join(dir, "subnets.json"),
    clock: new ManualClock(),
    log: (r) => logs.push(r),
    network,
  });
  await fabric.open();
  return fabric;
}

const nic = (segment: string, ip: string): NicPlan => ({ segment, nat: false, isolated: false, model: "virtio-net-pci", ip });

const twoSegments: NetworkPlanInput = {
  segments: [
    {
      name: "left",
      subnet: "10.61.0.0/24",
      block: [{ cidr: "192.0.2.0/24" }],
      redirect: [{ from: "10.61.0.1:80", to: "10.61.0.5:8080", proto: "tcp" }],
      dns: { records: [{ name: "srv.test", ip: "10.61.0.5" }] },
    },
    { name: "right", subnet: "10.62.0.0/24", routesTo: [] },
  ],
  records: [{ name: "lab.test", ip: "10.61.0.6" }],
};

describe("SegmentHandle over LabFabric", () => {
  test("declared rules get ids and origins; run-time rules join them; the list survives JSON", async () => {
    const f = await open(twoSegments);
    const h = f.segmentHandle("left")!;
    expect(h.name).toBe("left");
    const id = await h.dnsSet("printer.test", "10.61.0.9");
    const blk = await h.blockPort("10.61.0.7", "udp", 53);
    const rules = (await h.rules()) as { id: number; kind: string; origin: string }[];
    expect(rules.map((r) => [r.kind, r.origin])).toEqual([
      ["dns_record", "segment"],
      ["dns_record", "lab"],
      ["block", "segment"],
      ["redirect", "segment"],
      ["dns_override", "runtime"],
      ["block", "runtime"],
    ]);
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    expect(JSON.parse(JSON.stringify(rules))).toEqual(rules);
    expect(await h.dnsClear(id)).toBe(true);
    expect(await h.dnsClear(id)).toBe(false);
    expect(await h.unblock(blk)).toBe(true);
    expect(await h.unblock(rules.find((r) => r.kind === "redirect")!.id)).toBe(true);
    expect(logs.some((l) => l.event === "net.not_enforced")).toBe(false);
  });

  test("routeTo and unrouteTo toggle a route listed on both segments; errors reject with a hint", async () => {
    const f = await open(twoSegments);
    const l = f.segmentHandle("left")!;
    const r = f.segmentHandle("right")!;
    await l.routeTo("right");
    await r.routeTo("left"); // idempotent from either side
    const route = ((await l.rules()) as { kind: string }[]).filter((x) => x.kind === "route") as unknown[];
    expect(route).toEqual([{ id: expect.any(Number), kind: "route", to: "right", origin: "runtime" }]);
    expect(((await r.rules()) as { kind: string; to?: string }[]).find((x) => x.kind === "route")?.to).toBe("left");
    await l.unrouteTo("right");
    await l.unrouteTo("right");
    expect(((await l.rules()) as { kind: string }[]).some((x) => x.kind === "route")).toBe(false);
    const bad = (await l.routeTo("nowhere").catch((e: unknown) => e)) as Error & { hint?: string };
    expect(bad.message).toContain('"nowhere"');
    expect(bad.hint).toBeTruthy();
    const self = (await l.routeTo("left").catch((e: unknown) => e)) as Error;
    expect(self.message).toContain("itself");
    for (const p of [
      l.block("10.0.0.1/8"),
      l.blockPort("10.0.0.1", "sctp" as never, 1),
      l.redirect("x", "y"),
      l.dnsSet("", "1.2.3.4"),
      l.forward(0, "ghost", 80),
    ]) {
      const e = (await p.catch((x: unknown) => x)) as Error & { hint?: string };
      expect(e).toBeInstanceOf(Error);
      expect(e.message).toContain("left");
      expect(typeof e.hint).toBe("string");
    }
    expect(f.segmentHandle("nope")).toBeUndefined();
  });

  test("declared routes_to is linked at open, and frames cross between NIC sockets only while routed", async () => {
    const f = await open({
      segments: [
        { name: "left", subnet: "10.61.0.0/24", routesTo: ["right", "missing"] },
        { name: "right", subnet: "10.62.0.0/24" },
      ],
    });
    expect(logs.some((x) => x.event === "net.route_invalid" && String(x.message).includes("missing"))).toBe(true);
    const macL = "52:54:00:61:00:05";
    const macR = "52:54:00:62:00:05";
    const al = await f.attach({ name: "a" } as VmPlan, 0, nic("left", "10.61.0.5"), macL);
    const ar = await f.attach({ name: "b" } as VmPlan, 0, nic("right", "10.62.0.5"), macR);
    if (al.kind !== "stream" || ar.kind !== "stream") throw new Error("expected stream attachments");
    const pl = await nicPeer(al.socket);
    const pr = await nicPeer(ar.socket);
    const ping = (seq: number) =>
      pl.send(
        encodeIcmpFrame(
          { srcMac: parseMac(macL)!, dstMac: DEFAULT_GATEWAY_MAC, src: parseIpv4Address("10.61.0.5")!, dst: parseIpv4Address("10.62.0.5")! },
          ICMP_ECHO_REQUEST,
          0,
          (1 << 16) | seq,
          new Uint8Array(8),
        ),
      );
    const icmpOf = (fr: Uint8Array) => {
      const ip = parseIpv4(parseEthernet(fr)!.payload);
      return ip && ip.proto === 1 ? parseIcmp(ip.payload) : undefined;
    };
    // The right guest announces itself (a real one answers the router's ARP instead).
    pr.send(
      encodeEthernet(
        BROADCAST_MAC,
        parseMac(macR)!,
        ETHERTYPE_ARP,
        encodeArp({
          op: ARP_REQUEST,
          senderMac: parseMac(macR)!,
          senderIp: parseIpv4Address("10.62.0.5")!,
          targetMac: new Uint8Array(6),
          targetIp: parseIpv4Address("10.62.0.1")!,
        }),
      ),
    );
    await pr.next((fr) => parseEthernet(fr)?.type === ETHERTYPE_ARP);
    ping(1);
    const req = await pr.next((fr) => icmpOf(fr)?.type === ICMP_ECHO_REQUEST);
    expect(parseIpv4(req.subarray(14))!.ttl).toBe(63);
    await f.segmentHandle("right")!.unrouteTo("left");
    ping(2);
    const err = await pl.next((fr) => icmpOf(fr)?.type === ICMP_DEST_UNREACHABLE);
    expect(icmpOf(err)!.code).toBe(ICMP_UNREACH_NET);
    pl.sock.destroy();
    pr.sock.destroy();
  });

  test("capture(path, secs) writes a pcapng file of the segment's frames, atomically, and counts them", async () => {
    const f = await open(twoSegments);
    const mac = "52:54:00:00:0a:01";
    const att = await f.attach({ name: "a" } as VmPlan, 0, nic("left", "10.61.0.5"), mac);
    if (att.kind !== "stream") throw new Error("expected a stream attachment");
    const q = await nicPeer(att.socket);
    const m = parseMac(mac)!;
    const path = join(dir, "out", "left.pcapng");
    const running = f.segmentHandle("left")!.capture(path, 1);
    await Bun.sleep(50);
    q.send(
      encodeEthernet(
        BROADCAST_MAC,
        m,
        ETHERTYPE_ARP,
        encodeArp({
          op: ARP_REQUEST,
          senderMac: m,
          senderIp: parseIpv4Address("10.61.0.5")!,
          targetMac: new Uint8Array(6),
          targetIp: parseIpv4Address("10.61.0.1")!,
        }),
      ),
    );
    await q.next((fr) => parseEthernet(fr)?.type === ETHERTYPE_ARP);
    expect(existsSync(path)).toBe(false);
    expect(await running).toBe(2);
    const blocks = readBlocks(new Uint8Array(readFileSync(path)))!;
    expect(blocks.map((b) => b.type)).toEqual([BT_SHB, BT_IDB, BT_EPB, BT_IDB, BT_EPB]);
    expect(readdirSync(join(dir, "out"))).toEqual(["left.pcapng"]);
    await expect(f.segmentHandle("left")!.capture(join(dir, "out"), 1)).rejects.toThrow(/Cannot capture segment left/);
    q.sock.destroy();
  });
});
