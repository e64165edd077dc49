import { describe, expect, test } from "bun:test";
import { BROADCAST_MAC, ipv4ToString, parseCidr } from "./addr.ts";
import { DHCPACK, DHCPDISCOVER, DHCPOFFER, DHCPREQUEST, messageType, parseDhcp } from "./dhcp_message.ts";
import { encodeName, DNS_FLAGS, DNS_ANCOUNT } from "./dns_message.ts";
import { Segment } from "./segment.ts";
import { clientMessage } from "./testing/dhcp_client.ts";
import { FakeGuest } from "./testing/fake_guest.ts";
import { ManualClock } from "./testing/manual_clock.ts";

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
  g.sendUdp(BROADCAST_MAC, 0xffffffff, 68, 67, clientMessage({ type: DHCPREQUEST, mac: "52:54:00:00:00:0a", requested: offer.yiaddr, serverId: seg.gateway.ip, broadcast: true }), 0);
  const ack = parseDhcp(g.take().find((r) => r.udp?.srcPort === 67)!.udp!.payload)!;
  expect(messageType(ack)).toBe(DHCPACK);
  g.ip = ack.yiaddr;
}

describe("segment", () => {
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
