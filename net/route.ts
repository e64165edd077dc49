/**
 * Daemon inter-segment routing (PRD §9.6 mechanism 2): the fabric forwards IPv4
 * between two segments of a lab through their gateways — explicit opt-in per pair,
 * never default, toggled at run time.
 *
 * Theory of operation: a `Router` knows every segment of the lab (`addSegment`) and a
 * set of unordered links (`link(a, b)` routes both directions). `stackFor(name, next)`
 * is the `IpStack` of segment `name`'s gateway: it sees every packet a guest sends to
 * the gateway MAC that the gateway's own services did not take, and
 *  - leaves destinations on the own subnet, and outside every lab segment, to `next`
 *    (the NAT), so egress is unchanged;
 *  - refuses destinations on a lab segment that is not linked with ICMP "network
 *    unreachable" (segments are isolated unless connected), so guests fail fast;
 *  - forwards to a linked segment as an IPv4 router does (RFC 1812 §5.2/§5.3): TTL
 *    decremented (at ≤ 1 → ICMP time exceeded, §5.3.1), header checksum recomputed,
 *    source MAC the peer gateway's, destination MAC from the peer gateway's neighbour
 *    table; a neighbour not known yet gets an ARP request and the packet is dropped
 *    (the guest's retransmission finds it). Packets larger than the peer's MTU get
 *    ICMP "fragmentation needed" with the next-hop MTU (RFC 1191) — the fabric does
 *    not fragment. No NAT between lab segments: addresses pass unchanged.
 *  - answers echo requests to the peer gateway's address itself (a router owns all of
 *    its interface addresses); other traffic to it gets RST / port unreachable.
 * Guests need no extra routes: DHCP gives every segment's gateway as the default
 * route (option 3, and inside option 121 when that is sent), and routed destinations
 * go through it. Subnets of linked segments must not overlap.
 */
import { cidrContains, cidrOverlaps, cidrToString } from "./addr.ts";
import type { EthernetFrame } from "./ethernet.ts";
import { finish, sum16 } from "./checksum.ts";
import type { Gateway, IpStack } from "./gateway.ts";
import {
  encodeIcmpFrame,
  ICMP_DEST_UNREACHABLE,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  ICMP_TIME_EXCEEDED,
  ICMP_UNREACH_FRAG_NEEDED,
  ICMP_UNREACH_NET,
  ICMP_UNREACH_PORT,
  parseIcmp,
} from "./icmp.ts";
import { IP_CSUM, IP_TTL, PROTO_ICMP, type Ipv4Packet } from "./ipv4.ts";
import { silentLog, type NetLog } from "./log.ts";
import { icmpErrorFor, rejectFor, type Responder } from "./reject.ts";
import { ETH_HEADER_LEN } from "./ethernet.ts";

/** A segment as the router sees it. */
export interface RoutedSegment {
  name: string;
  gateway: Gateway;
  /** Link MTU (largest IPv4 packet). */
  mtu: number;
}

/** Why a link was refused, as data. */
export interface RouteError {
  code: "unknown_segment" | "route_self" | "route_overlap";
  message: string;
  hint: string;
}

/** The lab's inter-segment router; each link carries caller data `M` (the fabric's rule id). */
export class Router<M = undefined> {
  readonly #log: NetLog;
  readonly #segs = new Map<string, RoutedSegment>();
  readonly #links = new Map<string, M | undefined>();

  constructor(o: { log?: NetLog } = {}) {
    this.#log = o.log ?? silentLog;
  }

  /** Makes a segment known (a destination the router can refuse or reach). */
  addSegment(s: RoutedSegment): void {
    this.#segs.set(s.name, s);
  }

  /** Forgets a segment and its links. */
  removeSegment(name: string): void {
    this.#segs.delete(name);
    for (const k of [...this.#links.keys()]) if (k.split("\0").includes(name)) this.#links.delete(k);
  }

  /**
   * Routes between `a` and `b`, both directions. Idempotent: `meta` is asked only
   * when the link is new. An error as data.
   */
  link(a: string, b: string, meta?: () => M): RouteError | undefined {
    const sa = this.#segs.get(a);
    const sb = this.#segs.get(b);
    const missing = !sa ? a : !sb ? b : undefined;
    if (missing !== undefined || !sa || !sb) {
      return {
        code: "unknown_segment",
        message: `Cannot route ${a} ↔ ${b}: segment "${missing}" is not running in this lab`,
        hint: "name a segment declared in the lab",
      };
    }
    if (a === b) return { code: "route_self", message: `Cannot route segment ${a} to itself`, hint: "name another segment" };
    if (cidrOverlaps(sa.gateway.subnet, sb.gateway.subnet)) {
      return {
        code: "route_overlap",
        message: `Cannot route ${a} ↔ ${b}: subnets ${cidrToString(sa.gateway.subnet)} and ${cidrToString(sb.gateway.subnet)} overlap`,
        hint: "give the segments disjoint subnets",
      };
    }
    const k = pair(a, b);
    if (!this.#links.has(k)) {
      this.#links.set(k, meta?.());
      this.#log({
        level: "info",
        event: "net.route_on",
        message: `Routing ${a} (${cidrToString(sa.gateway.subnet)}) ↔ ${b} (${cidrToString(sb.gateway.subnet)})`,
        segment: a,
        peer: b,
      });
    }
    return undefined;
  }

