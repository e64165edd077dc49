/**
 * The gateway DNS resolver core (PRD §9.5, §9.9) — pure, no I/O.
 *
 * Theory of operation: `answer(raw)` parses a query and returns either a finished
 * reply or `{ forward }` telling the driver to ask the upstream. Resolution order for
 * the (single) question:
 *  1. sinkhole rules (`sinkhole {}`): `nxdomain` → NXDOMAIN, `zero` → 0.0.0.0 / ::;
 *  1b. overrides (`seg.dns_set` at run time): records that beat auto-registered hosts,
 *     so a script can point a VM's name elsewhere ("override it to a chosen IP", §9.9);
 *  2. auto-registered hosts: `<vm>.<lab>.<suffix>` always, `<vm>.<suffix>` when exactly
 *     one lab on the segment has that VM (the short alias is dropped when ambiguous);
 *  3. static records (`record {}`), exact names before wildcards, longer wildcards first;
 *     `*.x` matches any name with at least one label before `.x` (RFC 4592 spirit);
 *  4. PTR for addresses of 2–3, in-addr.arpa and ip6.arpa;
 *  5. names under the suffix (and reverse names of local subnets) that matched nothing
 *     → NXDOMAIN, authoritative; everything else → forward.
 * A known name with no record of the asked type answers NOERROR with no answers
 * (NODATA). Replies larger than the client's UDP limit are truncated (TC=1).
 */
import { parseIpv4Address, cidrContains, type Cidr } from "./addr.ts";
import {
  encodeDnsError,
  encodeDnsResponse,
  encodeName,
  parseDnsQuery,
  truncateResponse,
  CLASS_IN,
  RCODE_FORMERR,
  RCODE_NOERROR,
  RCODE_NOTIMP,
  RCODE_NXDOMAIN,
  TYPE_A,
  TYPE_AAAA,
  TYPE_ANY,
  TYPE_PTR,
  type DnsAnswer,
  type DnsQuery,
} from "./dns_message.ts";

/** Default DNS suffix (PRD §9.5). */
export const DEFAULT_DNS_SUFFIX = "vmlab.internal";
/** TTL of locally answered records, seconds: short, labs change. */
export const LOCAL_TTL = 30;

/** A static record; `ip` is IPv4 dotted or IPv6 text. */
export interface DnsRecord {
  name: string;
  ip: string;
}

/** A sinkhole rule. */
export interface DnsSinkhole {
  pattern: string;
  mode?: "nxdomain" | "zero";
}

/** Resolver configuration for one segment. */
export interface DnsConfig {
  suffix?: string;
  records?: DnsRecord[];
  sinkholes?: DnsSinkhole[];
  /** Subnets whose reverse names are answered locally (NXDOMAIN when unknown). */
  localSubnets?: Cidr[];
}

/** Outcome of `answer`. */
export type DnsOutcome = { reply: Uint8Array } | { forward: DnsQuery } | { drop: true };

interface Host {
  vm: string;
  lab: string;
  ips: number[];
}

/** Resolver state for one segment. */
export class DnsServer {
  readonly suffix: string;
  #records: DnsRecord[];
  #sinkholes: DnsSinkhole[];
  #overrides: DnsRecord[] = [];
  readonly #hosts = new Map<string, Host>();
  readonly #local: Cidr[];

  constructor(config: DnsConfig = {}) {
    this.suffix = norm(config.suffix ?? DEFAULT_DNS_SUFFIX);
    this.#records = [...(config.records ?? [])];
    this.#sinkholes = [...(config.sinkholes ?? [])];
    this.#local = config.localSubnets ?? [];
  }

  /** Registers (or replaces) the addresses of `<vm>.<lab>`. */
  setHost(vm: string, lab: string, ips: number[]): void {
    this.#hosts.set(`${norm(vm)}.${norm(lab)}`, { vm: norm(vm), lab: norm(lab), ips: [...ips] });
  }

  /** Removes `<vm>.<lab>`. */
  removeHost(vm: string, lab: string): void {
    this.#hosts.delete(`${norm(vm)}.${norm(lab)}`);
  }

  /** Replaces the static records (runtime mutation from scripts). */
  setRecords(records: DnsRecord[]): void {
    this.#records = [...records];
  }

  /** Replaces the override records (consulted before hosts and static records). */
  setOverrides(records: DnsRecord[]): void {
    this.#overrides = [...records];
  }

  /** Replaces the sinkhole rules. */
  setSinkholes(rules: DnsSinkhole[]): void {
    this.#sinkholes = [...rules];
  }

  /** Answers a raw query. Never throws. */
  answer(raw: Uint8Array, transport: "udp" | "tcp" = "udp"): DnsOutcome {
    const q = parseDnsQuery(raw);
    if (!q) return raw.byteLength >= 2 ? { reply: encodeDnsError((raw[0]! << 8) | raw[1]!, RCODE_FORMERR) } : { drop: true };
    if (q.opcode !== 0) return { reply: encodeDnsError(q.id, RCODE_NOTIMP) };
    const question = q.questions[0];
    if (!question || q.questions.length !== 1) return { reply: encodeDnsError(q.id, RCODE_FORMERR) };
    const local = this.#resolve(question.name, question.type, question.class);
    if (local === "forward") return { forward: q };
    const reply = encodeDnsResponse(raw, q, local.rcode, local.answers, true);
    return { reply: transport === "udp" ? truncateResponse(reply, q.udpLimit) : reply };
  }

