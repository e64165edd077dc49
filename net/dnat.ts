/**
 * DNAT connection tracking and header rewriting for redirect rules (PRD §9.9
 * "the daemon maintaining the connection state to rewrite return traffic").
 *
 * Theory of operation: when a guest packet C:cp → X:xp is redirected to Y:yp, the
 * table records the *reply* direction (proto, Y, yp, C, cp) → (X, xp). Every later
 * IPv4 frame whose 5-tuple hits an entry has its source rewritten back to X:xp, so
 * the client only ever sees the address it asked for. ICMP echo uses the identifier
 * as both ports. Entries expire after `DNAT_IDLE_MS` without traffic (checked lazily
 * on lookup) and the table is bounded (`MAX_DNAT_ENTRIES`, an expired or else the
 * oldest entry is evicted).
 *
 * `peekIpv4` reads the fields the rules need straight from the frame (no checksum
 * verification: the receiving stack checks); `rewriteIpv4` copies the frame and
 * patches addresses, ports, MACs and the IP/TCP/UDP checksums incrementally
 * (RFC 1624). Out of scope: rewriting addresses quoted inside ICMP errors.
 */
import type { Clock } from "../core/clock/mod.ts";
import { csumAdjust16, csumAdjust32, finish, sum16 } from "./checksum.ts";
import { ETH_HEADER_LEN } from "./ethernet.ts";
import { ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST } from "./icmp.ts";
import { PROTO_ICMP, PROTO_TCP, PROTO_UDP } from "./ipv4.ts";

/** Idle time after which a DNAT entry is forgotten (long enough for idle TCP sessions). */
export const DNAT_IDLE_MS = 3_600_000;
/** Upper bound of the DNAT table per segment. */
export const MAX_DNAT_ENTRIES = 4096;

/** The IPv4 fields of a frame the rules look at. */
export interface PeekedIpv4 {
  /** Header length in bytes. */
  ihl: number;
  /** Total length from the header, clamped to the frame. */
  total: number;
  proto: number;
  src: number;
  dst: number;
  /** TCP/UDP ports or the ICMP echo identifier; undefined for fragments and other protocols. */
  srcPort: number | undefined;
  dstPort: number | undefined;
}

/** Reads an untagged IPv4 frame; undefined when the header is malformed. Never throws. */
export function peekIpv4(frame: Uint8Array): PeekedIpv4 | undefined {
  const o = ETH_HEADER_LEN;
  if (frame.byteLength < o + 20 || frame[o]! >> 4 !== 4) return undefined;
  const ihl = (frame[o]! & 0x0f) * 4;
  const total = Math.min((frame[o + 2]! << 8) | frame[o + 3]!, frame.byteLength - o);
  if (ihl < 20 || total < ihl) return undefined;
  const v = new DataView(frame.buffer, frame.byteOffset + o, total);
  const proto = v.getUint8(9);
  const fragmented = (v.getUint16(6) & 0x3fff) !== 0;
  let srcPort: number | undefined;
  let dstPort: number | undefined;
  const l4 = total - ihl;
  if (!fragmented && (proto === PROTO_TCP || proto === PROTO_UDP) && l4 >= (proto === PROTO_TCP ? 20 : 8)) {
    srcPort = v.getUint16(ihl);
    dstPort = v.getUint16(ihl + 2);
  } else if (!fragmented && proto === PROTO_ICMP && l4 >= 8) {
    const type = v.getUint8(ihl);
    if (type === ICMP_ECHO_REQUEST || type === ICMP_ECHO_REPLY) srcPort = dstPort = v.getUint16(ihl + 4);
  }
  return { ihl, total, proto, src: v.getUint32(12), dst: v.getUint32(16), srcPort, dstPort };
}

/** What `rewriteIpv4` changes; absent fields stay. */
export interface Ipv4Rewrite {
  src?: number;
  srcPort?: number;
  dst?: number;
  dstPort?: number;
  dstMac?: Uint8Array;
  srcMac?: Uint8Array;
}

