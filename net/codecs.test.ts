import { describe, expect, test } from "bun:test";
import { parseMac, macToString, parseIpv4Address, ipv4ToString, parseCidr, cidrContains, cidrOverlaps, isGroupMac } from "./addr.ts";
import { parseEthernet, encodeEthernet, ETHERTYPE_ARP, ETH_HEADER_LEN } from "./ethernet.ts";
import { parseArp, encodeArp, ARP_REQUEST } from "./arp.ts";
import { parseIpv4, parseIpv4Checked, IP_FLAGS_FRAG, IP_VER_IHL, IP_CSUM } from "./ipv4.ts";
import { parseIcmp, encodeIcmpFrame, ICMP_ECHO_REQUEST } from "./icmp.ts";
import { parseUdp, encodeUdpFrame } from "./udp.ts";
import { parseTcp, encodeTcpFrame, parseTcpOptions, SYN, ACK } from "./tcp.ts";
import { sum16, finish } from "./checksum.ts";
import { seededBytes } from "./testing/bytes.ts";
import { fuzzIterations, fuzzTimeoutMs, mutate, Rng } from "./testing/fuzz.ts";

const A = parseMac("52:54:00:00:00:0a")!;
const B = parseMac("52:54:00:00:00:0b")!;
const IPA = parseIpv4Address("10.0.0.10")!;
const IPB = parseIpv4Address("10.0.0.1")!;
const hdr = { srcMac: A, dstMac: B, src: IPA, dst: IPB };

function ipOf(frame: Uint8Array) {
  return parseIpv4(frame.subarray(ETH_HEADER_LEN))!;
}

describe("addresses", () => {
  test("MACs and IPv4 addresses round-trip and reject junk", () => {
    expect(macToString(A)).toBe("52:54:00:00:00:0a");
    expect(parseMac("52:54:00:00:00")).toBeUndefined();
    expect(parseMac("zz:54:00:00:00:00")).toBeUndefined();
    expect(ipv4ToString(IPA)).toBe("10.0.0.10");
    expect(parseIpv4Address("10.0.0.256")).toBeUndefined();
    expect(parseIpv4Address("1.2.3")).toBeUndefined();
    expect(isGroupMac(parseMac("01:00:5e:00:00:01")!)).toBe(true);
    expect(isGroupMac(A)).toBe(false);
  });
  test("CIDRs require zero host bits and answer containment and overlap", () => {
    const c = parseCidr("10.0.0.0/24")!;
    expect(cidrContains(c, IPA)).toBe(true);
    expect(cidrContains(c, parseIpv4Address("10.0.1.1")!)).toBe(false);
    expect(parseCidr("10.0.0.1/24")).toBeUndefined();
    expect(parseCidr("10.0.0.0/33")).toBeUndefined();
    expect(cidrOverlaps(c, parseCidr("10.0.0.0/16")!)).toBe(true);
    expect(cidrOverlaps(c, parseCidr("10.0.1.0/24")!)).toBe(false);
  });
});

describe("ethernet and arp", () => {
  test("an ARP request survives encode and parse", () => {
    const arp = encodeArp({ op: ARP_REQUEST, senderMac: A, senderIp: IPA, targetMac: new Uint8Array(6), targetIp: IPB });
    const f = parseEthernet(encodeEthernet(B, A, ETHERTYPE_ARP, arp))!;
    expect(f.type).toBe(ETHERTYPE_ARP);
    expect(macToString(f.src)).toBe("52:54:00:00:00:0a");
    const p = parseArp(f.payload)!;
    expect(p.op).toBe(ARP_REQUEST);
    expect(p.targetIp).toBe(IPB);
  });
  test("short frames and non-IPv4 ARP are refused", () => {
    expect(parseEthernet(new Uint8Array(13))).toBeUndefined();
    expect(parseArp(new Uint8Array(27))).toBeUndefined();
    const arp = encodeArp({ op: 1, senderMac: A, senderIp: IPA, targetMac: A, targetIp: IPB });
    arp[5] = 16; // PLEN for IPv6
    expect(parseArp(arp)).toBeUndefined();
  });
});

describe("ipv4", () => {
  const frame = encodeUdpFrame(hdr, 1000, 53, new Uint8Array([1, 2, 3]));
  const ip = frame.slice(ETH_HEADER_LEN);
  test("a built packet has a valid header checksum and parses", () => {
    expect(finish(sum16(ip, 0, 20))).toBe(0);
    const p = parseIpv4(ip)!;
    expect(p.src).toBe(IPA);
    expect(p.payload.byteLength).toBe(11);
  });
  test("trailing Ethernet padding is ignored", () => {
    const padded = new Uint8Array(ip.byteLength + 20);
    padded.set(ip);
    expect(parseIpv4(padded)!.payload.byteLength).toBe(11);
  });
  test("bogus IHL, bad checksum, truncation and fragments are rejected with a reason", () => {
    const bad = (mut: (b: Uint8Array) => void) => {
      const b = ip.slice();
      mut(b);
      return parseIpv4Checked(b);
    };
    expect(bad((b) => (b[IP_VER_IHL] = 0x44))).toBe("ihl");
    expect(bad((b) => (b[IP_VER_IHL] = 0x4f))).toBe("ihl");
    expect(bad((b) => (b[IP_VER_IHL] = 0x65))).toBe("version");
    expect(bad((b) => (b[IP_CSUM] = (b[IP_CSUM] ?? 0) ^ 1))).toBe("checksum");
    expect(parseIpv4Checked(ip.subarray(0, 25))).toBe("length");
    expect(parseIpv4Checked(ip.subarray(0, 10))).toBe("truncated");
    const frag = ip.slice();
    const v = new DataView(frag.buffer);
    v.setUint16(IP_FLAGS_FRAG, 0x2000);
    v.setUint16(IP_CSUM, 0);
    v.setUint16(IP_CSUM, finish(sum16(frag, 0, 20)));
    expect(parseIpv4Checked(frag)).toBe("fragment");
  });
});

