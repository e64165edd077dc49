import { describe, expect, test } from "bun:test";
import { parseCidr, parseIpv4Address } from "./addr.ts";
import type { IpStack } from "./gateway.ts";
import {
  encodeIcmpFrame,
  ICMP_DEST_UNREACHABLE,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  ICMP_TIME_EXCEEDED,
  ICMP_UNREACH_FRAG_NEEDED,
  ICMP_UNREACH_NET,
} from "./icmp.ts";
import type { Ipv4Packet } from "./ipv4.ts";
import { Router } from "./route.ts";
import { Segment } from "./segment.ts";
import { encodeTcpFrame, RST, SYN } from "./tcp.ts";
import { seededBytes } from "./testing/bytes.ts";
import { fuzzIterations, fuzzTimeoutMs, mutate, Rng } from "./testing/fuzz.ts";

const FUZZ_N = fuzzIterations();
import { FakeGuest } from "./testing/fake_guest.ts";
import { ManualClock } from "../core/clock/testing/manual_clock.ts";

const ip = (t: string) => parseIpv4Address(t)!;

/** Segments a (10.1.0.0/24, MTU 9000) and b (10.2.0.0/24, MTU 1500), one guest each, and an outside stack behind both. */
function lab() {
  const clock = new ManualClock();
  const router = new Router();
  const outside: Ipv4Packet[] = [];
  const nat: IpStack = { handleIpv4: (_e, p) => (outside.push(p), true) };
  const seg = (name: string, cidr: string, mtu: number) => {
    const s = new Segment({ name, clock, subnet: parseCidr(cidr)!, mtu, dhcp: false, dns: false });
    router.addSegment({ name, gateway: s.gateway, mtu });
    s.setIpStack(router.stackFor(name, nat));
    return s;
  };
  const sa = seg("a", "10.1.0.0/24", 9000);
  const sb = seg("b", "10.2.0.0/24", 1500);
  const ga = new FakeGuest(sa.switch, "52:54:00:00:01:05", ip("10.1.0.5"));
  const gb = new FakeGuest(sb.switch, "52:54:00:00:02:05", ip("10.2.0.5"));
  ga.arpRequest(sa.gateway.ip);
  gb.arpRequest(sb.gateway.ip);
  ga.take();
  gb.take();
  return { router, sa, sb, ga, gb, outside };
}

const echo = (g: FakeGuest, gwMac: Uint8Array, dst: number, o: { ttl?: number; size?: number; seq?: number } = {}) =>
  g.send(
    encodeIcmpFrame(
      { srcMac: g.mac, dstMac: gwMac, src: g.ip, dst, ttl: o.ttl ?? 64 },
      ICMP_ECHO_REQUEST,
      0,
      (3 << 16) | (o.seq ?? 1),
      new Uint8Array(o.size ?? 8),
    ),
  );

