import { describe, expect, test } from "bun:test";
import { BROADCAST_MAC, ipv4ToString, parseCidr, parseIpv4Address, parseMac } from "./addr.ts";
import { DHCPACK, DHCPDISCOVER, DHCPOFFER, DHCPREQUEST, messageType, parseDhcp } from "./dhcp_message.ts";
import { encodeName, DNS_FLAGS, DNS_ANCOUNT } from "./dns_message.ts";
import { Segment } from "./segment.ts";
import { ARP_REQUEST, encodeArp } from "./arp.ts";
import { finish, pseudoHeaderSum, sum16 } from "./checksum.ts";
import { encodeEthernet, ETHERTYPE_ARP } from "./ethernet.ts";
import { encodeIcmpFrame, ICMP_ECHO_REQUEST } from "./icmp.ts";
import { Nat } from "./nat/mod.ts";
import { encodeTcpFrame, SYN } from "./tcp.ts";
import { encodeUdpFrame } from "./udp.ts";
import { seededBytes } from "./testing/bytes.ts";
import { fuzzIterations, fuzzTimeoutMs, mutate, Rng } from "./testing/fuzz.ts";

const FUZZ_N = fuzzIterations();
import { clientMessage } from "./testing/dhcp_client.ts";
import { FakeGuest } from "./testing/fake_guest.ts";
import { ManualClock } from "../core/clock/testing/manual_clock.ts";

function dnsQuery(name: string): Uint8Array {
  const n = encodeName(name)!;
  const q = new Uint8Array(12 + n.length + 4);
  q.set([0x12, 0x34, 1, 0, 0, 1], 0);
  q.set(n, 12);
  q.set([0, 1, 0, 1], 12 + n.length);
  return q;
}

function dhcpExchange(g: FakeGuest, seg: Segment) {
  g.sendUdp(BROADCAST_MAC, 0xffffffff, 68, 67, clientMessage({ type: DHCPDISCOVER, mac: "52:54:00:00:00:0a", broadcast: true }), 0);
  const offer = parseDhcp(g.take().find((r) => r.udp?.srcPort === 67)!.udp!.payload)!;
  expect(messageType(offer)).toBe(DHCPOFFER);
  g.sendUdp(
    BROADCAST_MAC,
    0xffffffff,
    68,
    67,
    clientMessage({ type: DHCPREQUEST, mac: "52:54:00:00:00:0a", requested: offer.yiaddr, serverId: seg.gateway.ip, broadcast: true }),
    0,
  );
  const ack = parseDhcp(g.take().find((r) => r.udp?.srcPort === 67)!.udp!.payload)!;
  expect(messageType(ack)).toBe(DHCPACK);
  g.ip = ack.yiaddr;
}

