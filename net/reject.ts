/**
 * Fail-fast answers to packets the fabric refuses (PRD §9.9 "answering with ICMP
 * unreachable / TCP RST where feasible so guests fail fast"), shared by the L3 rules
 * (`l3_rules.ts`) and the inter-segment router (`route.ts`).
 *
 * Contract: every builder takes the refused packet as raw bytes (an IPv4 packet up to
 * its total length) plus who answers, and returns the frame to send back to the
 * sender, or `undefined` when no answer is due. Never throws on malformed input.
 *  - `tcpResetFor`: a RST "from the destination" (RFC 9293 §3.10.7.1: seq = the
 *    segment's ACK when it has one, else ACK of everything it carried); no RST
 *    answers a RST.
 *  - `icmpErrorFor`: an ICMP error (unreachable, time exceeded) from a router
 *    address quoting the IP header plus 8 bytes (RFC 792). RFC 1812 §4.3.2.7: no ICMP
 *    error about an ICMP error (only echo requests are answered), nor about packets
 *    from unspecified or group source addresses.
 *  - `rejectFor`: RST for TCP, else the ICMP error with `code`.
 */
import { encodeIcmpFrame, ICMP_DEST_UNREACHABLE, ICMP_ECHO_REQUEST } from "./icmp.ts";
import { PROTO_ICMP, PROTO_TCP } from "./ipv4.ts";
import { ACK, encodeTcpFrame, FIN, RST, SYN } from "./tcp.ts";

/** Who answers: the MAC the answer comes from and the IPv4 identification to use. */
export interface Responder {
  mac: Uint8Array;
  /** Source address of ICMP errors (the gateway, as a router). */
  ip: number;
  nextId(): number;
}

/** Raw reads of the IPv4 header fields the builders need; undefined when malformed. */
function header(pkt: Uint8Array): { ihl: number; proto: number; src: number; dst: number } | undefined {
  if (pkt.byteLength < 20 || pkt[0]! >> 4 !== 4) return undefined;
  const ihl = (pkt[0]! & 0x0f) * 4;
  if (ihl < 20 || ihl > pkt.byteLength) return undefined;
  const v = new DataView(pkt.buffer, pkt.byteOffset, pkt.byteLength);
  return { ihl, proto: pkt[9]!, src: v.getUint32(12), dst: v.getUint32(16) };
}

/** A RST answering the TCP segment in `pkt`, as if sent by its destination. */
export function tcpResetFor(pkt: Uint8Array, dstMac: Uint8Array, by: Responder): Uint8Array | undefined {
  const h = header(pkt);
  if (!h || h.proto !== PROTO_TCP || pkt.byteLength < h.ihl + 20) return undefined;
  const v = new DataView(pkt.buffer, pkt.byteOffset + h.ihl, pkt.byteLength - h.ihl);
  const flags = v.getUint8(13);
  if (flags & RST) return undefined;
  const dataOff = (v.getUint8(12) >> 4) * 4;
  const len = Math.max(0, pkt.byteLength - h.ihl - dataOff);
  const srcPort = v.getUint16(0);
  const dstPort = v.getUint16(2);
  const fields =
    flags & ACK
      ? { srcPort: dstPort, dstPort: srcPort, seq: v.getUint32(8), ack: 0, flags: RST, window: 0 }
      : {
          srcPort: dstPort,
          dstPort: srcPort,
          seq: 0,
          ack: (v.getUint32(4) + len + (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0)) >>> 0,
          flags: RST | ACK,
          window: 0,
        };
  return encodeTcpFrame({ srcMac: by.mac, dstMac, src: h.dst, dst: h.src, id: by.nextId() }, fields, new Uint8Array(0));
}

/** An ICMP error (`type`/`code`, `rest` = the 4 bytes after the checksum) about `pkt`. */
export function icmpErrorFor(pkt: Uint8Array, dstMac: Uint8Array, by: Responder, type: number, code: number, rest = 0): Uint8Array | undefined {
  const h = header(pkt);
  if (!h || h.src === 0 || h.src >>> 28 === 0xe || h.src === 0xffffffff) return undefined;
  if (h.proto === PROTO_ICMP && pkt[h.ihl] !== ICMP_ECHO_REQUEST) return undefined;
  const quote = pkt.subarray(0, Math.min(pkt.byteLength, h.ihl + 8));
  return encodeIcmpFrame({ srcMac: by.mac, dstMac, src: by.ip, dst: h.src, id: by.nextId() }, type, code, rest, quote);
}

/** RST for TCP, ICMP destination unreachable with `code` for everything else. */
export function rejectFor(pkt: Uint8Array, dstMac: Uint8Array, by: Responder, code: number): Uint8Array | undefined {
  return pkt.byteLength > 9 && pkt[9] === PROTO_TCP ? tcpResetFor(pkt, dstMac, by) : icmpErrorFor(pkt, dstMac, by, ICMP_DEST_UNREACHABLE, code);
}
