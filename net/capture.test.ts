import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../core/clock/testing/manual_clock.ts";
import { parseIpv4Address, parseMac } from "./addr.ts";
import { encodeArp, ARP_REQUEST } from "./arp.ts";
import { startCapture } from "./capture.ts";
import { compileCaptureFilter } from "./capture_filter.ts";
import { encodeEthernet, ETHERTYPE_ARP } from "./ethernet.ts";
import { encodeIcmpFrame } from "./icmp.ts";
import { BT_EPB, BT_IDB, BT_SHB, BYTE_ORDER_MAGIC, enhancedPacket, interfaceDescription, readBlocks, sectionHeader } from "./pcapng.ts";
import { encodeUdpFrame } from "./udp.ts";
import { Switch } from "./switch.ts";

const mac = (n: number) => parseMac(`52:54:00:00:00:0${n}`) as Uint8Array;
const ip = (s: string) => parseIpv4Address(s) as number;
const ping = (from: number, to: number, type = 8) =>
  encodeIcmpFrame(
    { srcMac: mac(from), dstMac: mac(to), src: ip(`10.0.0.${from}`), dst: ip(`10.0.0.${to}`) },
    type,
    0,
    0x1234_0001,
    new Uint8Array(56).fill(0xab),
  );
const udp = (port: number) => encodeUdpFrame({ srcMac: mac(1), dstMac: mac(2), src: ip("10.0.0.1"), dst: ip("10.0.0.2") }, 40000, port, new Uint8Array(8));
const arp = () =>
  encodeEthernet(
    Uint8Array.of(255, 255, 255, 255, 255, 255),
    mac(1),
    ETHERTYPE_ARP,
    encodeArp({ op: ARP_REQUEST, senderMac: mac(1), senderIp: ip("10.0.0.1"), targetMac: new Uint8Array(6), targetIp: ip("10.0.0.2") }),
  );

const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Option `code` of an option list starting at `at` of `body`. */
function option(body: Uint8Array, at: number, code: number): Uint8Array | undefined {
  const v = dv(body);
  while (at + 4 <= body.byteLength) {
    const c = v.getUint16(at, true);
    const len = v.getUint16(at + 2, true);
    if (c === 0) return undefined;
    if (c === code) return body.subarray(at + 4, at + 4 + len);
    at += 4 + ((len + 3) & ~3);
  }
  return undefined;
}

function rig() {
  const sw = new Switch({ clock: new ManualClock() });
  const ports = [1, 2, 3].map((n) => sw.attach({ name: `vm${n}/0`, send: () => {} }));
  return { sw, ports };
}

async function captured(
  run: (sw: Switch, ports: ReturnType<typeof rig>["ports"]) => void,
  opts: Parameters<typeof startCapture>[1] extends infer O ? Partial<O> : never = {},
) {
  const { sw, ports } = rig();
  const chunks: Uint8Array[] = [];
  let t = 1_700_000_000_123_456_789n;
  const cap = startCapture(sw, { write: (c) => chunks.push(c), nowNs: () => t++, ...opts });
  run(sw, ports);
  await Promise.resolve();
  cap.stop();
  const bytes = Buffer.concat(chunks);
  return { bytes: new Uint8Array(bytes), chunks, cap, blocks: readBlocks(new Uint8Array(bytes)) ?? [] };
}

