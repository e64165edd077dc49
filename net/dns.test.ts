import { describe, expect, test } from "bun:test";
import { createSocket } from "node:dgram";
import { parseCidr, parseIpv4Address } from "./addr.ts";
import { encodeName, readName, DNS_ANCOUNT, DNS_FLAGS, RCODE_NXDOMAIN, RCODE_FORMERR, TC, TYPE_A, TYPE_AAAA, TYPE_PTR, TYPE_OPT } from "./dns_message.ts";
import { DnsServer, type DnsConfig } from "./dns_server.ts";
import { parseResolvConf, UdpDnsForwarder } from "./dns_upstream.ts";
import { seededBytes } from "./testing/bytes.ts";
import { fuzzIterations, fuzzTimeoutMs, mutate, Rng } from "./testing/fuzz.ts";

const FUZZ_N = fuzzIterations();
import { systemClock } from "../core/clock/mod.ts";

function query(name: string, type = TYPE_A, id = 0x4242, edns?: number): Uint8Array {
  const n = encodeName(name)!;
  const out = new Uint8Array(12 + n.byteLength + 4 + (edns ? 11 : 0));
  const v = new DataView(out.buffer);
  v.setUint16(0, id);
  v.setUint16(2, 0x0100);
  v.setUint16(4, 1);
  out.set(n, 12);
  v.setUint16(12 + n.byteLength, type);
  v.setUint16(14 + n.byteLength, 1);
  if (edns) {
    v.setUint16(10, 1);
    const at = 16 + n.byteLength;
    v.setUint16(at + 1, TYPE_OPT);
    v.setUint16(at + 3, edns);
  }
  return out;
}

/** Decodes the answers of a reply we produced (owner is always a pointer). */
function answers(reply: Uint8Array) {
  const v = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
  const rcode = v.getUint16(DNS_FLAGS) & 0xf;
  const n = v.getUint16(DNS_ANCOUNT);
  let at = readName(reply, 12)!.next + 4;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const type = v.getUint16(at + 2);
    const len = v.getUint16(at + 10);
    const data = reply.subarray(at + 12, at + 12 + len);
    out.push(type === TYPE_A ? [...data].join(".") : type === TYPE_PTR ? readName(reply, at + 12)!.name : `${type}:${len}`);
    at += 12 + len;
  }
  return { rcode, tc: (v.getUint16(DNS_FLAGS) & TC) !== 0, out };
}

function resolve(s: DnsServer, name: string, type = TYPE_A) {
  const r = s.answer(query(name, type));
  if (!("reply" in r)) return "forward" in r ? "forward" : "drop";
  return answers(r.reply);
}

const ip = (t: string) => parseIpv4Address(t)!;
function server(c: DnsConfig = {}) {
  const s = new DnsServer({ localSubnets: [parseCidr("10.0.0.0/24")!], ...c });
  s.setHost("web", "lab1", [ip("10.0.0.10")]);
  s.setHost("db", "lab1", [ip("10.0.0.11")]);
  s.setHost("db", "lab2", [ip("10.0.0.12")]);
  return s;
}

