import { describe, expect, test } from "bun:test";
import { parseCidr, parseIpv4Address } from "./addr.ts";
import { systemClock } from "../core/clock/mod.ts";
import { DNS_ANCOUNT, DNS_FLAGS, encodeName } from "./dns_message.ts";
import { Segment } from "./segment.ts";
import { FakeGuest } from "./testing/fake_guest.ts";
import { GuestTcp } from "./testing/guest_tcp.ts";
import { waitFor } from "../core/testing/wait.ts";

function dnsQuery(name: string, id = 0x1234): Uint8Array {
  const n = encodeName(name)!;
  const q = new Uint8Array(12 + n.length + 4);
  q.set([id >> 8, id & 0xff, 1, 0, 0, 1], 0);
  q.set(n, 12);
  q.set([0, 1, 0, 1], 12 + n.length);
  return q;
}

const framed = (m: Uint8Array) => {
  const out = new Uint8Array(2 + m.length);
  out[0] = m.length >> 8;
  out[1] = m.length & 0xff;
  out.set(m, 2);
  return out;
};

function rig() {
  const clock = systemClock();
  const records = Array.from({ length: 60 }, (_, i) => ({ name: "big.example", ip: `10.9.0.${i + 1}` }));
  const seg = new Segment({ name: "s", clock, subnet: parseCidr("10.0.2.0/24")!, dns: { records } });
  const guest = new FakeGuest(seg.switch, "52:54:00:12:34:56", parseIpv4Address("10.0.2.15")!);
  guest.arpRequest(seg.gateway.ip);
  guest.take();
  return { seg, guest, tcp: new GuestTcp(guest, seg.gateway.mac, clock) };
}

describe("dns over tcp at the gateway", () => {
  test("an answer too big for UDP arrives whole over TCP, and pipelined queries come back in order", async () => {
    const { seg, guest, tcp } = rig();
    guest.sendUdp(seg.gateway.mac, seg.gateway.ip, 5353, 53, dnsQuery("big.example"));
    const udp = guest.take().find((r) => r.udp?.srcPort === 53)!.udp!.payload;
    expect(udp[DNS_FLAGS]! & 0x02).toBe(0x02); // TC=1
    const c = tcp.connect(seg.gateway.ip, 53);
    const got: number[] = [];
    let fin = false;
    c.events.onData = (d) => (got.push(...d), true);
    c.events.onPeerFin = () => (fin = true);
    c.events.onEstablished = () => {
      c.write(framed(dnsQuery("big.example", 1)));
      c.write(framed(dnsQuery("nothing.vmlab.internal", 2)));
      c.end();
    };
    await waitFor("the server's FIN", () => fin);
    const buf = Uint8Array.from(got);
    const len1 = (buf[0]! << 8) | buf[1]!;
    const m1 = buf.subarray(2, 2 + len1);
    expect((m1[0]! << 8) | m1[1]!).toBe(1);
    expect(m1[DNS_FLAGS]! & 0x02).toBe(0);
    expect((m1[DNS_ANCOUNT]! << 8) | m1[DNS_ANCOUNT + 1]!).toBe(60);
    const m2 = buf.subarray(4 + len1);
    expect((m2[0]! << 8) | m2[1]!).toBe(2);
    expect(m2[DNS_FLAGS + 1]! & 0x0f).toBe(3); // NXDOMAIN
    seg.close();
  });

  test("a zero-length message resets the connection", async () => {
    const { seg, tcp } = rig();
    const c = tcp.connect(seg.gateway.ip, 53);
    let closed = "";
    c.events.onClose = (r) => (closed = r);
    c.events.onEstablished = () => c.write(Uint8Array.of(0, 0));
    await waitFor("the connection to close", () => closed !== "");
    expect(closed).toBe("reset");
  });
});
