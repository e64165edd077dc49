/**
 * The rule book of one segment: every DNS and L3 rule with its id, declared or added
 * at run time (PRD §9.9, entity_seg_api.md).
 *
 * Contract:
 *  - Ids come from the injected `nextId` (the lab shares one counter, so an id names
 *    one rule lab-wide); they are ≥ 0 and never reused.
 *  - DNS: `addRecord` (declared `record {}`), `addOverride` (`seg.dns_set`: beats
 *    auto-registered VM names), `addSinkhole` (declared `sinkhole {}` and
 *    `seg.dns_sinkhole`, always NXDOMAIN at run time). Run-time sinkholes are
 *    consulted before declared ones. `removeDns(id)` removes any DNS rule, declared or
 *    not. A segment with DNS disabled refuses DNS rules (`dns_disabled`).
 *  - L3: `addBlock` / `addRedirect` take the rule text as written (CIDR or bare IP;
 *    "ip[:port]"), `removeL3(id)` removes either kind. Enforcement is the `L3Filter`.
 *  - Every method returns data: `{ ok: true, id }` or `{ ok: false, error }` with a
 *    `code`, a message naming the segment and the offending text, and a hint. Nothing
 *    throws on bad input.
 *  - `list()` is JSON-serialisable: `{ id, kind, origin, … }` sorted by id.
 */
import { parseIpv4Address } from "./addr.ts";
import { encodeName } from "./dns_message.ts";
import { parseIpv6, type DnsRecord, type DnsServer } from "./dns_server.ts";
import { parseBlockTarget, parseEndpoint, type L3Filter, type L3Proto, type L3RuleInfo } from "./l3_rules.ts";

/** Where a rule came from. */
export type RuleOrigin = "segment" | "lab" | "runtime";

/** A DNS rule as listed. */
export type DnsRuleInfo =
  | { id: number; kind: "dns_record"; name: string; ip: string; origin: RuleOrigin }
  | { id: number; kind: "dns_override"; name: string; ip: string; origin: RuleOrigin }
  | { id: number; kind: "dns_sinkhole"; pattern: string; mode: "nxdomain" | "zero"; origin: RuleOrigin };

/** Any rule of the book as listed. */
export type RuleInfo = DnsRuleInfo | (L3RuleInfo & { origin: RuleOrigin });

/** A refused rule, as data. */
export interface RuleError {
  code: "rule_invalid" | "dns_disabled";
  message: string;
  hint: string;
}

/** Outcome of adding a rule. */
export type RuleResult = { ok: true; id: number } | { ok: false; error: RuleError };

/** The rules a segment declares (and the lab's DNS rules it inherits), as plain data. */
export interface DeclaredRules {
  records?: readonly { name: string; ip: string }[];
  sinkholes?: readonly { pattern: string; mode: "nxdomain" | "zero" }[];
  labRecords?: readonly { name: string; ip: string }[];
  labSinkholes?: readonly { pattern: string; mode: "nxdomain" | "zero" }[];
  block?: readonly { cidr: string; proto?: L3Proto; port?: number }[];
  redirect?: readonly { from: string; to: string; proto?: "tcp" | "udp" }[];
}

/** Options of a `RuleBook`. */
export interface RuleBookOptions {
  segment: string;
  /** The segment's resolver; undefined when DNS is disabled there. */
  dns: DnsServer | undefined;
  l3: L3Filter;
  nextId: () => number;
}

/** Rules of one segment. */
export class RuleBook {
  readonly #o: RuleBookOptions;
  #dns: DnsRuleInfo[] = [];
  readonly #l3Origin = new Map<number, RuleOrigin>();

  constructor(o: RuleBookOptions) {
    this.#o = o;
  }

  /**
   * Adds the declared rules in order — segment DNS rules before the lab's (so ids
   * follow declaration order), then blocks, then redirects — and returns the errors of
   * the ones refused (validation should have caught them). DNS rules are skipped
   * silently on a segment without DNS.
   */
  declare(d: DeclaredRules): RuleError[] {
    const out: RuleResult[] = [];
    if (this.#o.dns) {
      for (const r of d.records ?? []) out.push(this.addRecord(r.name, r.ip, "segment"));
      for (const r of d.labRecords ?? []) out.push(this.addRecord(r.name, r.ip, "lab"));
      for (const k of d.sinkholes ?? []) out.push(this.addSinkhole(k.pattern, k.mode, "segment"));
      for (const k of d.labSinkholes ?? []) out.push(this.addSinkhole(k.pattern, k.mode, "lab"));
    }
    for (const b of d.block ?? []) out.push(this.addBlock(b.cidr, "segment", b.proto, b.port));
    for (const r of d.redirect ?? []) out.push(this.addRedirect(r.from, r.to, "segment", r.proto));
    return out.flatMap((r) => (r.ok ? [] : [r.error]));
  }

  /** A static record (`record {}`): name (wildcards OK) → IPv4 or IPv6 address. */
  addRecord(name: string, ip: string, origin: RuleOrigin): RuleResult {
    return this.#addName("dns_record", name, ip, origin);
  }

  /** A run-time override (`seg.dns_set`): answered before VM names and records. */
  addOverride(name: string, ip: string, origin: RuleOrigin = "runtime"): RuleResult {
    return this.#addName("dns_override", name, ip, origin);
  }

  /** A sinkhole (`sinkhole {}`, `seg.dns_sinkhole`). */
  addSinkhole(pattern: string, mode: "nxdomain" | "zero", origin: RuleOrigin): RuleResult {
    const bad = this.#dnsUsable() ?? checkName(this.#o.segment, pattern);
    if (bad) return { ok: false, error: bad };
    const id = this.#o.nextId();
    this.#dns.push({ id, kind: "dns_sinkhole", pattern: pattern.trim(), mode, origin });
    this.#syncDns();
    return { ok: true, id };
  }

