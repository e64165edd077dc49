import { describe, expect, test } from "bun:test";
import { BROADCAST_MAC, macToString, parseCidr, parseIpv4Address } from "./addr.ts";
import { ARP_REPLY } from "./arp.ts";
import { Gateway } from "./gateway.ts";
import { ICMP_DEST_UNREACHABLE, ICMP_ECHO_REPLY } from "./icmp.ts";
import { Switch } from "./switch.ts";
import { ACK, encodeTcpFrame, RST, SYN } from "./tcp.ts";
import { FakeGuest } from "./testing/fake_guest.ts";
import { ManualClock } from "../core/clock/testing/manual_clock.ts";

const ip = (s: string) => parseIpv4Address(s)!;

function rig() {
  const clock = new ManualClock();
  const sw = new Switch({ clock });
  const gw = new Gateway({ clock, subnet: parseCidr("10.0.0.0/24")! });
  gw.attachTo(sw);
  const a = new FakeGuest(sw, "52:54:00:00:00:0a", ip("10.0.0.10"));
  const b = new FakeGuest(sw, "52:54:00:00:00:0b", ip("10.0.0.11"), { isolated: true });
  return { sw, gw, a, b };
}

describe("gateway", () => {
  test("the gateway is the first host of the subnet and answers ARP for it", () => {
    const { gw, a } = rig();
    expect(gw.ip).toBe(ip("10.0.0.1"));
    a.arpRequest(gw.ip);
    const r = a.take().find((x) => x.arp);
    expect(r?.arp?.op).toBe(ARP_REPLY);
    expect(macToString(r!.arp!.senderMac)).toBe(macToString(gw.mac));
    expect(r!.arp!.senderIp).toBe(gw.ip);
  });
  test("ARP for another address gets no answer from the gateway", () => {
    const { gw, a } = rig();
    a.arpRequest(ip("10.0.0.99"));
    expect(a.take().length).toBe(0);
    expect(gw.resolveMac(a.ip)).toBeDefined();
  });
  test("an isolated guest pings the gateway and gets the echo back with its data", () => {
    const { gw, b } = rig();
    b.ping(gw.mac, gw.ip, 77, 3, Uint8Array.of(1, 2, 3));
    const r = b.take().find((x) => x.icmp);
    expect(r?.icmp?.type).toBe(ICMP_ECHO_REPLY);
    expect([r!.icmp!.id, r!.icmp!.seq, [...r!.icmp!.data]]).toEqual([77, 3, [1, 2, 3]]);
  });
  test("UDP to a bound port reaches the service, broadcast included", () => {
    const { gw, a } = rig();
    const got: number[] = [];
    gw.bindUdp(67, (req) => got.push(req.dst));
    a.sendUdp(BROADCAST_MAC, 0xffffffff, 68, 67, new Uint8Array(4), 0);
    a.sendUdp(gw.mac, gw.ip, 68, 67, new Uint8Array(4));
    expect(got).toEqual([0xffffffff, gw.ip]);
  });
  test("UDP to an unbound port gets ICMP port unreachable, TCP gets a RST", () => {
    const { gw, a } = rig();
    a.sendUdp(gw.mac, gw.ip, 5000, 9, new Uint8Array(4));
    expect(a.take().find((x) => x.icmp)?.icmp?.type).toBe(ICMP_DEST_UNREACHABLE);
    a.send(
      encodeTcpFrame(
        { srcMac: a.mac, dstMac: gw.mac, src: a.ip, dst: ip("1.2.3.4") },
        { srcPort: 4000, dstPort: 80, seq: 100, ack: 0, flags: SYN, window: 1000 },
        new Uint8Array(0),
      ),
    );
    const rst = a.take().find((x) => x.tcp)?.tcp;
    expect(rst?.flags).toBe(RST | ACK);
    expect(rst?.ack).toBe(101);
  });
  test("garbage frames addressed to the gateway are ignored", () => {
    const { gw, a } = rig();
    for (let n = 0; n < 80; n++) {
      const f = new Uint8Array(n + 14);
      f.set(gw.mac, 0);
      f[12] = 0x08;
      f[14] = 0x45;
      a.send(f);
    }
    expect(a.take().length).toBe(0);
  });
});
