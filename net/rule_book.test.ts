import { describe, expect, test } from "bun:test";
import { parseCidr } from "./addr.ts";
import { DNS_ANCOUNT, DNS_FLAGS, encodeName } from "./dns_message.ts";
import { DnsServer } from "./dns_server.ts";
import { Gateway } from "./gateway.ts";
import { L3Filter } from "./l3_rules.ts";
import { RuleBook } from "./rule_book.ts";
import { ManualClock } from "../core/clock/testing/manual_clock.ts";

function query(name: string): Uint8Array {
  const n = encodeName(name)!;
  const q = new Uint8Array(12 + n.length + 4);
  q.set([0x12, 0x34, 1, 0, 0, 1], 0);
  q.set(n, 12);
  q.set([0, 1, 0, 1], 12 + n.length);
  return q;
}

/** "nx", "fwd", or the A records of the reply as dotted quads. */
function resolve(dns: DnsServer, name: string): string[] | "nx" | "fwd" {
  const out = dns.answer(query(name));
  if (!("reply" in out)) return "fwd";
  const r = out.reply;
  const v = new DataView(r.buffer, r.byteOffset);
  if ((v.getUint16(DNS_FLAGS) & 0xf) === 3) return "nx";
  const n = v.getUint16(DNS_ANCOUNT);
  const ips: string[] = [];
  for (let i = 0; i < n; i++) ips.unshift([...r.subarray(r.length - 4 * (i + 1), r.length - 4 * i)].join("."));
  return ips;
}

function book(dnsOn = true) {
  const clock = new ManualClock();
  const dns = dnsOn ? new DnsServer({ suffix: "vmlab.internal" }) : undefined;
  let next = 0;
  const l3 = new L3Filter({ clock, gateway: new Gateway({ clock, subnet: parseCidr("10.0.0.0/24")! }), segment: "lan" });
  return { dns, l3, rules: new RuleBook({ segment: "lan", dns, l3, nextId: () => next++ }) };
}

describe("RuleBook", () => {
  test("declared and run-time DNS rules get ids; an override beats a VM's own name; clearing restores it", () => {
    const { dns, rules } = book();
    dns!.setHost("dc01", "corp", [0x0a000005]);
    expect(rules.addRecord("srv.corp.test", "10.0.0.7", "segment")).toEqual({ ok: true, id: 0 });
    expect(rules.addSinkhole("*.telemetry.test", "zero", "lab")).toEqual({ ok: true, id: 1 });
    expect(resolve(dns!, "srv.corp.test")).toEqual(["10.0.0.7"]);
    expect(resolve(dns!, "x.telemetry.test")).toEqual(["0.0.0.0"]);
    const over = rules.addOverride("dc01.corp.vmlab.internal", "10.0.0.99");
    expect(over).toEqual({ ok: true, id: 2 });
    expect(resolve(dns!, "dc01.corp.vmlab.internal")).toEqual(["10.0.0.99"]);
    const sink = rules.addSinkhole("*.telemetry.test", "nxdomain", "runtime");
    expect(resolve(dns!, "x.telemetry.test")).toBe("nx"); // run-time sinkholes come first
    expect(rules.removeDns(2)).toBe(true);
    expect(rules.removeDns(2)).toBe(false);
    expect(resolve(dns!, "dc01.corp.vmlab.internal")).toEqual(["10.0.0.5"]);
    expect(sink.ok && rules.removeDns(sink.id)).toBe(true);
    expect(rules.removeDns(0)).toBe(true); // declared rules can go too
    expect(resolve(dns!, "srv.corp.test")).toBe("fwd");
    expect(rules.list()).toEqual([{ id: 1, kind: "dns_sinkhole", pattern: "*.telemetry.test", mode: "zero", origin: "lab" }]);
  });

  test("L3 rules are listed with origins beside DNS rules, in id order, and survive JSON", () => {
    const { rules } = book();
    rules.addBlock("192.0.2.0/24", "segment");
    rules.addRecord("a.test", "::1", "runtime");
    rules.addRedirect("10.0.0.1:80", "10.0.0.2:8080", "runtime", "tcp");
    rules.addBlock("10.0.0.9", "runtime", "icmp", 7);
    const list = rules.list();
    expect(list).toEqual([
      { id: 0, kind: "block", cidr: "192.0.2.0/24", hits: 0, origin: "segment" },
      { id: 1, kind: "dns_record", name: "a.test", ip: "::1", origin: "runtime" },
      { id: 2, kind: "redirect", from: "10.0.0.1:80", to: "10.0.0.2:8080", proto: "tcp", hits: 0, origin: "runtime" },
      { id: 3, kind: "block", cidr: "10.0.0.9/32", proto: "icmp", hits: 0, origin: "runtime" },
    ]);
    expect(JSON.parse(JSON.stringify(list))).toEqual(list);
    expect(rules.removeL3(2)).toBe(true);
    expect(rules.removeL3(1)).toBe(false); // a DNS id is not an L3 rule
  });

  test("bad rule text is refused as data naming the segment and the text", () => {
    const { rules } = book();
    const cases = [
      rules.addBlock("10.0.0.5/24", "runtime"),
      rules.addBlock("nonsense", "runtime"),
      rules.addBlock("10.0.0.5", "runtime", "tcp", 0),
      rules.addRedirect("10.0.0.1:99999", "10.0.0.2", "runtime"),
      rules.addRedirect("10.0.0.1", "10.0.0.2:80", "runtime"),
      rules.addOverride("bad name!", "10.0.0.1"),
      rules.addOverride("a..b", "10.0.0.1"),
      rules.addOverride("ok.test", "10.0.0.300"),
      rules.addSinkhole("", "nxdomain", "runtime"),
      rules.addSinkhole("x".repeat(70) + ".test", "nxdomain", "runtime"),
    ];
    for (const r of cases) {
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe("rule_invalid");
        expect(r.error.message).toContain("segment lan");
        expect(r.error.hint.length).toBeGreaterThan(0);
      }
    }
    expect(rules.list()).toEqual([]);
  });

  test("a segment without DNS refuses DNS rules but keeps L3 rules", () => {
    const { rules } = book(false);
    const r = rules.addOverride("a.test", "10.0.0.1");
    expect(r.ok ? "ok" : r.error.code).toBe("dns_disabled");
    expect(rules.addBlock("10.0.0.1", "runtime").ok).toBe(true);
  });
});