  /** Removes DNS rule `id`; false if this segment has none by that id. */
  removeDns(id: number): boolean {
    const n = this.#dns.length;
    this.#dns = this.#dns.filter((r) => r.id !== id);
    if (this.#dns.length === n) return false;
    this.#syncDns();
    return true;
  }

  /** A block rule: `target` is a CIDR or a bare IPv4 address. */
  addBlock(target: string, origin: RuleOrigin, proto?: L3Proto, port?: number): RuleResult {
    const seg = this.#o.segment;
    const cidr = parseBlockTarget(target);
    if (!cidr)
      return invalid(`Cannot block "${target}" on segment ${seg}: not an IPv4 address or CIDR with zero host bits`, 'write "10.0.0.5" or "10.0.0.0/24"');
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))
      return invalid(`Cannot block port ${port} on segment ${seg}: ports are 1–65535`, "pick a port between 1 and 65535");
    const id = this.#o.nextId();
    this.#o.l3.addBlock(id, { cidr, ...(proto ? { proto } : {}), ...(port !== undefined && proto !== "icmp" ? { port } : {}) });
    this.#l3Origin.set(id, origin);
    return { ok: true, id };
  }

  /** A redirect (DNAT) rule: "ip[:port]" → "ip[:port]". */
  addRedirect(from: string, to: string, origin: RuleOrigin, proto?: "tcp" | "udp"): RuleResult {
    const seg = this.#o.segment;
    const f = parseEndpoint(from);
    const t = parseEndpoint(to);
    if (!f || !t)
      return invalid(
        `Cannot redirect "${from}" → "${to}" on segment ${seg}: ${!f ? `"${from}"` : `"${to}"`} is not "ip" or "ip:port"`,
        'write "10.0.0.1:80" or "10.0.0.1"',
      );
    if (f.port === undefined && t.port !== undefined)
      return invalid(`Cannot redirect "${from}" → "${to}" on segment ${seg}: a target port needs a source port`, "give both ports, or neither");
    const id = this.#o.nextId();
    this.#o.l3.addRedirect(id, { from: f, to: t, ...(proto ? { proto } : {}) });
    this.#l3Origin.set(id, origin);
    return { ok: true, id };
  }

  /** Removes block or redirect rule `id`; false if this segment has none by that id. */
  removeL3(id: number): boolean {
    if (!this.#o.l3.remove(id)) return false;
    this.#l3Origin.delete(id);
    return true;
  }

  /** Every rule, by id. */
  list(): RuleInfo[] {
    const l3 = this.#o.l3.list().map((r): RuleInfo => ({ ...r, origin: this.#l3Origin.get(r.id) ?? "runtime" }));
    return [...this.#dns, ...l3].sort((a, b) => a.id - b.id);
  }

  #addName(kind: "dns_record" | "dns_override", name: string, ip: string, origin: RuleOrigin): RuleResult {
    const bad = this.#dnsUsable() ?? checkName(this.#o.segment, name);
    if (bad) return { ok: false, error: bad };
    if (parseIpv4Address(ip) === undefined && !(ip.includes(":") && parseIpv6(ip))) {
      return invalid(
        `Cannot add DNS name ${name} on segment ${this.#o.segment}: "${ip}" is not an IPv4 or IPv6 address`,
        'write an address such as "10.0.0.5"',
      );
    }
    const id = this.#o.nextId();
    this.#dns.push({ id, kind, name: name.trim(), ip: ip.trim(), origin });
    this.#syncDns();
    return { ok: true, id };
  }

  #dnsUsable(): RuleError | undefined {
    if (this.#o.dns) return undefined;
    return {
      code: "dns_disabled",
      message: `Cannot change DNS rules of segment ${this.#o.segment}: its DNS service is disabled`,
      hint: "remove dns { enabled = false } from the segment",
    };
  }

  /** Pushes the DNS rules into the resolver: run-time sinkholes first, then declared. */
  #syncDns(): void {
    const dns = this.#o.dns;
    if (!dns) return;
    const records: DnsRecord[] = [];
    const overrides: DnsRecord[] = [];
    const sinks = this.#dns
      .filter((r): r is Extract<DnsRuleInfo, { kind: "dns_sinkhole" }> => r.kind === "dns_sinkhole")
      .sort((a, b) => Number(b.origin === "runtime") - Number(a.origin === "runtime"));
    for (const r of this.#dns) {
      if (r.kind === "dns_record") records.push({ name: r.name, ip: r.ip });
      else if (r.kind === "dns_override") overrides.push({ name: r.name, ip: r.ip });
    }
    dns.setRecords(records);
    dns.setOverrides(overrides);
    dns.setSinkholes(sinks.map((s) => ({ pattern: s.pattern, mode: s.mode })));
  }
}

function invalid(message: string, hint: string): RuleResult {
  return { ok: false, error: { code: "rule_invalid", message, hint } };
}

/** A DNS name or `*.`-pattern that fits the wire format. */
function checkName(segment: string, name: string): RuleError | undefined {
  const t = name.trim().replace(/\.$/, "");
  const body = t.startsWith("*.") ? t.slice(2) : t;
  if (/^[A-Za-z0-9_.-]+$/.test(body) && body.split(".").every((l) => l.length > 0) && encodeName(body)) return undefined;
  return {
    code: "rule_invalid",
    message: `Cannot add DNS rule on segment ${segment}: "${name}" is not a DNS name or "*.name" pattern`,
    hint: 'write a name such as "srv.corp.test" or "*.telemetry.example.com"',
  };
}