describe("segment", () => {
  test("a guest flooding DISCOVER/REQUEST with spoofed MACs cannot starve the pool; status sees only what each port holds", () => {
    const clock = new ManualClock();
    const seg = new Segment({ name: "lan", clock, subnet: parseCidr("10.60.0.0/28")!, hosts: [{ vm: "web", lab: "demo", mac: "52:54:00:00:00:0a" }] });
    const evil = new FakeGuest(seg.switch, "52:54:00:00:00:66");
    for (let i = 0; i < 200; i++) {
      const mac = `02:00:00:00:00:${(i & 0xff).toString(16).padStart(2, "0")}`;
      const srcMac = parseMac(mac)!;
      const send = (m: Uint8Array) => evil.port.receive(encodeUdpFrame({ srcMac, dstMac: BROADCAST_MAC, src: 0, dst: 0xffffffff }, 68, 67, m));
      send(clientMessage({ type: DHCPDISCOVER, mac, broadcast: true }));
      const offer = evil
        .take()
        .map((r) => r.udp?.srcPort === 67 && parseDhcp(r.udp.payload))
        .find((m) => m && m.chaddr[5] === (i & 0xff));
      if (offer) send(clientMessage({ type: DHCPREQUEST, mac, requested: offer.yiaddr, serverId: seg.gateway.ip, broadcast: true }));
      evil.take();
    }
    expect(seg.leases().length).toBe(1);
    // It also claims the victim's MAC from its own port, by frames and by an IP source.
    const victimMac = parseMac("52:54:00:00:00:0a")!;
    evil.port.receive(
      encodeUdpFrame({ srcMac: victimMac, dstMac: seg.gateway.mac, src: parseIpv4Address("10.60.0.9")!, dst: seg.gateway.ip }, 1234, 9, new Uint8Array(4)),
    );
    const web = new FakeGuest(seg.switch, "52:54:00:00:00:0a");
    seg.pinPort("52:54:00:00:00:0a", web.port.id);
    expect(seg.addressOf("52:54:00:00:00:0a", web.port.id)).toBeUndefined();
    dhcpExchange(web, seg);
    expect(seg.addressOf("52:54:00:00:00:0a", web.port.id)).toBe(web.ip);
  });

  test("a guest leases an address through the switch and is then resolvable by name", async () => {
    const clock = new ManualClock();
    const seg = new Segment({ name: "corp", clock, subnet: parseCidr("10.50.0.0/24")!, hosts: [{ vm: "web", lab: "demo", mac: "52:54:00:00:00:0a" }] });
    const g = new FakeGuest(seg.switch, "52:54:00:00:00:0a");
    dhcpExchange(g, seg);
    expect(ipv4ToString(g.ip)).toBe("10.50.0.2");
    expect(seg.leases().map((l) => l.mac)).toEqual(["52:54:00:00:00:0a"]);
    g.sendUdp(seg.gateway.mac, seg.gateway.ip, 5353, 53, dnsQuery("web.demo.vmlab.internal"));
    const r = g.take().find((x) => x.udp?.srcPort === 53)!.udp!.payload;
    const v = new DataView(r.buffer, r.byteOffset);
    expect(v.getUint16(DNS_ANCOUNT)).toBe(1);
    expect([...r.subarray(r.length - 4)]).toEqual([10, 50, 0, 2]);
  });
  test("unknown names go to the forwarder; without one the guest gets SERVFAIL", async () => {
    const clock = new ManualClock();
    const asked: string[] = [];
    const seg = new Segment({ name: "n", clock, subnet: parseCidr("10.0.0.0/24")!, dns: { forwarder: async (q) => (asked.push("q"), q) } });
    const g = new FakeGuest(seg.switch, "52:54:00:00:00:0a", 0x0a000005);
    g.sendUdp(seg.gateway.mac, seg.gateway.ip, 5353, 53, dnsQuery("example.com"));
    await Promise.resolve();
    await Promise.resolve();
    expect(asked.length).toBe(1);
    expect(g.take().some((x) => x.udp?.srcPort === 53)).toBe(true);
    const bare = new Segment({ name: "n", clock, subnet: parseCidr("10.0.0.0/24")! });
    const h = new FakeGuest(bare.switch, "52:54:00:00:00:0b", 0x0a000006);
    h.sendUdp(bare.gateway.mac, bare.gateway.ip, 5353, 53, dnsQuery("example.com"));
    const reply = h.take().find((x) => x.udp?.srcPort === 53)!.udp!.payload;
    expect(new DataView(reply.buffer, reply.byteOffset).getUint16(DNS_FLAGS) & 0xf).toBe(2);
  });
  test("dhcp = false leaves port 67 unanswered, dns disabled leaves option 6 out", () => {
    const clock = new ManualClock();
    const off = new Segment({ name: "x", clock, subnet: parseCidr("10.0.0.0/24")!, dhcp: false });
    const g = new FakeGuest(off.switch, "52:54:00:00:00:0a");
    g.sendUdp(BROADCAST_MAC, 0xffffffff, 68, 67, clientMessage({ type: DHCPDISCOVER, mac: "52:54:00:00:00:0a" }), 0);
    expect(g.take().filter((r) => r.udp).length).toBe(0);
    const nodns = new Segment({ name: "y", clock, subnet: parseCidr("10.0.0.0/24")!, dns: false });
    const h = new FakeGuest(nodns.switch, "52:54:00:00:00:0a");
    h.sendUdp(BROADCAST_MAC, 0xffffffff, 68, 67, clientMessage({ type: DHCPDISCOVER, mac: "52:54:00:00:00:0a", broadcast: true }), 0);
    const offer = parseDhcp(h.take().find((r) => r.udp)!.udp!.payload)!;
    expect(offer.options.has(6)).toBe(false);
  });
});

