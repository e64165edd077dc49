import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BROADCAST_MAC, DHCPACK, DHCPDISCOVER, DHCPOFFER, DHCPREQUEST, encodeUdpFrame, ETHERTYPE_ARP, FrameDecoder, encodeStreamFrame, ipv4ToString, messageType, parseDhcp, parseEthernet, parseIpv4, parseMac, parseUdp, encodeArp, encodeEthernet, ARP_REQUEST, parseArp, ARP_REPLY } from "../../../net/mod.ts";
import { ManualClock } from "../../../net/testing/manual_clock.ts";
import { clientMessage } from "../../../net/testing/dhcp_client.ts";
import type { NicPlan, VmPlan } from "../protocol.ts";
import { FabricFailure, LabFabric, type FabricPlan } from "./fabric.ts";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "vmlab-fabric-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const vm = (name: string): VmPlan => ({ name }) as VmPlan;
const nic = (segment: string | null, ip?: string): NicPlan => ({ segment, nat: segment === null, isolated: false, model: "virtio-net-pci", ...(ip ? { ip } : {}) });

function plan(lab: string, segments: FabricPlan["segments"]): FabricPlan {
  return { lab, runDir: join(dir, lab), segments, registryPath: join(dir, "subnets.json"), clock: new ManualClock() };
}

/** A QEMU stand-in: connects to the NIC socket and exchanges framed Ethernet. */
async function qemu(path: string): Promise<{ sock: Socket; send(f: Uint8Array): void; next(pred: (f: Uint8Array) => boolean): Promise<Uint8Array> }> {
  const sock = connect(path);
  await new Promise<void>((r) => sock.once("connect", () => r()));
  const dec = new FrameDecoder();
  const got: Uint8Array[] = [];
  sock.on("data", (c: Buffer) => {
    const r = dec.push(new Uint8Array(c));
    if (r.ok) got.push(...r.frames.map((f) => f.slice()));
  });
  return {
    sock,
    send: (f) => sock.write(encodeStreamFrame(f)),
    async next(pred) {
      for (let i = 0; i < 200; i++) {
        const k = got.findIndex(pred);
        if (k >= 0) return got.splice(k, 1)[0]!;
        await Bun.sleep(5);
      }
      throw new Error("no matching frame");
    },
  };
}

const isDhcpReply = (f: Uint8Array) => {
  const ip = parseIpv4(f.subarray(14));
  return ip !== undefined && parseUdp(ip)?.srcPort === 67;
};

