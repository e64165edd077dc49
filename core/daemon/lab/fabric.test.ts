import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BROADCAST_MAC,
  DHCPACK,
  DHCPDISCOVER,
  DHCPOFFER,
  DHCPREQUEST,
  encodeUdpFrame,
  ETHERTYPE_ARP,
  ipv4ToString,
  messageType,
  parseDhcp,
  parseEthernet,
  parseIpv4,
  parseMac,
  parseUdp,
  encodeArp,
  encodeEthernet,
  ARP_REQUEST,
  parseArp,
  ARP_REPLY,
  OPT,
  ipOption,
  readBlocks,
  BT_SHB,
  BT_IDB,
  BT_EPB,
} from "../../../net/mod.ts";
import { ManualClock } from "../../clock/testing/manual_clock.ts";
import { clientMessage } from "../../../net/testing/dhcp_client.ts";
import type { NicPlan, VmPlan } from "../protocol.ts";
import { FabricFailure, LabFabric, type LabFabricOptions } from "./fabric.ts";
import type { NetworkPlanInput } from "../../config/network_plan.ts";
import { nicPeer } from "./testing/nic_peer.ts";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "vmlab-fabric-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const vm = (name: string): VmPlan => ({ name }) as VmPlan;
const nic = (segment: string | null, ip?: string): NicPlan => ({
  segment,
  nat: segment === null,
  isolated: false,
  model: "virtio-net-pci",
  ...(ip ? { ip } : {}),
});