/** A copy of `frame` with `w` applied and checksums patched. Ports change only for TCP/UDP. */
export function rewriteIpv4(frame: Uint8Array, p: PeekedIpv4, w: Ipv4Rewrite): Uint8Array {
  const out = frame.slice();
  if (w.dstMac) out.set(w.dstMac.subarray(0, 6), 0);
  if (w.srcMac) out.set(w.srcMac.subarray(0, 6), 6);
  const o = ETH_HEADER_LEN;
  const v = new DataView(out.buffer, out.byteOffset + o, p.total);
  const l4 = p.ihl;
  const csumAt = p.proto === PROTO_TCP && p.srcPort !== undefined ? l4 + 16 : p.proto === PROTO_UDP && p.srcPort !== undefined ? l4 + 6 : -1;
  let l4sum = csumAt >= 0 ? v.getUint16(csumAt) : 0;
  const udpNoSum = p.proto === PROTO_UDP && l4sum === 0;
  if (w.src !== undefined && w.src !== p.src) {
    l4sum = csumAdjust32(l4sum, p.src, w.src);
    v.setUint32(12, w.src);
  }
  if (w.dst !== undefined && w.dst !== p.dst) {
    l4sum = csumAdjust32(l4sum, p.dst, w.dst);
    v.setUint32(16, w.dst);
  }
  if (csumAt >= 0) {
    if (w.srcPort !== undefined && w.srcPort !== p.srcPort) {
      l4sum = csumAdjust16(l4sum, p.srcPort ?? 0, w.srcPort);
      v.setUint16(l4, w.srcPort);
    }
    if (w.dstPort !== undefined && w.dstPort !== p.dstPort) {
      l4sum = csumAdjust16(l4sum, p.dstPort ?? 0, w.dstPort);
      v.setUint16(l4 + 2, w.dstPort);
    }
    if (!udpNoSum) v.setUint16(csumAt, p.proto === PROTO_UDP && l4sum === 0 ? 0xffff : l4sum);
  }
  v.setUint16(10, 0);
  v.setUint16(10, finish(sum16(out, o, o + p.ihl)));
  return out;
}

/** Where a reply's source goes back to. */
export interface DnatOrigin {
  ip: number;
  port: number | undefined;
}

interface Entry extends DnatOrigin {
  last: number;
}

/** The reply-direction DNAT table of one segment. */
export class DnatTable {
  readonly #clock: Clock;
  readonly #idleMs: number;
  readonly #max: number;
  readonly #entries = new Map<string, Entry>();

  constructor(clock: Clock, idleMs = DNAT_IDLE_MS, max = MAX_DNAT_ENTRIES) {
    this.#clock = clock;
    this.#idleMs = idleMs;
    this.#max = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Records that the client's packets to `origin` now go to `target`: replies from
   * target to client will be rewritten to come from `origin`.
   */
  record(proto: number, client: number, clientPort: number | undefined, origin: DnatOrigin, target: DnatOrigin): void {
    const k = key(proto, target.ip, target.port, client, clientPort);
    const now = this.#clock.now();
    const e = this.#entries.get(k);
    if (e) {
      e.ip = origin.ip;
      e.port = origin.port;
      e.last = now;
      return;
    }
    if (this.#entries.size >= this.#max) this.#evict(now);
    this.#entries.set(k, { ip: origin.ip, port: origin.port, last: now });
  }

  /** The original destination a reply from `src` to `dst` must appear to come from. */
  reverse(p: PeekedIpv4): DnatOrigin | undefined {
    if (!this.#entries.size) return undefined;
    const k = key(p.proto, p.src, p.srcPort, p.dst, p.dstPort);
    const e = this.#entries.get(k);
    if (!e) return undefined;
    const now = this.#clock.now();
    if (now - e.last > this.#idleMs) {
      this.#entries.delete(k);
      return undefined;
    }
    e.last = now;
    return e;
  }

  clear(): void {
    this.#entries.clear();
  }

  #evict(now: number): void {
    let victim: string | undefined;
    for (const [k, e] of this.#entries) {
      victim ??= k;
      if (now - e.last > this.#idleMs) {
        victim = k;
        break;
      }
    }
    if (victim !== undefined) this.#entries.delete(victim);
  }
}

function key(proto: number, src: number, sport: number | undefined, dst: number, dport: number | undefined): string {
  return `${proto}|${src}:${sport ?? ""}>${dst}:${dport ?? ""}`;
}
