import { describe, expect, test } from "bun:test";
import { BROADCAST_MAC, parseCidr, parseIpv4Address, parseMac } from "./addr.ts";
import type { IpStack } from "./gateway.ts";
import { encodeIcmpFrame, ICMP_DEST_UNREACHABLE, ICMP_ECHO_REQUEST, ICMP_UNREACH_ADMIN } from "./icmp.ts";
import type { Ipv4Packet } from "./ipv4.ts";
import { L3Filter, parseBlockTarget, parseEndpoint } from "./l3_rules.ts";
import type { NetLogRecord } from "./log.ts";
import { Segment } from "./segment.ts";
import { ACK, encodeTcpFrame, RST, SYN } from "./tcp.ts";
import { encodeUdpFrame } from "./udp.ts";
import { seededBytes } from "./testing/bytes.ts";
import { fuzzIterations, fuzzTimeoutMs, mutate, Rng } from "./testing/fuzz.ts";

const FUZZ_N = fuzzIterations();
import { FakeGuest } from "./testing/fake_guest.ts";
import { ManualClock } from "../core/clock/testing/manual_clock.ts";

const ip = (t: string) => parseIpv4Address(t)!;

/** A segment with an L3 filter, two guests that announced themselves, and a recording IP stack. */
function lab() {
  const clock = new ManualClock();
  const logs: NetLogRecord[] = [];
  const seg = new Segment({ name: "lan", clock, subnet: parseCidr("10.0.0.0/24")!, dhcp: false, dns: false, log: (r) => logs.push(r) });
  const l3 = new L3Filter({ clock, gateway: seg.gateway, segment: "lan", log: (r) => logs.push(r) });
  seg.switch.setFilter(l3.filter);
  seg.gateway.setProxyArp(l3.wantsArp);
  const routed: Ipv4Packet[] = [];
  const stack: IpStack = { handleIpv4: (_e, p) => (routed.push(p), true) };
  seg.setIpStack(stack);
  const a = new FakeGuest(seg.switch, "52:54:00:00:00:0a", ip("10.0.0.2"));
  const b = new FakeGuest(seg.switch, "52:54:00:00:00:0b", ip("10.0.0.3"));
  // Both guests ARP for the gateway: the gateway and the switch learn them.
  a.arpRequest(seg.gateway.ip);
  b.arpRequest(seg.gateway.ip);
  a.take();
  b.take();
  return { clock, seg, l3, a, b, routed, logs };
}

const syn = (g: FakeGuest, dstMac: Uint8Array, dst: number, dstPort: number, srcPort = 40000) =>
  g.send(encodeTcpFrame({ srcMac: g.mac, dstMac, src: g.ip, dst }, { srcPort, dstPort, seq: 1000, ack: 0, flags: SYN, window: 65535 }, new Uint8Array(0)));

