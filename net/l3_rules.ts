/**
 * L3 rules at the switch: block and redirect (PRD §9.9, fact_segment_subblocks.md).
 *
 * Theory of operation: an `L3Filter` is installed as its segment switch's frame
 * filter and sees every untagged IPv4 frame.
 *  1. Replies of redirected flows (any port, also the gateway's) are rewritten back to
 *     the address the client asked for (`DnatTable`) and pass.
 *  2. Frames from guest ports to a unicast destination are matched against the
 *     redirect rules, then the block rules ("redirect rules before block rules"): a
 *     block rule therefore sees the destination *after* DNAT, as a firewall's filter
 *     sees it after PREROUTING. Within a layer the most specific rule wins — longest
 *     prefix (redirects are single addresses), then a rule naming a port, then one
 *     naming a protocol — and ties go to the lower rule id (declaration order).
 *  3. A redirect rewrites destination address and port (`to` without a port keeps the
 *     port) and the destination MAC: the target's when it is a guest on the subnet
 *     (learned by the gateway; unknown → ARP is sent and the frame dropped, the guest
 *     retransmits), else the gateway's, so the NAT or the router carries it on.
 *  4. A blocked frame is dropped and answered so guests fail fast: TCP with a RST
 *     from the destination, UDP and ICMP echo with ICMP "communication
 *     administratively prohibited" (type 3 code 13) from the gateway.
 * Rules match destinations only; broadcast and multicast (DHCP, ARP-less discovery)
 * are never matched. A rule with `port` but no `proto` matches TCP and UDP. Blocks
 * apply to guest↔guest traffic on the segment as well as to traffic through the
 * gateway; they are stateless (a blocked address cannot answer either). The first
 * hit of each rule is logged (`net.rule_hit`); `list()` reports hit counts.
 * Non-first fragments carry no ports: only rules without a port match them.
 * Unparseable IPv4 headers pass untouched (the receiving stack drops them).
 */
import { cidrBroadcast, cidrContains, cidrToString, ipv4ToString, parseCidr, parseIpv4Address, type Cidr } from "./addr.ts";
import type { Clock } from "../core/clock/mod.ts";
import { DnatTable, peekIpv4, rewriteIpv4, type PeekedIpv4 } from "./dnat.ts";
import { ETH_HEADER_LEN } from "./ethernet.ts";
import type { Gateway } from "./gateway.ts";
import { ICMP_UNREACH_ADMIN } from "./icmp.ts";
import { PROTO_ICMP, PROTO_TCP, PROTO_UDP } from "./ipv4.ts";
import { silentLog, type NetLog } from "./log.ts";
import { rejectFor, type Responder } from "./reject.ts";
import type { FilterVerdict, SwitchPort } from "./switch.ts";

/** Protocols a rule may name. */
export type L3Proto = "tcp" | "udp" | "icmp";

/** "ip[:port]" parsed. */
export interface Endpoint {
  ip: number;
  port: number | undefined;
}

/** A block rule: destinations in `cidr`, optionally one protocol and/or port. */
export interface BlockSpec {
  cidr: Cidr;
  proto?: L3Proto;
  port?: number;
}

/** A redirect (DNAT) rule. */
export interface RedirectSpec {
  from: Endpoint;
  to: Endpoint;
  proto?: "tcp" | "udp";
}

/** A rule as reported by `list()` (JSON-serialisable). */
export type L3RuleInfo =
  | { id: number; kind: "block"; cidr: string; proto?: L3Proto; port?: number; hits: number }
  | { id: number; kind: "redirect"; from: string; to: string; proto?: "tcp" | "udp"; hits: number };

/** "10.0.0.0/24" or a bare address (→ /32). Undefined when malformed or host bits are set. */
export function parseBlockTarget(text: string): Cidr | undefined {
  if (text.includes("/")) return parseCidr(text);
  const ip = parseIpv4Address(text);
  return ip === undefined ? undefined : { network: ip, prefix: 32 };
}

/** "ip" or "ip:port" (port 1–65535). */
export function parseEndpoint(text: string): Endpoint | undefined {
  const m = /^\s*([0-9.]+)(?::(\d{1,5}))?\s*$/.exec(text);
  const ip = m ? parseIpv4Address(m[1]!) : undefined;
  if (!m || ip === undefined) return undefined;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return { ip, port };
}