describe("LabFabric", () => {
  test("two labs get different pool subnets and closing releases the registry entries", async () => {
    const a = new LabFabric(plan("a", [{ name: "lan" }]));
    const b = new LabFabric(plan("b", [{ name: "lan" }]));
    await a.open();
    await b.open();
    expect(a.status().segments[0]!.subnet).toBe("10.213.0.0/24");
    expect(b.status().segments[0]!.subnet).toBe("10.213.1.0/24");
    expect(JSON.parse(readFileSync(join(dir, "subnets.json"), "utf8")).entries).toHaveLength(2);
    await a.close();
    await b.close();
    expect(JSON.parse(readFileSync(join(dir, "subnets.json"), "utf8")).entries).toEqual([]);
  });

  test("a declared subnet that overlaps another running lab fails with subnet_in_use", async () => {
    const a = new LabFabric(plan("a", [{ name: "corp", subnet: "10.50.0.0/24" }]));
    await a.open();
    const b = new LabFabric(plan("b", [{ name: "corp", subnet: "10.50.0.128/25" }]));
    const err = await b.open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FabricFailure);
    expect((err as FabricFailure).error.code).toBe("subnet_in_use");
    await a.close();
  });

  test("an unknown segment and a static ip outside the subnet are typed errors", async () => {
    const f = new LabFabric(plan("a", [{ name: "corp", subnet: "10.50.0.0/24" }]));
    await f.open();
    expect(((await f.attach(vm("x"), 0, nic("nope"), "52:54:00:00:00:01").catch((e: unknown) => e)) as FabricFailure).error.code).toBe("unknown_segment");
    expect(((await f.attach(vm("x"), 0, nic("corp", "10.9.9.9"), "52:54:00:00:00:01").catch((e: unknown) => e)) as FabricFailure).error.code).toBe("static_ip_invalid");
    await f.close();
  });

  test("a NIC's socket joins the segment: the gateway answers ARP and DHCP hands out the static ip", async () => {
    const f = new LabFabric(plan("lab1", [{ name: "corp", subnet: "10.50.0.0/24" }]));
    await f.open();
    const mac = "52:54:00:aa:bb:cc";
    const att = await f.attach(vm("dc01"), 0, nic("corp", "10.50.0.10"), mac);
    expect(att.kind).toBe("stream");
    const q = await qemu((att as { socket: string }).socket);
    const m = parseMac(mac)!;
    q.send(encodeEthernet(BROADCAST_MAC, m, ETHERTYPE_ARP, encodeArp({ op: ARP_REQUEST, senderMac: m, senderIp: 0, targetMac: new Uint8Array(6), targetIp: 0x0a320001 })));
    const arp = parseArp(parseEthernet(await q.next((fr) => parseEthernet(fr)?.type === ETHERTYPE_ARP))!.payload)!;
    expect(arp.op).toBe(ARP_REPLY);
    const dhcp = (type: number, extra = {}) => encodeUdpFrame({ srcMac: m, dstMac: BROADCAST_MAC, src: 0, dst: 0xffffffff }, 68, 67, clientMessage({ type, mac, broadcast: true, ...extra }));
    q.send(dhcp(DHCPDISCOVER));
    const offer = parseDhcp(parseUdp(parseIpv4((await q.next(isDhcpReply)).subarray(14))!)!.payload)!;
    expect(messageType(offer)).toBe(DHCPOFFER);
    expect(ipv4ToString(offer.yiaddr)).toBe("10.50.0.10");
    q.send(dhcp(DHCPREQUEST, { requested: offer.yiaddr, serverId: 0x0a320001 }));
    const ack = parseDhcp(parseUdp(parseIpv4((await q.next(isDhcpReply)).subarray(14))!)!.payload)!;
    expect(messageType(ack)).toBe(DHCPACK);
    expect(f.status().segments[0]).toEqual({ name: "corp", subnet: "10.50.0.0/24", gateway: "10.50.0.1", nat: false, leases: [{ vm: "dc01", ip: "10.50.0.10", mac }] });
    q.sock.destroy();
    await f.detach(vm("dc01"), 0);
    await f.close();
  });

  test("a nat NIC without a segment gets the lab's built-in NAT segment", async () => {
    const f = new LabFabric(plan("lab2", []));
    await f.open();
    const att = await f.attach(vm("web"), 0, nic(null), "52:54:00:00:00:07");
    expect(att.kind).toBe("stream");
    expect(f.status().segments.map((s) => [s.name, s.nat])).toEqual([["_nat", true]]);
    await f.close();
  });

  test("a lock file left by a crashed daemon is broken, and entries of dead daemons are pruned", async () => {
    const reg = join(dir, "subnets.json");
    writeFileSync(reg, JSON.stringify({ entries: [{ lab: "ghost", segment: "lan", subnet: "10.213.0.0/24", pid: 2 ** 22 + 1 }] }));
    writeFileSync(`${reg}.lock`, "");
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${reg}.lock`, old, old);
    const f = new LabFabric(plan("a", [{ name: "lan" }]));
    await f.open();
    expect(f.status().segments[0]!.subnet).toBe("10.213.0.0/24");
    expect(JSON.parse(readFileSync(reg, "utf8")).entries.map((e: { lab: string }) => e.lab)).toEqual(["a"]);
    await f.close();
  });
});

