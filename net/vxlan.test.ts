import { describe, expect, test } from "bun:test";
import { createSocket } from "node:dgram";
import { ManualClock } from "../core/clock/testing/manual_clock.ts";
import { BROADCAST_MAC, parseMac } from "./addr.ts";
import { encodeEthernet, ETHERTYPE_IPV4 } from "./ethernet.ts";
import { Switch } from "./switch.ts";
import { encodeVxlan, parseVxlan, VXLAN_HEADER_LEN } from "./vxlan.ts";
import { startVxlanLink } from "./vxlan_link.ts";
import { fuzzIterations, fuzzTimeoutMs, mutate, Rng } from "./testing/fuzz.ts";

const frame = encodeEthernet(BROADCAST_MAC, parseMac("52:54:00:00:03:01")!, ETHERTYPE_IPV4, new Uint8Array(46).fill(5));

describe("VXLAN codec (RFC 7348 §5)", () => {
  test("the header carries the I flag and the 24-bit VNI; the frame follows", () => {
    const d = encodeVxlan(0xabcdef, frame);
    expect([...d.subarray(0, VXLAN_HEADER_LEN)]).toEqual([0x08, 0, 0, 0, 0xab, 0xcd, 0xef, 0]);
    expect(parseVxlan(d)).toEqual({ vni: 0xabcdef, frame });
  });

  test("without the I flag, or shorter than a header and an Ethernet header, it is not VXLAN", () => {
    const d = encodeVxlan(1, frame);
    d[0] = 0;
    expect(parseVxlan(d)).toBeUndefined();
    expect(parseVxlan(encodeVxlan(1, frame.subarray(0, 13)))).toBeUndefined();
  });

  test("reserved bits are ignored on receipt", () => {
    const d = encodeVxlan(7, frame);
    d[0] = 0xff;
    d[1] = d[7] = 0xff;
    expect(parseVxlan(d)?.vni).toBe(7);
  });
});

describe("VXLAN link", () => {
  test("frames go out encapsulated to the remote; datagrams from it with our VNI come in; others are dropped", async () => {
    const sw = new Switch({ clock: new ManualClock() });
    const got: Uint8Array[] = [];
    const guest = sw.attach({ name: "a/0", send: (f) => got.push(f) });
    const peer = createSocket("udp4");
    await new Promise<void>((r) => peer.bind(0, "127.0.0.1", () => r()));
    const peerPort = peer.address().port;
    const probe = createSocket("udp4");
    await new Promise<void>((r) => probe.bind(0, "127.0.0.1", () => r()));
    const localPort = probe.address().port;
    await new Promise<void>((r) => probe.close(() => r()));
    const link = await startVxlanLink(sw, { remote: "127.0.0.1", remotePort: peerPort, vni: 42, localPort, localAddress: "127.0.0.1" });
    try {
      const out = new Promise<Uint8Array>((r) => peer.once("message", (m) => r(new Uint8Array(m))));
      guest.receive(frame);
      expect(parseVxlan(await out)).toEqual({ vni: 42, frame });
      peer.send(encodeVxlan(43, frame), localPort, "127.0.0.1");
      peer.send(encodeVxlan(42, frame), localPort, "127.0.0.1");
      for (let i = 0; i < 100 && got.length === 0; i++) await Bun.sleep(5);
      expect(got).toEqual([frame]);
      expect(link.stats).toMatchObject({ sent: 1, received: 1, dropped: 1 });
      await expect(startVxlanLink(sw, { remote: "127.0.0.1", vni: 1, localPort, localAddress: "127.0.0.1" })).rejects.toThrow();
    } finally {
      link.close();
      peer.close();
    }
  });
});

const FUZZ_N = fuzzIterations();

test(
  `the VXLAN decoder survives ${FUZZ_N} mutated datagrams (fuzz)`,
  () => {
    const rng = new Rng(7348);
    const base = encodeVxlan(42, frame);
    let ok = 0;
    for (let i = 0; i < FUZZ_N; i++) {
      const v = parseVxlan(i % 5 === 0 ? rng.bytes(rng.below(80)) : mutate(base, rng, 2048));
      if (v) {
        expect(v.vni).toBeLessThanOrEqual(0xffffff);
        expect(v.frame.byteLength).toBeGreaterThanOrEqual(14);
        ok++;
      }
    }
    expect(ok).toBeGreaterThan(0);
  },
  fuzzTimeoutMs(FUZZ_N, 0.05),
);