/** "ip" or "ip:port". */
export function endpointToString(e: Endpoint): string {
  return e.port === undefined ? ipv4ToString(e.ip) : `${ipv4ToString(e.ip)}:${e.port}`;
}

interface Rule<S> {
  id: number;
  spec: S;
  hits: number;
}

/** Options of an `L3Filter`. */
export interface L3FilterOptions {
  clock: Clock;
  /** The segment's gateway: answers, MAC resolution, subnet. */
  gateway: Gateway;
  /** Segment name, for logs. */
  segment: string;
  log?: NetLog;
}

const PROTO_NUMBER: Record<L3Proto, number> = { tcp: PROTO_TCP, udp: PROTO_UDP, icmp: PROTO_ICMP };

/** Block and redirect rules of one segment, as a switch filter. */
export class L3Filter {
  readonly #gw: Gateway;
  readonly #log: NetLog;
  readonly #segment: string;
  readonly #dnat: DnatTable;
  readonly #responder: Responder;
  #blocks: Rule<BlockSpec>[] = [];
  #redirects: Rule<RedirectSpec>[] = [];

  constructor(o: L3FilterOptions) {
    this.#gw = o.gateway;
    this.#log = o.log ?? silentLog;
    this.#segment = o.segment;
    this.#dnat = new DnatTable(o.clock);
    this.#responder = { mac: o.gateway.mac, ip: o.gateway.ip, nextId: () => o.gateway.nextIpId() };
  }

  /** Adds a block rule under `id` (ids are the caller's, unique per filter). */
  addBlock(id: number, spec: BlockSpec): void {
    this.#blocks = [...this.#blocks, { id, spec, hits: 0 }].sort(byBlockSpecificity);
  }

  /** Adds a redirect rule under `id`. */
  addRedirect(id: number, spec: RedirectSpec): void {
    this.#redirects = [...this.#redirects, { id, spec, hits: 0 }].sort(byRedirectSpecificity);
  }

  /** Removes the rule `id` (block or redirect); false if there is none. Tracked flows keep their reply rewriting until idle. */
  remove(id: number): boolean {
    const n = this.#blocks.length + this.#redirects.length;
    this.#blocks = this.#blocks.filter((r) => r.id !== id);
    this.#redirects = this.#redirects.filter((r) => r.id !== id);
    return this.#blocks.length + this.#redirects.length !== n;
  }

  /** True when a rule `id` exists here. */
  has(id: number): boolean {
    return this.#blocks.some((r) => r.id === id) || this.#redirects.some((r) => r.id === id);
  }