describe("inter-segment routing", () => {
  test("unlinked segments answer network unreachable; linked ones carry echo both ways with TTL decremented", () => {
    const { router, sa, sb, ga, gb, outside } = lab();
    echo(ga, sa.gateway.mac, gb.ip);
    const unreach = ga.take().find((r) => r.icmp)!;
    expect([unreach.icmp!.type, unreach.icmp!.code, unreach.ip!.src]).toEqual([ICMP_DEST_UNREACHABLE, ICMP_UNREACH_NET, sa.gateway.ip]);
    expect(gb.take()).toEqual([]);
    expect(outside).toEqual([]);

    expect(router.link("a", "b")).toBeUndefined();
    expect(router.link("b", "a")).toBeUndefined(); // idempotent, unordered
    expect(router.peersOf("a")).toEqual(["b"]);
    echo(ga, sa.gateway.mac, gb.ip);
    const req = gb.take().find((r) => r.icmp)!;
    expect([req.icmp!.type, req.ip!.src, req.ip!.ttl, [...req.eth.src]]).toEqual([ICMP_ECHO_REQUEST, ga.ip, 63, [...sb.gateway.mac]]);
    gb.send(encodeIcmpFrame({ srcMac: gb.mac, dstMac: sb.gateway.mac, src: gb.ip, dst: ga.ip }, ICMP_ECHO_REPLY, 0, (3 << 16) | 1, new Uint8Array(8)));
    const rep = ga.take().find((r) => r.icmp)!;
    expect([rep.icmp!.type, rep.ip!.src, rep.ip!.ttl]).toEqual([ICMP_ECHO_REPLY, gb.ip, 63]);

    expect(router.unlink("b", "a")).toBe(true);
    expect(router.unlink("a", "b")).toBe(false);
    echo(ga, sa.gateway.mac, gb.ip);
    expect(ga.take().find((r) => r.icmp)!.icmp!.code).toBe(ICMP_UNREACH_NET);
    expect(gb.take()).toEqual([]);
  });

  test("TCP passes unchanged apart from TTL (no NAT between lab segments)", () => {
    const { router, sa, ga, gb } = lab();
    router.link("a", "b");
    ga.send(
      encodeTcpFrame(
        { srcMac: ga.mac, dstMac: sa.gateway.mac, src: ga.ip, dst: gb.ip },
        { srcPort: 40000, dstPort: 22, seq: 1, ack: 0, flags: SYN, window: 1000 },
        new Uint8Array(0),
      ),
    );
    const got = gb.take().find((r) => r.tcp)!;
    expect([got.ip!.src, got.tcp!.srcPort, got.tcp!.dstPort, got.tcp!.flags]).toEqual([ga.ip, 40000, 22, SYN]);
  });

  test("destinations outside every lab segment still go to the next stack (NAT)", () => {
    const { router, sa, ga, outside } = lab();
    router.link("a", "b");
    echo(ga, sa.gateway.mac, ip("198.51.100.1"));
    expect(outside.map((p) => p.dst)).toEqual([ip("198.51.100.1")]);
  });

  test("TTL 1 gets time exceeded, an oversized packet gets fragmentation needed with the next-hop MTU", () => {
    const { router, sa, ga, gb } = lab();
    router.link("a", "b");
    echo(ga, sa.gateway.mac, gb.ip, { ttl: 1 });
    const te = ga.take().find((r) => r.icmp)!;
    expect([te.icmp!.type, te.ip!.src]).toEqual([ICMP_TIME_EXCEEDED, sa.gateway.ip]);
    echo(ga, sa.gateway.mac, gb.ip, { size: 2000 });
    const fn = ga.take().find((r) => r.icmp)!;
    expect([fn.icmp!.type, fn.icmp!.code, fn.icmp!.seq]).toEqual([ICMP_DEST_UNREACHABLE, ICMP_UNREACH_FRAG_NEEDED, 1500]);
    expect(gb.take()).toEqual([]);
  });

  test("the peer gateway address answers ping; TCP to it is reset", () => {
    const { router, sa, sb, ga } = lab();
    router.link("a", "b");
    echo(ga, sa.gateway.mac, sb.gateway.ip);
    const rep = ga.take().find((r) => r.icmp)!;
    expect([rep.icmp!.type, rep.ip!.src]).toEqual([ICMP_ECHO_REPLY, sb.gateway.ip]);
    ga.send(
      encodeTcpFrame(
        { srcMac: ga.mac, dstMac: sa.gateway.mac, src: ga.ip, dst: sb.gateway.ip },
        { srcPort: 1, dstPort: 2, seq: 1, ack: 0, flags: SYN, window: 1 },
        new Uint8Array(0),
      ),
    );
    expect(ga.take().find((r) => r.tcp)!.tcp!.flags & RST).toBe(RST);
  });

  test("an unknown neighbour on the peer segment is ARPed for and the packet dropped", () => {
    const { router, sa, ga, gb } = lab();
    router.link("a", "b");
    echo(ga, sa.gateway.mac, ip("10.2.0.77"));
    expect(gb.take().find((r) => r.arp)?.arp?.targetIp).toBe(ip("10.2.0.77"));
    expect(ga.take()).toEqual([]);
  });

  test("links are refused for unknown segments, a segment itself and overlapping subnets", () => {
    const { router } = lab();
    expect(router.link("a", "zz")?.code).toBe("unknown_segment");
    expect(router.link("a", "a")?.code).toBe("route_self");
    const clock = new ManualClock();
    const s = new Segment({ name: "c", clock, subnet: parseCidr("10.1.0.128/25")!, dhcp: false, dns: false });
    router.addSegment({ name: "c", gateway: s.gateway, mtu: 1500 });
    expect(router.link("a", "c")?.code).toBe("route_overlap");
    router.link("a", "b");
    router.removeSegment("b");
    expect(router.peersOf("a")).toEqual([]);
  });

  test(
    `${FUZZ_N} hostile frames to a routing gateway never throw (fuzz)`,
    () => {
      const { router, sa, ga } = lab();
      router.link("a", "b");
      const rnd = seededBytes(11);
      const good = encodeIcmpFrame(
        { srcMac: ga.mac, dstMac: sa.gateway.mac, src: ga.ip, dst: ip("10.2.0.5"), ttl: 2 },
        ICMP_ECHO_REQUEST,
        0,
        1,
        new Uint8Array(8),
      );
      const rng = new Rng(11);
      for (let i = 0; i < FUZZ_N; i++) {
        let f = rnd(14 + (i % 70));
        if (i % 2) f.set(good.subarray(0, Math.min(f.length, 14 + (i % 30))));
        if (i % 3 === 0) f = mutate(good, rng);
        ga.send(f);
      }
    },
    fuzzTimeoutMs(FUZZ_N),
  );
});