function plan(
  lab: string,
  segments: NonNullable<NetworkPlanInput["segments"]>,
  extra: Partial<NetworkPlanInput> = {},
  opts: Partial<LabFabricOptions> = {},
): LabFabricOptions {
  return { lab, runDir: join(dir, lab), network: { segments, ...extra }, registryPath: join(dir, "subnets.json"), clock: new ManualClock(), ...opts };
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
    expect(((await f.attach(vm("x"), 0, nic("corp", "10.9.9.9"), "52:54:00:00:00:01").catch((e: unknown) => e)) as FabricFailure).error.code).toBe(
      "static_ip_invalid",
    );
    await f.close();
  });

  test("a NIC's socket joins the segment: the gateway answers ARP and DHCP hands out the static ip", async () => {
    const f = new LabFabric(plan("lab1", [{ name: "corp", subnet: "10.50.0.0/24" }]));
    await f.open();
    const mac = "52:54:00:aa:bb:cc";
    const att = await f.attach(vm("dc01"), 0, nic("corp", "10.50.0.10"), mac);
    expect(att.kind).toBe("stream");
    const q = await nicPeer((att as { socket: string }).socket);
    const m = parseMac(mac)!;
    q.send(
      encodeEthernet(
        BROADCAST_MAC,
        m,
        ETHERTYPE_ARP,
        encodeArp({ op: ARP_REQUEST, senderMac: m, senderIp: 0, targetMac: new Uint8Array(6), targetIp: 0x0a320001 }),
      ),
    );
    const arp = parseArp(parseEthernet(await q.next((fr) => parseEthernet(fr)?.type === ETHERTYPE_ARP))!.payload)!;
    expect(arp.op).toBe(ARP_REPLY);
    const dhcp = (type: number, extra = {}) =>
      encodeUdpFrame({ srcMac: m, dstMac: BROADCAST_MAC, src: 0, dst: 0xffffffff }, 68, 67, clientMessage({ type, mac, broadcast: true, ...extra }));
    q.send(dhcp(DHCPDISCOVER));
    const offer = parseDhcp(parseUdp(parseIpv4((await q.next(isDhcpReply)).subarray(14))!)!.payload)!;
    expect(messageType(offer)).toBe(DHCPOFFER);
    expect(ipv4ToString(offer.yiaddr)).toBe("10.50.0.10");
    q.send(dhcp(DHCPREQUEST, { requested: offer.yiaddr, serverId: 0x0a320001 }));
    const ack = parseDhcp(parseUdp(parseIpv4((await q.next(isDhcpReply)).subarray(14))!)!.payload)!;
    expect(messageType(ack)).toBe(DHCPACK);
    expect(f.status().segments[0]).toEqual({
      name: "corp",
      subnet: "10.50.0.0/24",
      gateway: "10.50.0.1",
      nat: false,
      mtu: 1500,
      leases: [{ vm: "dc01", ip: "10.50.0.10", mac }],
      frames: 6,
      dropped: 0,
      captures: 0,
      trunks: [],
    });
    expect(f.vmIps("dc01")).toEqual(["10.50.0.10"]);
    q.sock.destroy();
    await f.detach(vm("dc01"), 0);
    await f.close();
  });

  test("a capture on a segment streams pcapng of a NIC's frames and the gateway's answers; bad requests are typed errors", async () => {
    const f = new LabFabric(plan("lab1", [{ name: "corp", subnet: "10.50.0.0/24" }]));
    await f.open();
    const mac = "52:54:00:aa:bb:cd";
    const att = await f.attach(vm("dc01"), 0, nic("corp", "10.50.0.10"), mac);
    const q = await nicPeer((att as { socket: string }).socket);
    const chunks: Uint8Array[] = [];
    let ended = false;
    const cap = f.capture("corp", { vm: "dc01", filter: "arp", write: (c) => chunks.push(c), onEnd: () => (ended = true) });
    expect(f.status().segments[0]!.captures).toBe(1);
    const m = parseMac(mac)!;
    q.send(
      encodeEthernet(
        BROADCAST_MAC,
        m,
        ETHERTYPE_ARP,
        encodeArp({ op: ARP_REQUEST, senderMac: m, senderIp: 0x0a32000a, targetMac: new Uint8Array(6), targetIp: 0x0a320001 }),
      ),
    );
    await q.next((fr) => parseEthernet(fr)?.type === ETHERTYPE_ARP);
    const blocks = readBlocks(new Uint8Array(Buffer.concat(chunks))) ?? [];
    // section header, dc01/0's interface, its ARP request (in) and the gateway's reply (out)
    expect(blocks.map((b) => b.type)).toEqual([BT_SHB, BT_IDB, BT_EPB, BT_EPB]);
    expect(Buffer.from(blocks[1]!.body).includes(Buffer.from("dc01/0"))).toBe(true);
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as FabricFailure).code;
      }
      return "no error";
    };
    expect(code(() => f.capture("corp", { filter: "icmp and", write: () => {} }))).toBe("network.capture_filter_invalid");
    expect(code(() => f.capture("corp", { vm: "other", write: () => {} }))).toBe("network.capture_vm_not_attached");
    expect(code(() => f.capture("nope", { write: () => {} }))).toBe("network.segment_not_found");
    q.sock.destroy();
    await f.close();
    expect(ended).toBe(true);
    expect(cap.capture.frames).toBe(2);
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

  test("a forward whose host port is taken fails open() naming the port and the forward, and releases everything", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    const f = new LabFabric(
      plan("fw", [{ name: "lan", subnet: "10.51.0.0/24" }], { forwards: [{ segment: "lan", hostPort: port, vm: "web", guestPort: 80 }] }),
    );
    const err = (await f.open().catch((e: unknown) => e)) as FabricFailure;
    blocker.close();
    expect(err).toBeInstanceOf(FabricFailure);
    expect(err.error).toMatchObject({ code: "forward_port_taken", port, forward: `127.0.0.1:${port} → web:80/tcp` });
    expect(err.message).toContain(String(port));
    expect(JSON.parse(readFileSync(join(dir, "subnets.json"), "utf8")).entries).toEqual([]);
  });

  test("runtime forwards are listed with their target's address, refuse clients until it has one, and can be removed", async () => {
    const logs: string[] = [];
    const f = new LabFabric(plan("rt", [{ name: "lan", subnet: "10.52.0.0/24" }], {}, { log: (r) => logs.push(r.event) }));
    await f.open();
    const noNic = (await f.addForward({ hostPort: 0, vm: "web", guestPort: 80 }).catch((e: unknown) => e)) as FabricFailure;
    expect(noNic.error.code).toBe("forward_no_target");
    await f.attach(vm("web"), 0, nic("lan"), "52:54:00:00:00:31");
    const port = await freePort();
    const info = await f.addForward({ hostPort: port, vm: "web", guestPort: 80 });
    expect(info).toEqual({ segment: "lan", hostPort: port, vm: "web", guestPort: 80, proto: "tcp", bind: "127.0.0.1", guestIp: undefined });
    const dup = (await f.addForward({ hostPort: port, vm: "web", guestPort: 81, proto: "both" }).catch((e: unknown) => e)) as FabricFailure;
    expect(dup.error.code).toBe("forward_exists");
    // No lease yet: the client is accepted and closed at once, with a log line.
    const closed = await new Promise<boolean>((r) => {
      const c = connect(port, "127.0.0.1");
      c.on("close", () => r(true));
      c.on("error", () => undefined);
    });
    expect(closed).toBe(true);
    expect(logs).toContain("net.forward_no_target");
    expect(f.status().forwards.map((x) => x.hostPort)).toEqual([port]);
    await f.removeForward(port);
    expect(f.listForwards()).toEqual([]);
    expect(((await f.removeForward(port).catch((e: unknown) => e)) as FabricFailure).error.code).toBe("forward_not_found");
    await f.close();
  });

  test("a forward follows the static address of its VM", async () => {
    const f = new LabFabric(plan("st", [{ name: "lan", subnet: "10.53.0.0/24" }]));
    await f.open();
    await f.attach(vm("db"), 0, nic("lan", "10.53.0.20"), "52:54:00:00:00:41");
    const info = await f.addForward({ hostPort: 0, vm: "db", guestPort: 5432, proto: "udp" });
    expect(info.guestIp).toBe("10.53.0.20");
    expect(info.hostPort).toBeGreaterThan(0);
    expect(f.listForwards().map((x) => x.hostPort)).toEqual([info.hostPort]);
    expect(f.vmIps("db")).toEqual(["10.53.0.20"]);
    expect(f.vmIps("nobody")).toEqual([]);
    await f.close();
  });

  test("garbage and oversized frame lengths on a NIC socket drop that port with a log line; the NIC can reconnect", async () => {
    const logs: { event: string; code?: unknown }[] = [];
    const f = new LabFabric(plan("bad", [{ name: "lan", subnet: "10.54.0.0/24" }], {}, { log: (r) => logs.push({ event: r.event, code: r.code }) }));
    await f.open();
    const mac = "52:54:00:00:00:51";
    const att = (await f.attach(vm("evil"), 0, nic("lan"), mac)) as { socket: string };
    for (const junk of [Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 1, 2, 3), Uint8Array.of(0, 0, 0, 3, 1, 2, 3)]) {
      const q = await nicPeer(att.socket);
      const gone = new Promise<void>((r) => q.sock.once("close", () => r()));
      q.send(new Uint8Array(60)); // a well-formed (if pointless) frame first
      q.sock.write(junk);
      await gone;
    }
    expect(logs.filter((l) => l.event === "net.port_dropped").map((l) => l.code)).toEqual(["frame_too_large", "frame_too_short"]);
    // The fabric still serves the NIC: ARP for the gateway is answered.
    const q = await nicPeer(att.socket);
    const m = parseMac(mac)!;
    q.send(
      encodeEthernet(
        BROADCAST_MAC,
        m,
        ETHERTYPE_ARP,
        encodeArp({ op: ARP_REQUEST, senderMac: m, senderIp: 0, targetMac: new Uint8Array(6), targetIp: 0x0a360001 }),
      ),
    );
    expect(parseArp(parseEthernet(await q.next((fr) => parseEthernet(fr)?.type === ETHERTYPE_ARP))!.payload)!.op).toBe(ARP_REPLY);
    q.sock.destroy();
    await f.close();
  });

  test("segment options reach DHCP: declared MTU (option 26), suffix (15), routes (121), a DNS override", async () => {
    const f = new LabFabric(
      plan(
        "opt",
        [
          {
            name: "lan",
            subnet: "10.55.0.0/24",
            mtu: 1400,
            announceMtu: true,
            routes: [{ dest: "10.60.0.0/24", via: "10.55.0.254" }],
            dns: { servers: ["10.55.0.10"] },
          },
        ],
        { dnsSuffix: "corp.test" },
      ),
    );
    await f.open();
    const mac = "52:54:00:00:00:61";
    const att = (await f.attach(vm("c"), 0, nic("lan"), mac)) as { socket: string };
    const q = await nicPeer(att.socket);
    q.send(
      encodeUdpFrame(
        { srcMac: parseMac(mac)!, dstMac: BROADCAST_MAC, src: 0, dst: 0xffffffff },
        68,
        67,
        clientMessage({ type: DHCPDISCOVER, mac, broadcast: true, paramRequest: [1, 3, 6, 15, 26, 121] }),
      ),
    );
    const offer = parseDhcp(parseUdp(parseIpv4((await q.next(isDhcpReply)).subarray(14))!)!.payload)!;
    expect([...offer.options.get(OPT.interfaceMtu)!]).toEqual([1400 >> 8, 1400 & 255]);
    expect(new TextDecoder().decode(offer.options.get(OPT.domainName))).toBe("corp.test");
    expect(ipOption(offer, OPT.dns)).toBe(0x0a37000a);
    expect(offer.options.has(OPT.classlessRoutes)).toBe(true);
    q.sock.destroy();
    await f.close();
  });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