describe("pcapng blocks", () => {
  test("a section header is little-endian version 1.0 with an unknown section length", () => {
    const [shb] = readBlocks(sectionHeader()) ?? [];
    expect(shb?.type).toBe(BT_SHB);
    const v = dv(shb!.body);
    expect(v.getUint32(0, true)).toBe(BYTE_ORDER_MAGIC);
    expect([v.getUint16(4, true), v.getUint16(6, true)]).toEqual([1, 0]);
    expect(v.getBigInt64(8, true)).toBe(-1n);
  });

  test("an interface block names the port and declares nanosecond timestamps", () => {
    const [idb] = readBlocks(interfaceDescription("web/0", "lab/lan")) ?? [];
    expect(idb?.type).toBe(BT_IDB);
    expect(dv(idb!.body).getUint16(0, true)).toBe(1);
    expect(new TextDecoder().decode(option(idb!.body, 8, 2))).toBe("web/0");
    expect(new TextDecoder().decode(option(idb!.body, 8, 3))).toBe("lab/lan");
    expect([...(option(idb!.body, 8, 9) ?? [])]).toEqual([9]);
  });

  test("an enhanced packet block keeps the frame, its length, the 64-bit timestamp and the direction", () => {
    const frame = new Uint8Array(61).map((_, i) => i);
    const [epb] = readBlocks(enhancedPacket(3, 0x1_2345_6789n, frame, "outbound")) ?? [];
    expect(epb?.type).toBe(BT_EPB);
    const v = dv(epb!.body);
    expect(v.getUint32(0, true)).toBe(3);
    expect(v.getUint32(4, true)).toBe(1);
    expect(v.getUint32(8, true)).toBe(0x2345_6789);
    expect([v.getUint32(12, true), v.getUint32(16, true)]).toEqual([61, 61]);
    expect([...epb!.body.subarray(20, 81)]).toEqual([...frame]);
    expect(dv(option(epb!.body, 20 + 64, 2)!).getUint32(0, true)).toBe(2);
  });

  test("frames longer than the snap length are cut but keep their original length", () => {
    const [epb] = readBlocks(enhancedPacket(0, 0n, new Uint8Array(100), "inbound", 64)) ?? [];
    expect([dv(epb!.body).getUint32(12, true), dv(epb!.body).getUint32(16, true)]).toEqual([64, 100]);
  });

  test("broken framing reads as undefined, never a throw", () => {
    const good = sectionHeader();
    expect(readBlocks(good.subarray(0, good.byteLength - 2))).toBeUndefined();
    const bad = good.slice();
    bad[4] = 13;
    expect(readBlocks(bad)).toBeUndefined();
  });
});