/** Recomputes the IPv4 header and TCP/UDP checksums of an Ethernet frame in place (mutations stay "valid"). */
function fixChecksums(f: Uint8Array): void {
  if (f.length < 34 || f[12] !== 0x08 || f[13] !== 0) return;
  const ihl = (f[14]! & 0xf) * 4;
  if (ihl < 20 || 14 + ihl > f.length) return;
  f[24] = 0;
  f[25] = 0;
  const h = finish(sum16(f, 14, 14 + ihl));
  f[24] = h >> 8;
  f[25] = h & 255;
  const total = Math.min((f[16]! << 8) | f[17]!, f.length - 14);
  const l4 = 14 + ihl;
  const len = total - ihl;
  const proto = f[23]!;
  const at = proto === 6 ? l4 + 16 : proto === 17 ? l4 + 6 : -1;
  if (at < 0 || len < 0 || at + 2 > 14 + total) return;
  f[at] = 0;
  f[at + 1] = 0;
  const src = ((f[26]! << 24) | (f[27]! << 16) | (f[28]! << 8) | f[29]!) >>> 0;
  const dst = ((f[30]! << 24) | (f[31]! << 16) | (f[32]! << 8) | f[33]!) >>> 0;
  const c = finish(sum16(f, l4, l4 + len, pseudoHeaderSum(src, dst, proto, len)));
  f[at] = c >> 8;
  f[at + 1] = c & 255;
}

describe("segment under hostile guests", () => {
  test(
    `${FUZZ_N} mutated ARP, DHCP, DNS, TCP (options, IHL, flags) and ICMP frames through switch, gateway, DHCP, DNS and NAT never throw (fuzz)`,
    () => {
      const clock = new ManualClock();
      const seg = new Segment({ name: "fuzz", clock, subnet: parseCidr("10.70.0.0/24")!, dns: { forwarder: async () => undefined } });
      const nat = new Nat({ clock, gateway: seg.gateway, mtu: 1500, hostFor: () => "127.0.0.1", outbound: false });
      seg.setIpStack(nat);
      const g = new FakeGuest(seg.switch, "52:54:00:00:00:0f", 0x0a46000f);
      const gw = seg.gateway;
      const hdr = { srcMac: g.mac, dstMac: gw.mac, src: g.ip, dst: gw.ip };
      const seeds: Uint8Array[] = [
        encodeEthernet(
          BROADCAST_MAC,
          g.mac,
          ETHERTYPE_ARP,
          encodeArp({ op: ARP_REQUEST, senderMac: g.mac, senderIp: g.ip, targetMac: new Uint8Array(6), targetIp: gw.ip }),
        ),
        encodeUdpFrame(
          { ...hdr, dstMac: BROADCAST_MAC, src: 0, dst: 0xffffffff },
          68,
          67,
          clientMessage({ type: DHCPDISCOVER, mac: "52:54:00:00:00:0f", paramRequest: [1, 3, 6, 121] }),
        ),
        encodeUdpFrame(hdr, 5353, 53, dnsQuery("web.demo.vmlab.internal")),
        encodeTcpFrame(
          hdr,
          {
            srcPort: 40000,
            dstPort: 53,
            seq: 1,
            ack: 0,
            flags: SYN,
            window: 65535,
            options: { mss: 1460, wscale: 7, sackPermitted: true, timestamp: { value: 1, echo: 0 } },
          },
          new Uint8Array(0),
        ),
        encodeTcpFrame(hdr, { srcPort: 40001, dstPort: 80, seq: 1, ack: 0, flags: SYN, window: 65535, options: { mss: 1460 } }, new Uint8Array(0)),
        encodeIcmpFrame(hdr, ICMP_ECHO_REQUEST, 0, 0x10001, new Uint8Array(16)),
      ];
      const rnd = seededBytes(5);
      for (let i = 0; i < FUZZ_N; i++) {
        const seed = seeds[i % seeds.length]!;
        const f = seed.slice(0, i % 7 === 0 ? 14 + (i % seed.length) : seed.length);
        const r = rnd(4);
        const n = 1 + (r[0]! % 4);
        for (let k = 0; k < n; k++) {
          // Bias mutations to the headers and options, where parsers make decisions.
          const at = 14 + ((r[k]! * 7 + i) % Math.max(1, Math.min(f.length - 14, 80)));
          if (at < f.length) f[at] = rnd(1)[0]!;
        }
        if (i % 3 !== 0) fixChecksums(f);
        g.send(f);
        if (i % 500 === 0) clock.advance(1000);
        g.take();
      }
      // Still serving: ARP for the gateway is answered.
      g.arpRequest(gw.ip);
      expect(g.take().some((x) => x.arp !== undefined)).toBe(true);
      nat.close();
      seg.close();
    },
    fuzzTimeoutMs(FUZZ_N),
  );
});