  /** Stops routing between `a` and `b`; false if they were not linked. */
  unlink(a: string, b: string): boolean {
    const had = this.#links.delete(pair(a, b));
    if (had) this.#log({ level: "info", event: "net.route_off", message: `Routing ${a} ↔ ${b} stopped`, segment: a, peer: b });
    return had;
  }

  /** True when `a` and `b` are linked. */
  linked(a: string, b: string): boolean {
    return this.#links.has(pair(a, b));
  }

  /** The data given when `a` and `b` were linked. */
  linkData(a: string, b: string): M | undefined {
    return this.#links.get(pair(a, b));
  }

  /** Segments linked with `name`, sorted. */
  peersOf(name: string): string[] {
    const out: string[] = [];
    for (const k of this.#links.keys()) {
      const [x, y] = k.split("\0") as [string, string];
      if (x === name) out.push(y);
      else if (y === name) out.push(x);
    }
    return out.sort();
  }

  /** The gateway IP stack of segment `name`: routing first, then `next` (the NAT). */
  stackFor(name: string, next?: IpStack): IpStack {
    return { handleIpv4: (eth, ip) => this.#route(name, eth, ip) || (next?.handleIpv4(eth, ip) ?? false) };
  }

  #route(name: string, eth: EthernetFrame, ip: Ipv4Packet): boolean {
    const self = this.#segs.get(name);
    if (!self || cidrContains(self.gateway.subnet, ip.dst)) return false;
    let peer: RoutedSegment | undefined;
    for (const s of this.#segs.values()) {
      if (s !== self && cidrContains(s.gateway.subnet, ip.dst)) {
        peer = s;
        break;
      }
    }
    if (!peer) return false;
    const gw = self.gateway;
    const me: Responder = { mac: gw.mac, ip: gw.ip, nextId: () => gw.nextIpId() };
    const back = (f: Uint8Array | undefined) => f && gw.sendFrame(f);
    if (!this.linked(name, peer.name)) {
      back(icmpErrorFor(ip.bytes, eth.src, me, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_NET));
      return true;
    }
    if (ip.dst === peer.gateway.ip) {
      const m = ip.proto === PROTO_ICMP ? parseIcmp(ip.payload) : undefined;
      if (m?.type === ICMP_ECHO_REQUEST) {
        gw.sendFrame(
          encodeIcmpFrame(
            { srcMac: gw.mac, dstMac: eth.src, src: peer.gateway.ip, dst: ip.src, id: gw.nextIpId() },
            ICMP_ECHO_REPLY,
            0,
            ((m.id << 16) | m.seq) >>> 0,
            m.data,
          ),
        );
      } else if (!m) back(rejectFor(ip.bytes, eth.src, { ...me, ip: peer.gateway.ip }, ICMP_UNREACH_PORT));
      return true;
    }
    if (ip.ttl <= 1) {
      back(icmpErrorFor(ip.bytes, eth.src, me, ICMP_TIME_EXCEEDED, 0));
      return true;
    }
    if (ip.bytes.byteLength > peer.mtu) {
      back(icmpErrorFor(ip.bytes, eth.src, me, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_FRAG_NEEDED, peer.mtu & 0xffff));
      return true;
    }
    const dstMac = peer.gateway.resolveMac(ip.dst);
    if (!dstMac) return true;
    const out = new Uint8Array(ETH_HEADER_LEN + ip.bytes.byteLength);
    out.set(dstMac.subarray(0, 6), 0);
    out.set(peer.gateway.mac.subarray(0, 6), 6);
    out[12] = 0x08;
    out[13] = 0x00;
    out.set(ip.bytes, ETH_HEADER_LEN);
    const o = ETH_HEADER_LEN;
    out[o + IP_TTL] = ip.ttl - 1;
    out[o + IP_CSUM] = 0;
    out[o + IP_CSUM + 1] = 0;
    const c = finish(sum16(out, o, o + ip.headerLen));
    out[o + IP_CSUM] = c >>> 8;
    out[o + IP_CSUM + 1] = c & 0xff;
    peer.gateway.sendFrame(out);
    return true;
  }
}

function pair(a: string, b: string): string {
  return a < b ? `${a}\0${b}` : `${b}\0${a}`;
}