  /** Every rule, by id. */
  list(): L3RuleInfo[] {
    const out: L3RuleInfo[] = [
      ...this.#blocks.map(
        (r): L3RuleInfo => ({
          id: r.id,
          kind: "block",
          cidr: cidrToString(r.spec.cidr),
          ...(r.spec.proto ? { proto: r.spec.proto } : {}),
          ...(r.spec.port !== undefined ? { port: r.spec.port } : {}),
          hits: r.hits,
        }),
      ),
      ...this.#redirects.map(
        (r): L3RuleInfo => ({
          id: r.id,
          kind: "redirect",
          from: endpointToString(r.spec.from),
          to: endpointToString(r.spec.to),
          ...(r.spec.proto ? { proto: r.spec.proto } : {}),
          hits: r.hits,
        }),
      ),
    ];
    return out.sort((a, b) => a.id - b.id);
  }

  /** Proxy-ARP predicate for the gateway: redirect sources on the subnet. */
  readonly wantsArp = (ip: number): boolean => ip !== this.#gw.ip && this.#redirects.some((r) => r.spec.from.ip === ip);

  /** The switch filter. Never throws. */
  readonly filter = (frame: Uint8Array, from: SwitchPort): FilterVerdict => {
    if (!this.#dnat.size && !this.#blocks.length && !this.#redirects.length) return frame;
    const p = peekIpv4(frame);
    if (!p) return frame;
    const back = this.#dnat.reverse(p);
    if (back) return rewriteIpv4(frame, p, { src: back.ip, ...(back.port !== undefined ? { srcPort: back.port } : {}) });
    if (from.kind !== "guest" || !this.#unicast(p.dst)) return frame;
    let out = frame;
    let dst = p.dst;
    let dstPort = p.dstPort;
    const red = this.#redirects.find((r) => matchesRedirect(r.spec, p));
    if (red) {
      this.#hit(red, `redirect ${endpointToString(red.spec.from)} → ${endpointToString(red.spec.to)}`, p);
      dst = red.spec.to.ip;
      dstPort = red.spec.to.port ?? p.dstPort;
      const onLink = cidrContains(this.#gw.subnet, dst) && dst !== this.#gw.ip;
      const mac = onLink ? this.#gw.resolveMac(dst) : this.#gw.mac;
      if (!mac) return { drop: true };
      const portful = p.proto === PROTO_TCP || p.proto === PROTO_UDP;
      this.#dnat.record(p.proto, p.src, p.srcPort, { ip: p.dst, port: portful ? p.dstPort : p.srcPort }, { ip: dst, port: portful ? dstPort : p.srcPort });
      out = rewriteIpv4(frame, p, { dst, ...(portful && dstPort !== undefined ? { dstPort } : {}), dstMac: mac });
    }
    const blk = this.#blocks.find((r) => matchesBlock(r.spec, p.proto, dst, dstPort));
    if (!blk) return out;
    this.#hit(
      blk,
      `block ${cidrToString(blk.spec.cidr)}${blk.spec.proto ? ` ${blk.spec.proto}` : ""}${blk.spec.port !== undefined ? ` port ${blk.spec.port}` : ""}`,
      p,
    );
    // Answer about the packet as the guest sent it (before DNAT): that is the flow it knows.
    const pkt = frame.subarray(ETH_HEADER_LEN, ETH_HEADER_LEN + p.total);
    const reply = rejectFor(pkt, frame.subarray(6, 12).slice(), this.#responder, ICMP_UNREACH_ADMIN);
    return reply ? { drop: true, reply } : { drop: true };
  };

  /** Forgets tracked redirected flows. */
  clear(): void {
    this.#dnat.clear();
  }

  #unicast(ip: number): boolean {
    return ip !== 0xffffffff && ip >>> 28 !== 0xe && ip !== cidrBroadcast(this.#gw.subnet);
  }

  #hit(r: Rule<unknown>, what: string, p: PeekedIpv4): void {
    if (r.hits++ === 0) {
      this.#log({
        level: "info",
        event: "net.rule_hit",
        message: `Segment ${this.#segment}: rule ${r.id} (${what}) first matched ${ipv4ToString(p.src)} → ${ipv4ToString(p.dst)}${p.dstPort !== undefined && p.proto !== PROTO_ICMP ? `:${p.dstPort}` : ""}`,
        segment: this.#segment,
        rule: r.id,
      });
    }
  }
}

function matchesRedirect(s: RedirectSpec, p: PeekedIpv4): boolean {
  if (s.from.ip !== p.dst) return false;
  if (s.proto && PROTO_NUMBER[s.proto] !== p.proto) return false;
  if (s.from.port === undefined) return true;
  return (p.proto === PROTO_TCP || p.proto === PROTO_UDP) && p.dstPort === s.from.port;
}

function matchesBlock(s: BlockSpec, proto: number, dst: number, dstPort: number | undefined): boolean {
  if (!cidrContains(s.cidr, dst)) return false;
  if (s.proto && PROTO_NUMBER[s.proto] !== proto) return false;
  if (s.port === undefined || s.proto === "icmp") return true;
  return (proto === PROTO_TCP || proto === PROTO_UDP) && dstPort === s.port;
}

function byBlockSpecificity(a: Rule<BlockSpec>, b: Rule<BlockSpec>): number {
  return (
    b.spec.cidr.prefix - a.spec.cidr.prefix ||
    Number(b.spec.port !== undefined) - Number(a.spec.port !== undefined) ||
    Number(!!b.spec.proto) - Number(!!a.spec.proto) ||
    a.id - b.id
  );
}

function byRedirectSpecificity(a: Rule<RedirectSpec>, b: Rule<RedirectSpec>): number {
  return Number(b.spec.from.port !== undefined) - Number(a.spec.from.port !== undefined) || Number(!!b.spec.proto) - Number(!!a.spec.proto) || a.id - b.id;
}