describe("startCapture()", () => {
  test("records every frame once at ingress, one interface per port in order of appearance", async () => {
    const { blocks } = await captured((_sw, p) => {
      p[0]!.receive(ping(1, 2));
      p[1]!.receive(ping(2, 1, 0));
    });
    expect(blocks.map((b) => b.type)).toEqual([BT_SHB, BT_IDB, BT_EPB, BT_IDB, BT_EPB]);
    expect(new TextDecoder().decode(option(blocks[1]!.body, 8, 2))).toBe("vm1/0");
    expect(new TextDecoder().decode(option(blocks[3]!.body, 8, 2))).toBe("vm2/0");
    expect(dv(blocks[4]!.body).getUint32(0, true)).toBe(1);
    expect(dv(blocks[2]!.body).getUint32(8, true)).toBe(Number(1_700_000_000_123_456_789n & 0xffff_ffffn));
  });

  test("a burst of frames goes out as one chunk", async () => {
    const { chunks, cap } = await captured((_sw, p) => {
      for (let i = 0; i < 10; i++) p[0]!.receive(ping(1, 2));
    });
    expect(cap.frames).toBe(10);
    expect(chunks.length).toBe(1);
  });

  test("with a port selection both directions of those ports are recorded", async () => {
    const { blocks } = await captured(
      (_sw, p) => {
        p[0]!.receive(ping(1, 2)); // floods to vm2 and vm3: one egress on vm2
        p[1]!.receive(ping(2, 1, 0)); // ingress on vm2
        p[2]!.receive(ping(3, 1)); // neither from nor to vm2
      },
      { ports: (p) => p.name === "vm2/0" },
    );
    const epbs = blocks.filter((b) => b.type === BT_EPB);
    expect(epbs.length).toBe(2);
    const flags = epbs.map((b) => dv(option(b.body, 20 + ((dv(b.body).getUint32(12, true) + 3) & ~3), 2)!).getUint32(0, true));
    expect(flags).toEqual([2, 1]);
  });

  test("a filter narrows the capture", async () => {
    const f = compileCaptureFilter("icmp and host 10.0.0.2");
    if (!f.ok) throw new Error(f.message);
    const { cap } = await captured(
      (_sw, p) => {
        p[0]!.receive(ping(1, 2));
        p[0]!.receive(udp(53));
        p[2]!.receive(ping(3, 1));
      },
      { match: f.match },
    );
    expect(cap.frames).toBe(1);
  });

  test("stop removes the tap: later frames are not recorded, and the switch counts frames and drops", async () => {
    const { sw, ports } = rig();
    const chunks: Uint8Array[] = [];
    const cap = startCapture(sw, { write: (c) => chunks.push(c) });
    ports[0]!.receive(ping(1, 2));
    cap.stop();
    ports[0]!.receive(ping(1, 2));
    ports[0]!.receive(new Uint8Array(10));
    await Promise.resolve();
    expect(cap.frames).toBe(1);
    expect(sw.stats).toEqual({ frames: 3, dropped: 1 });
  });

  test("tcpdump reads the capture: the ICMP echo request and reply", async () => {
    const { bytes } = await captured((_sw, p) => {
      p[0]!.receive(ping(1, 2));
      p[1]!.receive(ping(2, 1, 0));
    });
    const dir = mkdtempSync(join(tmpdir(), "vmlab-pcap-"));
    try {
      const file = join(dir, "c.pcapng");
      writeFileSync(file, bytes);
      const r = Bun.spawnSync(["tcpdump", "-nn", "--time-stamp-precision=nano", "-r", file], { stdout: "pipe", stderr: "pipe" });
      const out = r.stdout.toString();
      expect(r.exitCode).toBe(0);
      expect(out).toContain("10.0.0.1 > 10.0.0.2: ICMP echo request");
      expect(out).toContain("10.0.0.2 > 10.0.0.1: ICMP echo reply");
      expect(out).toMatch(/^\d\d:\d\d:\d\d\.123456789 IP 10\.0\.0\.1 /m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("compileCaptureFilter()", () => {
  const m = (text: string, frame: Uint8Array): boolean => {
    const f = compileCaptureFilter(text);
    if (!f.ok) throw new Error(f.message);
    return f.match(frame);
  };

  test("protocol terms, and, or, not and parentheses combine as in tcpdump", () => {
    expect(m("", ping(1, 2))).toBe(true);
    expect(m("icmp", ping(1, 2))).toBe(true);
    expect(m("udp", ping(1, 2))).toBe(false);
    expect(m("udp port 53", udp(53))).toBe(true);
    expect(m("udp and dst port 54", udp(53))).toBe(false);
    expect(m("not arp", arp())).toBe(false);
    expect(m("arp and host 10.0.0.2", arp())).toBe(true);
    expect(m("(tcp or udp) and src host 10.0.0.1", udp(9))).toBe(true);
    expect(m("icmp or port 9", udp(9))).toBe(true);
    expect(m("ether src host 52:54:00:00:00:01", ping(1, 2))).toBe(true);
    expect(m("ether dst host 52:54:00:00:00:01", ping(1, 2))).toBe(false);
  });

  test("a bad filter is an error naming the token, never a throw", () => {
    for (const [text, token] of [
      ["icmpp", "icmpp"],
      ["host 10.0.0", "10.0.0"],
      ["port 70000", "70000"],
      ["(icmp", ""],
      ["icmp )", ")"],
      ["ether host zz", "zz"],
    ] as const) {
      const f = compileCaptureFilter(text);
      expect(f.ok).toBe(false);
      if (!f.ok) expect(f.token).toBe(token);
    }
  });
});
