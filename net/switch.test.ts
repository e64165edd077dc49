import { describe, expect, test } from "bun:test";
import { Switch } from "./switch.ts";
import { ManualClock } from "../core/clock/testing/manual_clock.ts";
import { encodeEthernet, ETHERTYPE_IPV4 } from "./ethernet.ts";
import { parseMac, BROADCAST_MAC, macToString } from "./addr.ts";
import { FrameDecoder, encodeStreamFrame } from "./framing.ts";

const mac = (n: number) => parseMac(`52:54:00:00:00:${n.toString(16).padStart(2, "0")}`)!;
const frame = (dst: Uint8Array, src: Uint8Array, len = 46) => encodeEthernet(dst, src, ETHERTYPE_IPV4, new Uint8Array(len));

function rig(opts: { isolated?: number[]; mtu?: number } = {}) {
  const clock = new ClockBox();
  const sw = new Switch({ clock: clock.c, mtu: opts.mtu });
  const inbox: Uint8Array[][] = [[], [], [], []];
  const ports = [0, 1, 2].map((i) => sw.attach({ name: `vm${i}`, isolated: opts.isolated?.includes(i), send: (f) => inbox[i]!.push(f) }));
  const gw = sw.attach({ name: "gw", kind: "service", send: (f) => inbox[3]!.push(f) });
  return { sw, clock: clock.c, inbox, ports: [...ports, gw] };
}
class ClockBox {
  c = new ManualClock();
}

describe("switch", () => {
  test("an unknown unicast destination floods, then the reply is switched directly", () => {
    const { inbox, ports } = rig();
    ports[0]!.receive(frame(mac(2), mac(1)));
    expect(inbox.map((b) => b.length)).toEqual([0, 1, 1, 1]);
    ports[1]!.receive(frame(mac(1), mac(2)));
    expect(inbox.map((b) => b.length)).toEqual([1, 1, 1, 1]);
  });
  test("broadcast and multicast flood to every other port", () => {
    const { inbox, ports } = rig();
    ports[0]!.receive(frame(BROADCAST_MAC, mac(1)));
    ports[0]!.receive(frame(parseMac("01:00:5e:00:00:fb")!, mac(1)));
    expect(inbox.map((b) => b.length)).toEqual([0, 2, 2, 2]);
  });
  test("learned entries age out and the destination floods again", () => {
    const { inbox, ports, clock, sw } = rig();
    ports[1]!.receive(frame(BROADCAST_MAC, mac(2)));
    expect(sw.macTable().get(macToString(mac(2)))).toBe("vm1");
    clock.advance(301_000);
    expect(sw.macTable().size).toBe(0);
    inbox.forEach((b) => (b.length = 0));
    ports[0]!.receive(frame(mac(2), mac(1)));
    expect(inbox.map((b) => b.length)).toEqual([0, 1, 1, 1]);
  });
  test("isolated ports cannot reach neighbours but reach the gateway and hear it", () => {
    const { inbox, ports } = rig({ isolated: [0] });
    ports[0]!.receive(frame(BROADCAST_MAC, mac(1)));
    expect(inbox.map((b) => b.length)).toEqual([0, 0, 0, 1]);
    ports[1]!.receive(frame(mac(1), mac(2)));
    expect(inbox[0]!.length).toBe(0);
    ports[3]!.receive(frame(mac(1), mac(9)));
    expect(inbox[0]!.length).toBe(1);
    ports[1]!.receive(frame(BROADCAST_MAC, mac(2)));
    expect(inbox.map((b) => b.length)).toEqual([1, 0, 1, 2]);
  });
  test("frames above the segment MTU and runts are dropped and counted", () => {
    const { inbox, ports } = rig({ mtu: 1500 });
    ports[0]!.receive(frame(BROADCAST_MAC, mac(1), 1501));
    ports[0]!.receive(new Uint8Array(10));
    ports[0]!.receive(frame(BROADCAST_MAC, mac(1), 1500));
    expect(inbox[1]!.length).toBe(1);
    expect(ports[0]!.stats.rxDropped).toBe(2);
  });
  test("a detached port receives nothing and its MACs are forgotten", () => {
    const { inbox, ports, sw } = rig();
    ports[1]!.receive(frame(BROADCAST_MAC, mac(2)));
    ports[1]!.detach();
    expect(sw.macTable().has(macToString(mac(2)))).toBe(false);
    ports[0]!.receive(frame(mac(2), mac(1)));
    expect(inbox[1]!.length).toBe(0);
    expect(inbox[2]!.length).toBe(2);
  });
  test("the MAC table stays bounded under a flood of source addresses", () => {
    const clock = new ManualClock();
    const sw = new Switch({ clock, maxMacEntries: 64 });
    const p = sw.attach({ send: () => {} });
    for (let i = 0; i < 1000; i++) p.receive(frame(BROADCAST_MAC, Uint8Array.of(2, 0, 0, 0, i >> 8, i & 255)));
    expect(sw.macTable().size).toBe(64);
  });
});

describe("stream framing", () => {
  test("frames split and merged across chunks are reassembled", () => {
    const a = frame(mac(1), mac(2), 50);
    const b = frame(mac(3), mac(4), 10);
    const bytes = new Uint8Array([...encodeStreamFrame(a), ...encodeStreamFrame(b)]);
    for (const cut of [1, 3, 4, 5, 60, 68, 69, bytes.length - 1]) {
      const d = new FrameDecoder();
      const r1 = d.push(bytes.subarray(0, cut));
      const r2 = d.push(bytes.subarray(cut));
      expect(r1.ok && r2.ok).toBe(true);
      if (r1.ok && r2.ok) expect([...r1.frames, ...r2.frames].map((f) => f.length)).toEqual([a.length, b.length]);
      expect(d.buffered).toBe(0);
    }
  });
  test("an oversized length is an error naming the length, and it sticks", () => {
    const d = new FrameDecoder(1518);
    const r = d.push(Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 1, 2));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe("frame_too_large");
      expect(r.error.message).toContain("2147483647");
    }
    expect(d.push(encodeStreamFrame(frame(mac(1), mac(2)))).ok).toBe(false);
  });
  test("a length shorter than an Ethernet header is garbage", () => {
    const r = new FrameDecoder().push(Uint8Array.of(0, 0, 0, 0));
    expect(!r.ok && r.error.code).toBe("frame_too_short");
  });
});