describe("L3 rules", () => {
  test("parsers take CIDRs, bare addresses and ip[:port], and refuse the rest", () => {
    expect(parseBlockTarget("10.0.0.5")).toEqual({ network: ip("10.0.0.5"), prefix: 32 });
    expect(parseBlockTarget("192.0.2.0/24")).toEqual({ network: ip("192.0.2.0"), prefix: 24 });
    for (const bad of ["10.0.0.5/24", "10.0.0", "", "x/8", "10.0.0.0/33"]) expect(parseBlockTarget(bad)).toBeUndefined();
    expect(parseEndpoint("10.0.0.1:80")).toEqual({ ip: ip("10.0.0.1"), port: 80 });
    expect(parseEndpoint("10.0.0.1")).toEqual({ ip: ip("10.0.0.1"), port: undefined });
    for (const bad of ["10.0.0.1:0", "10.0.0.1:70000", "host:80", "10.0.0.1:", ":80"]) expect(parseEndpoint(bad)).toBeUndefined();
  });

  test("a blocked port between guests is refused with a RST from the destination; other ports pass", () => {
    const { l3, a, b, logs } = lab();
    l3.addBlock(1, { cidr: parseBlockTarget("10.0.0.3")!, proto: "tcp", port: 22 });
    syn(a, b.mac, b.ip, 22);
    expect(b.take()).toEqual([]);
    const rst = a.take().find((r) => r.tcp)!;
    expect(rst.ip!.src).toBe(b.ip);
    expect(rst.tcp!.srcPort).toBe(22);
    expect(rst.tcp!.flags & (RST | ACK)).toBe(RST | ACK);
    expect(rst.tcp!.ack).toBe(1001);
    syn(a, b.mac, b.ip, 80);
    expect(b.take().some((r) => r.tcp?.dstPort === 80)).toBe(true);
    syn(a, b.mac, b.ip, 22, 40001);
    expect(logs.filter((l) => l.event === "net.rule_hit")).toHaveLength(1);
    expect(l3.list()).toEqual([{ id: 1, kind: "block", cidr: "10.0.0.3/32", proto: "tcp", port: 22, hits: 2 }]);
  });

  test("blocked UDP and ICMP get administratively-prohibited unreachables from the gateway; the IP stack never sees them", () => {
    const { seg, l3, a, routed } = lab();
    l3.addBlock(1, { cidr: parseCidr("192.0.2.0/24")! });
    a.sendUdp(seg.gateway.mac, ip("192.0.2.9"), 5000, 53, new Uint8Array(4));
    a.ping(seg.gateway.mac, ip("192.0.2.9"), 7, 1);
    const errs = a.take().filter((r) => r.icmp?.type === ICMP_DEST_UNREACHABLE);
    expect(errs.map((r) => [r.icmp!.code, r.ip!.src])).toEqual([
      [ICMP_UNREACH_ADMIN, seg.gateway.ip],
      [ICMP_UNREACH_ADMIN, seg.gateway.ip],
    ]);
    expect(routed).toEqual([]);
    a.sendUdp(seg.gateway.mac, ip("198.51.100.1"), 5000, 53, new Uint8Array(4));
    expect(routed.map((p) => p.dst)).toEqual([ip("198.51.100.1")]);
  });

  test("broadcasts are never matched, and removing a rule lets traffic through again", () => {
    const { seg, l3, a, b, routed } = lab();
    l3.addBlock(1, { cidr: parseCidr("0.0.0.0/0")! });
    a.sendUdp(BROADCAST_MAC, 0xffffffff, 68, 67, new Uint8Array(4));
    expect(b.take().some((r) => r.udp?.dstPort === 67)).toBe(true);
    a.sendUdp(seg.gateway.mac, ip("198.51.100.1"), 5000, 53, new Uint8Array(4));
    expect(routed).toEqual([]);
    expect(l3.remove(1)).toBe(true);
    expect(l3.remove(1)).toBe(false);
    a.sendUdp(seg.gateway.mac, ip("198.51.100.1"), 5000, 53, new Uint8Array(4));
    expect(routed).toHaveLength(1);
  });

  test("the most specific block wins the attribution, ties by id", () => {
    const { l3, a, b } = lab();
    l3.addBlock(5, { cidr: parseCidr("10.0.0.0/24")! });
    l3.addBlock(6, { cidr: parseBlockTarget("10.0.0.3")!, proto: "udp" });
    l3.addBlock(7, { cidr: parseBlockTarget("10.0.0.3")!, port: 53 });
    a.sendUdp(b.mac, b.ip, 5000, 53, new Uint8Array(1));
    a.sendUdp(b.mac, b.ip, 5000, 54, new Uint8Array(1));
    a.ping(b.mac, b.ip, 1, 1);
    expect(Object.fromEntries(l3.list().map((r) => [r.id, r.hits]))).toEqual({ 5: 1, 6: 1, 7: 1 });
    expect(b.take().filter((r) => r.ip)).toEqual([]);
  });

  test("a redirect of the gateway's port to a guest rewrites both directions with valid checksums", () => {
    const { seg, l3, a, b } = lab();
    l3.addRedirect(1, { from: parseEndpoint("10.0.0.1:80")!, to: parseEndpoint("10.0.0.3:8080")! });
    syn(a, seg.gateway.mac, seg.gateway.ip, 80);
    const got = b.take().find((r) => r.tcp)!;
    expect(got.tcp).toBeDefined(); // parseTcp verified the patched checksum
    expect([got.ip!.dst, got.tcp!.dstPort, got.ip!.src, got.tcp!.srcPort]).toEqual([b.ip, 8080, a.ip, 40000]);
    expect([...got.eth.dst]).toEqual([...b.mac]);
    b.send(
      encodeTcpFrame(
        { srcMac: b.mac, dstMac: a.mac, src: b.ip, dst: a.ip },
        { srcPort: 8080, dstPort: 40000, seq: 5, ack: 1001, flags: SYN | ACK, window: 100 },
        new Uint8Array(0),
      ),
    );
    const back = a.take().find((r) => r.tcp)!;
    expect(back.tcp).toBeDefined();
    expect([back.ip!.src, back.tcp!.srcPort]).toEqual([seg.gateway.ip, 80]);
  });

  test("redirect before block: the block sees the rewritten destination, and a RST answers the original flow", () => {
    const { seg, l3, a, b } = lab();
    l3.addBlock(1, { cidr: parseBlockTarget("10.0.0.3")! });
    l3.addRedirect(2, { from: parseEndpoint("10.0.0.1:80")!, to: parseEndpoint("10.0.0.3:8080")! });
    syn(a, seg.gateway.mac, seg.gateway.ip, 80);
    expect(b.take()).toEqual([]);
    const rst = a.take().find((r) => r.tcp)!;
    expect([rst.ip!.src, rst.tcp!.srcPort, rst.tcp!.flags & RST]).toEqual([seg.gateway.ip, 80, RST]);
  });

  test("a virtual service address gets proxy ARP and UDP to it goes to an outside target through the IP stack", () => {
    const { seg, l3, a, routed } = lab();
    l3.addRedirect(1, { from: parseEndpoint("10.0.0.99")!, to: parseEndpoint("198.51.100.7")!, proto: "udp" });
    a.arpRequest(ip("10.0.0.99"));
    const arp = a.take().find((r) => r.arp)!.arp!;
    expect([arp.senderIp, [...arp.senderMac]]).toEqual([ip("10.0.0.99"), [...seg.gateway.mac]]);
    a.sendUdp(seg.gateway.mac, ip("10.0.0.99"), 5000, 53, Uint8Array.of(1, 2, 3));
    expect(routed.map((p) => [p.dst, p.src])).toEqual([[ip("198.51.100.7"), a.ip]]);
    seg.gateway.sendUdp({ src: ip("198.51.100.7"), srcPort: 53, dst: a.ip, dstPort: 5000, payload: Uint8Array.of(9) });
    const reply = a.take().find((r) => r.udp)!;
    expect([reply.ip!.src, reply.udp!.srcPort, [...reply.udp!.payload]]).toEqual([ip("10.0.0.99"), 53, [9]]);
    // TCP is not covered by a UDP-only rule.
    syn(a, seg.gateway.mac, ip("10.0.0.99"), 53);
    expect(routed.at(-1)!.dst).toBe(ip("10.0.0.99"));
  });

  test("ICMP echo to a redirected address reaches the target and the reply comes back from the original", () => {
    const { l3, a, b } = lab();
    l3.addRedirect(1, { from: parseEndpoint("10.0.0.50")!, to: parseEndpoint("10.0.0.3")! });
    a.ping(parseMac("52:54:00:00:00:50")!, ip("10.0.0.50"), 9, 1);
    const req = b.take().find((r) => r.icmp)!;
    expect([req.icmp!.type, req.ip!.dst]).toEqual([ICMP_ECHO_REQUEST, b.ip]);
    b.send(encodeIcmpFrame({ srcMac: b.mac, dstMac: a.mac, src: b.ip, dst: a.ip }, 0, 0, (9 << 16) | 1, new Uint8Array(8)));
    const rep = a.take().find((r) => r.icmp)!;
    expect([rep.icmp!.type, rep.ip!.src]).toEqual([0, ip("10.0.0.50")]);
  });

  test("a redirect to a guest whose MAC is unknown sends ARP and drops until it answers", () => {
    const { seg, l3, a, b } = lab();
    l3.addRedirect(1, { from: parseEndpoint("10.0.0.1:80")!, to: parseEndpoint("10.0.0.77:80")! });
    syn(a, seg.gateway.mac, seg.gateway.ip, 80);
    const arp = b.take().find((r) => r.arp);
    expect(arp?.arp?.targetIp).toBe(ip("10.0.0.77"));
    expect(a.take().filter((r) => r.tcp)).toEqual([]);
  });

  test(
    `${FUZZ_N} hostile frames through a segment with rules never throw (fuzz)`,
    () => {
      const { seg, l3, a } = lab();
      l3.addBlock(1, { cidr: parseCidr("10.0.0.0/8")!, proto: "tcp", port: 80 });
      l3.addRedirect(2, { from: parseEndpoint("10.0.0.1:53")!, to: parseEndpoint("10.0.0.3:5353")! });
      const rnd = seededBytes(7);
      const header = encodeUdpFrame({ srcMac: a.mac, dstMac: seg.gateway.mac, src: a.ip, dst: seg.gateway.ip }, 5000, 53, new Uint8Array(8));
      const rng = new Rng(7);
      for (let i = 0; i < FUZZ_N; i++) {
        const n = 14 + (i % 80);
        let f = rnd(n);
        // Half of them look like IPv4 to reach the rule code; a third are mutations of a real frame.
        if (i % 2) f.set(header.subarray(0, Math.min(n, 14 + (i % 34))));
        if (i % 3 === 0) f = mutate(header, rng);
        a.send(f);
      }
    },
    fuzzTimeoutMs(FUZZ_N),
  );
});