describe("udp and icmp", () => {
  test("UDP checksums verify and a flipped payload bit is caught", () => {
    const f = encodeUdpFrame(hdr, 1000, 53, new TextEncoder().encode("hello"));
    const d = parseUdp(ipOf(f))!;
    expect(d.dstPort).toBe(53);
    expect(new TextDecoder().decode(d.payload)).toBe("hello");
    f[f.byteLength - 1] = (f[f.byteLength - 1] ?? 0) ^ 0x40;
    expect(parseUdp(ipOf(f))).toBeUndefined();
  });
  test("a UDP length field past the packet is refused", () => {
    const f = encodeUdpFrame(hdr, 1, 2, new Uint8Array(4));
    new DataView(f.buffer).setUint16(ETH_HEADER_LEN + 20 + 4, 400);
    expect(parseUdp(ipOf(f))).toBeUndefined();
  });
  test("ICMP echo round-trips", () => {
    const f = encodeIcmpFrame(hdr, ICMP_ECHO_REQUEST, 0, (7 << 16) | 9, new Uint8Array([9, 9]));
    const m = parseIcmp(ipOf(f).payload)!;
    expect([m.type, m.id, m.seq, m.data.byteLength]).toEqual([ICMP_ECHO_REQUEST, 7, 9, 2]);
  });
});

describe("tcp", () => {
  test("options survive encode and parse", () => {
    const f = encodeTcpFrame(
      hdr,
      {
        srcPort: 1,
        dstPort: 2,
        seq: 0xfffffff0,
        ack: 5,
        flags: SYN | ACK,
        window: 1000,
        options: { mss: 1460, wscale: 7, sackPermitted: true, timestamp: { value: 1, echo: 2 } },
      },
      new Uint8Array(0),
    );
    const s = parseTcp(ipOf(f))!;
    expect(s.seq).toBe(0xfffffff0);
    expect(s.flags).toBe(SYN | ACK);
    expect(s.options).toEqual({ mss: 1460, wscale: 7, sackPermitted: true, timestamp: { value: 1, echo: 2 } });
    expect(s.optionsMalformed).toBe(false);
  });
  test("zero-length, overlong and truncated options stop parsing without throwing", () => {
    expect(parseTcpOptions(Uint8Array.of(2, 0, 5, 0xb4)).malformed).toBe(true);
    expect(parseTcpOptions(Uint8Array.of(1, 2, 40, 5)).malformed).toBe(true);
    expect(parseTcpOptions(Uint8Array.of(1, 1, 3)).malformed).toBe(true);
    const partial = parseTcpOptions(Uint8Array.of(2, 4, 5, 0xb4, 3, 1));
    expect(partial).toEqual({ options: { mss: 1460 }, malformed: true });
    expect(parseTcpOptions(Uint8Array.of(3, 3, 30)).options.wscale).toBe(14);
  });
  test("a data offset past the packet is refused", () => {
    const f = encodeTcpFrame(hdr, { srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: ACK, window: 0 }, new Uint8Array(0));
    f[ETH_HEADER_LEN + 20 + 12] = 0xf0;
    expect(parseTcp(ipOf(f))).toBeUndefined();
  });
});

const FUZZ_N = fuzzIterations();

test(
  `every parser survives ${FUZZ_N} random, truncated and mutated buffers (fuzz)`,
  () => {
    const rnd = seededBytes(42);
    const rng = new Rng(42);
    const base = encodeTcpFrame(hdr, { srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: ACK, window: 0, options: { mss: 1 } }, new Uint8Array(30));
    for (let i = 0; i < FUZZ_N; i++) {
      const junk = i % 3 === 2 ? mutate(base, rng) : i % 2 ? rnd(i % 120) : base.slice(0, i % base.byteLength);
      if (i % 3 === 0 && junk.byteLength > ETH_HEADER_LEN) junk[ETH_HEADER_LEN] = 0x45;
      const eth = parseEthernet(junk);
      parseArp(junk);
      const ip = eth && parseIpv4(eth.payload);
      if (ip) {
        parseTcp(ip);
        parseUdp(ip);
        parseIcmp(ip.payload);
      }
      parseTcpOptions(junk);
    }
  },
  fuzzTimeoutMs(FUZZ_N),
);

test("sum16's 32-bit fast path equals the byte-pair definition at every offset and length", () => {
  const ref = (b: Uint8Array, start: number, end: number): number => {
    let s = 0;
    let i = start;
    for (; i < end - 1; i += 2) s += (b[i]! << 8) | b[i + 1]!;
    if (i < end) s += b[i]! << 8;
    return finish(s);
  };
  const big = new Uint8Array(70_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  for (let k = 0; k < 3000; k++) {
    const off = (k * 7) % 13;
    const start = (k * 31) % 200;
    const view = big.subarray(off, Math.min(big.length, off + start + ((k * 977) % 66_000) + 10));
    const end = Math.min(view.length, start + ((k * 977) % 66_000));
    expect(finish(sum16(view, start, end))).toBe(ref(view, start, end));
  }
  const ones = new Uint8Array(65_536).fill(0xff);
  expect(finish(sum16(ones, 0, ones.length))).toBe(ref(ones, 0, ones.length));
});