describe("dns server", () => {
  test("full and unambiguous short names resolve, ambiguous short names do not", () => {
    const s = server();
    expect(resolve(s, "web.lab1.vmlab.internal")).toEqual({ rcode: 0, tc: false, out: ["10.0.0.10"] });
    expect(resolve(s, "WEB.vmlab.internal.")).toEqual({ rcode: 0, tc: false, out: ["10.0.0.10"] });
    expect(resolve(s, "db.lab2.vmlab.internal")).toEqual({ rcode: 0, tc: false, out: ["10.0.0.12"] });
    expect(resolve(s, "db.vmlab.internal")).toEqual({ rcode: RCODE_NXDOMAIN, tc: false, out: [] });
  });
  test("a known name asked for AAAA is NODATA, an unknown name under the suffix is NXDOMAIN", () => {
    const s = server();
    expect(resolve(s, "web.lab1.vmlab.internal", TYPE_AAAA)).toEqual({ rcode: 0, tc: false, out: [] });
    expect(resolve(s, "nope.vmlab.internal")).toEqual({ rcode: RCODE_NXDOMAIN, tc: false, out: [] });
  });
  test("static records with wildcards, exact before wildcard, AAAA supported", () => {
    const s = server({
      records: [
        { name: "*.corp.test", ip: "10.0.0.50" },
        { name: "srv.corp.test", ip: "10.0.0.5" },
        { name: "v6.corp.test", ip: "fd00::1" },
      ],
    });
    expect(resolve(s, "srv.corp.test")).toMatchObject({ out: ["10.0.0.5"] });
    expect(resolve(s, "a.b.corp.test")).toMatchObject({ out: ["10.0.0.50"] });
    expect(resolve(s, "corp.test")).toBe("forward");
    expect(resolve(s, "v6.corp.test", TYPE_AAAA)).toMatchObject({ out: [`${TYPE_AAAA}:16`] });
  });
  test("sinkholes answer NXDOMAIN or zero addresses", () => {
    const s = server({ sinkholes: [{ pattern: "*.telemetry.com" }, { pattern: "ads.example", mode: "zero" }] });
    expect(resolve(s, "x.telemetry.com")).toMatchObject({ rcode: RCODE_NXDOMAIN });
    expect(resolve(s, "ads.example")).toMatchObject({ rcode: 0, out: ["0.0.0.0"] });
  });
  test("PTR answers for registered hosts and NXDOMAIN for unknown local addresses", () => {
    const s = server();
    expect(resolve(s, "10.0.0.10.in-addr.arpa", TYPE_PTR)).toMatchObject({ out: ["web.lab1.vmlab.internal"] });
    expect(resolve(s, "99.0.0.10.in-addr.arpa", TYPE_PTR)).toMatchObject({ rcode: RCODE_NXDOMAIN });
    expect(resolve(s, "8.8.8.8.in-addr.arpa", TYPE_PTR)).toBe("forward");
  });
  test("other names are forwarded", () => {
    expect(resolve(server(), "example.com")).toBe("forward");
  });
  test("replies too big for UDP are truncated, and the EDNS size is honoured", () => {
    const s = new DnsServer({ records: Array.from({ length: 40 }, (_, i) => ({ name: "many.test", ip: `10.1.0.${i}` })) });
    const small = s.answer(query("many.test"));
    expect("reply" in small && answers(small.reply)).toMatchObject({ tc: true, out: [] });
    const big = s.answer(query("many.test", TYPE_A, 1, 4096));
    expect("reply" in big && answers(big.reply).out.length).toBe(40);
    const tcp = s.answer(query("many.test"), "tcp");
    expect("reply" in tcp && answers(tcp.reply).out.length).toBe(40);
  });
  test("compression loops, forward pointers and over-long names are refused", () => {
    const loop = Uint8Array.of(0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1);
    expect(readName(loop, 12)).toBeUndefined();
    const r = server().answer(loop);
    expect("reply" in r && answers2rcode(r.reply)).toBe(RCODE_FORMERR);
    const twoStep = Uint8Array.of(1, 0x61, 0xc0, 2);
    expect(readName(twoStep, 0)).toBeUndefined();
    const long = new Uint8Array(70_000);
    for (let i = 0; i + 64 < long.length; i += 64) long[i] = 63;
    expect(readName(long, 0)).toBeUndefined();
    expect(encodeName("a".repeat(64) + ".x")).toBeUndefined();
  });
  test("a legal backward pointer is followed", () => {
    const b = Uint8Array.of(3, 0x66, 0x6f, 0x6f, 0, 3, 0x62, 0x61, 0x72, 0xc0, 0);
    expect(readName(b, 5)).toEqual({ name: "bar.foo", next: 11 });
  });
  test(
    `${FUZZ_N} random, truncated and mutated queries never throw (fuzz)`,
    () => {
      const rnd = seededBytes(99);
      const rng = new Rng(99);
      const s = server();
      const base = query("web.lab1.vmlab.internal");
      for (let i = 0; i < FUZZ_N; i++) {
        let b = i % 2 ? rnd(i % 300) : base.slice(0, i % base.length);
        if (i % 3 === 0 && b.length > 6) b.set([0, 1], 4);
        if (i % 5 === 0) b = mutate(base, rng);
        s.answer(b);
      }
    },
    fuzzTimeoutMs(FUZZ_N),
  );
});

function answers2rcode(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset).getUint16(DNS_FLAGS) & 0xf;
}

describe("upstream forwarder", () => {
  test("resolv.conf nameservers are read, IPv6 ones skipped", () => {
    expect(parseResolvConf("# c\nnameserver 1.1.1.1\nnameserver ::1\n nameserver 9.9.9.9 \nsearch x")).toEqual(["1.1.1.1", "9.9.9.9"]);
  });
  test("a query is relayed to the upstream and the client's ID restored", async () => {
    const up = createSocket("udp4");
    up.on("message", (m, r) => {
      const reply = Buffer.from(m);
      reply[2] = 0x81;
      up.send(reply, r.port, r.address);
    });
    await new Promise<void>((res) => up.bind(0, "127.0.0.1", res));
    const f = new UdpDnsForwarder({ clock: systemClock(), servers: [{ host: "127.0.0.1", port: up.address().port }] });
    try {
      const r = await f.forward(query("example.com", TYPE_A, 0xbeef));
      expect(r && (r[0]! << 8) | r[1]!).toBe(0xbeef);
      expect(r?.[2]).toBe(0x81);
    } finally {
      f.close();
      up.close();
    }
  });
  test("a silent upstream times out to undefined", async () => {
    const up = createSocket("udp4");
    await new Promise<void>((res) => up.bind(0, "127.0.0.1", res));
    const f = new UdpDnsForwarder({ clock: systemClock(), timeoutMs: 50, servers: [{ host: "127.0.0.1", port: up.address().port }] });
    try {
      expect(await f.forward(query("example.com"))).toBeUndefined();
    } finally {
      f.close();
      up.close();
    }
  });
});
