/**
 * ARP for IPv4 over Ethernet (RFC 826).
 *
 * Theory of operation: only the Ethernet/IPv4 flavour (HTYPE 1, PTYPE 0x0800, HLEN 6,
 * PLEN 4) is understood; anything else parses to `undefined`. The gateway answers
 * requests for its own address (and proxies nothing else); guests resolve each other
 * directly through the switch's flooding.
 */
import { ipv4ToString } from "./addr.ts";

export const ARP_HTYPE = 0;
export const ARP_PTYPE = 2;
export const ARP_HLEN = 4;
export const ARP_PLEN = 5;
export const ARP_OPER = 6;
export const ARP_SHA = 8;
export const ARP_SPA = 14;
export const ARP_THA = 18;
export const ARP_TPA = 24;
/** Length of an Ethernet/IPv4 ARP packet. */
export const ARP_LEN = 28;

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;

/** Decoded Ethernet/IPv4 ARP packet. */
export interface ArpPacket {
  op: number;
  senderMac: Uint8Array;
  senderIp: number;
  targetMac: Uint8Array;
  targetIp: number;
}

/** Parses an ARP payload; `undefined` unless it is a well-formed Ethernet/IPv4 ARP. */
export function parseArp(bytes: Uint8Array): ArpPacket | undefined {
  if (bytes.byteLength < ARP_LEN) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint16(ARP_HTYPE) !== 1 || v.getUint16(ARP_PTYPE) !== 0x0800) return undefined;
  if (v.getUint8(ARP_HLEN) !== 6 || v.getUint8(ARP_PLEN) !== 4) return undefined;
  const op = v.getUint16(ARP_OPER);
  if (op !== ARP_REQUEST && op !== ARP_REPLY) return undefined;
  return {
    op,
    senderMac: bytes.slice(ARP_SHA, ARP_SHA + 6),
    senderIp: v.getUint32(ARP_SPA),
    targetMac: bytes.slice(ARP_THA, ARP_THA + 6),
    targetIp: v.getUint32(ARP_TPA),
  };
}

/** Encodes an ARP packet (payload only, no Ethernet header). */
export function encodeArp(p: ArpPacket): Uint8Array {
  const out = new Uint8Array(ARP_LEN);
  const v = new DataView(out.buffer);
  v.setUint16(ARP_HTYPE, 1);
  v.setUint16(ARP_PTYPE, 0x0800);
  v.setUint8(ARP_HLEN, 6);
  v.setUint8(ARP_PLEN, 4);
  v.setUint16(ARP_OPER, p.op);
  out.set(p.senderMac.subarray(0, 6), ARP_SHA);
  v.setUint32(ARP_SPA, p.senderIp);
  out.set(p.targetMac.subarray(0, 6), ARP_THA);
  v.setUint32(ARP_TPA, p.targetIp);
  return out;
}

/** Human form for logs. */
export function describeArp(p: ArpPacket): string {
  return p.op === ARP_REQUEST ? `who-has ${ipv4ToString(p.targetIp)} tell ${ipv4ToString(p.senderIp)}` : `${ipv4ToString(p.senderIp)} is-at`;
}