  #resolve(name: string, type: number, klass: number): { rcode: number; answers: DnsAnswer[] } | "forward" {
    const sink = this.#sinkholes.find((s) => matches(norm(s.pattern), name));
    if (sink) {
      if ((sink.mode ?? "nxdomain") === "nxdomain") return { rcode: RCODE_NXDOMAIN, answers: [] };
      return { rcode: RCODE_NOERROR, answers: addressAnswers(type, klass, [0], ["::"]) };
    }
    const over = lookup(this.#overrides, name);
    if (over.length) return { rcode: RCODE_NOERROR, answers: recordAnswers(type, klass, over) };
    const hostIps = this.#hostLookup(name);
    if (hostIps) return { rcode: RCODE_NOERROR, answers: addressAnswers(type, klass, hostIps, []) };
    const rec = lookup(this.#records, name);
    if (rec.length) return { rcode: RCODE_NOERROR, answers: recordAnswers(type, klass, rec) };
    if (type === TYPE_PTR || type === TYPE_ANY) {
      const ptr = this.#ptr(name);
      if (ptr !== undefined) {
        const data = encodeName(ptr);
        return { rcode: RCODE_NOERROR, answers: data ? [{ type: TYPE_PTR, ttl: LOCAL_TTL, data }] : [] };
      }
    }
    if (name === this.suffix || name.endsWith(`.${this.suffix}`)) return { rcode: RCODE_NXDOMAIN, answers: [] };
    const rev = reverseV4(name);
    if (rev !== undefined && this.#local.some((c) => cidrContains(c, rev))) return { rcode: RCODE_NXDOMAIN, answers: [] };
    return "forward";
  }

  #hostLookup(name: string): number[] | undefined {
    const sfx = `.${this.suffix}`;
    if (!name.endsWith(sfx)) return undefined;
    const rel = name.slice(0, -sfx.length);
    const full = this.#hosts.get(rel);
    if (full) return full.ips;
    if (rel.includes(".")) return undefined;
    const candidates = [...this.#hosts.values()].filter((h) => h.vm === rel);
    return candidates.length === 1 ? candidates[0]!.ips : undefined;
  }

  #ptr(name: string): string | undefined {
    const ip = reverseV4(name);
    if (ip === undefined) return undefined;
    for (const h of this.#hosts.values()) if (h.ips.includes(ip)) return `${h.vm}.${h.lab}.${this.suffix}`;
    const rec = this.#records.find((r) => !r.name.startsWith("*") && parseIpv4Address(r.ip) === ip);
    return rec ? norm(rec.name) : undefined;
  }
}

/** Records for `name`: exact names before wildcards, the longest wildcard first. */
function lookup(records: DnsRecord[], name: string): DnsRecord[] {
  const exact = records.filter((r) => norm(r.name) === name);
  if (exact.length) return exact;
  const wild = records.filter((r) => norm(r.name).startsWith("*.") && matches(norm(r.name), name));
  if (!wild.length) return [];
  const best = Math.max(...wild.map((r) => r.name.length));
  return wild.filter((r) => r.name.length === best);
}

function recordAnswers(type: number, klass: number, rec: DnsRecord[]): DnsAnswer[] {
  const v4 = rec.map((r) => parseIpv4Address(r.ip)).filter((x): x is number => x !== undefined);
  const v6 = rec.map((r) => r.ip).filter((x) => x.includes(":"));
  return addressAnswers(type, klass, v4, v6);
}

function norm(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, "");
}

/** `*.x` matches names with ≥ 1 label before `.x`; other patterns match exactly. */
function matches(pattern: string, name: string): boolean {
  if (pattern.startsWith("*.")) return name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1;
  return pattern === name;
}

/** "4.3.2.1.in-addr.arpa" → 1.2.3.4. */
function reverseV4(name: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa$/.exec(name);
  return m ? parseIpv4Address(`${m[4]}.${m[3]}.${m[2]}.${m[1]}`) : undefined;
}

function addressAnswers(type: number, klass: number, v4: number[], v6: string[]): DnsAnswer[] {
  if (klass !== CLASS_IN && klass !== TYPE_ANY) return [];
  const out: DnsAnswer[] = [];
  if (type === TYPE_A || type === TYPE_ANY)
    for (const ip of v4) out.push({ type: TYPE_A, ttl: LOCAL_TTL, data: Uint8Array.of(ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255) });
  if (type === TYPE_AAAA || type === TYPE_ANY) {
    for (const t of v6) {
      const b = parseIpv6(t);
      if (b) out.push({ type: TYPE_AAAA, ttl: LOCAL_TTL, data: b });
    }
  }
  return out;
}

/** Parses IPv6 text (with `::`) to 16 bytes. */
export function parseIpv6(text: string): Uint8Array | undefined {
  const parts = text.split("::");
  if (parts.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(parts[0] ?? "");
  const tail = parts.length === 2 ? groups(parts[1] ?? "") : [];
  const fill = parts.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0 || (parts.length === 1 && head.length !== 8)) return undefined;
  const all = [...head, ...Array<string>(fill).fill("0"), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = all[i] ?? "";
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 255;
  }
  return out;
}
