/**
 * IPv4 packets (RFC 791).
 *
 * Theory of operation: `parseIpv4` validates version, IHL (≥ 5 and within the buffer),
 * total length (≥ header, ≤ buffer — Ethernet padding after it is ignored) and the
 * header checksum (RFC 1071), and returns a view whose `payload` ends at the total
 * length. **Fragments are rejected** (MF set or a non-zero offset → `undefined`): the
 * fabric's MTU is known to guests through the segment, TCP is MSS-clamped, and
 * reassembly buffers are an attack surface we decline. IP options are skipped, not
 * interpreted. `encodeIpv4Frame` builds Ethernet + IPv4 in one allocation and lets the
 * caller write the layer-4 bytes in place.
 */
import { sum16, finish } from "./checksum.ts";
import { ETH_HEADER_LEN, ETHERTYPE_IPV4, writeEthernetHeader } from "./ethernet.ts";

export const IP_VER_IHL = 0;
export const IP_TOS = 1;
export const IP_TOTAL_LEN = 2;
export const IP_ID = 4;
export const IP_FLAGS_FRAG = 6;
export const IP_TTL = 8;
export const IP_PROTO = 9;
export const IP_CSUM = 10;
export const IP_SRC = 12;
export const IP_DST = 16;
/** Header length without options. */
export const IP_HEADER_LEN = 20;
/** TTL on packets the fabric originates. */
export const DEFAULT_TTL = 64;

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

const FLAG_MF = 0x2000;
const FRAG_OFFSET_MASK = 0x1fff;

/** A validated IPv4 packet view. */
export interface Ipv4Packet {
  readonly src: number;
  readonly dst: number;
  readonly proto: number;
  readonly ttl: number;
  readonly id: number;
  readonly headerLen: number;
  /** The whole packet up to its total length. */
  readonly bytes: Uint8Array;
  /** Layer-4 bytes. */
  readonly payload: Uint8Array;
}

/** Why a packet was refused, for counters and debug logs. */
export type Ipv4Reject = "truncated" | "version" | "ihl" | "length" | "checksum" | "fragment";

/** Parses and validates; returns the reason on failure instead of throwing. */
export function parseIpv4Checked(bytes: Uint8Array): Ipv4Packet | Ipv4Reject {
  if (bytes.byteLength < IP_HEADER_LEN) return "truncated";
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const verIhl = v.getUint8(IP_VER_IHL);
  if (verIhl >> 4 !== 4) return "version";
  const headerLen = (verIhl & 0x0f) * 4;
  if (headerLen < IP_HEADER_LEN || headerLen > bytes.byteLength) return "ihl";
  const total = v.getUint16(IP_TOTAL_LEN);
  if (total < headerLen || total > bytes.byteLength) return "length";
  if (finish(sum16(bytes, 0, headerLen)) !== 0) return "checksum";
  const frag = v.getUint16(IP_FLAGS_FRAG);
  if (frag & FLAG_MF || frag & FRAG_OFFSET_MASK) return "fragment";
  return {
    src: v.getUint32(IP_SRC),
    dst: v.getUint32(IP_DST),
    proto: v.getUint8(IP_PROTO),
    ttl: v.getUint8(IP_TTL),
    id: v.getUint16(IP_ID),
    headerLen,
    bytes: bytes.subarray(0, total),
    payload: bytes.subarray(headerLen, total),
  };
}

/** Parses and validates; `undefined` on any defect. */
export function parseIpv4(bytes: Uint8Array): Ipv4Packet | undefined {
  const r = parseIpv4Checked(bytes);
  return typeof r === "string" ? undefined : r;
}

/** Addressing for a frame the fabric originates. */
export interface Ipv4FrameHeader {
  srcMac: Uint8Array;
  dstMac: Uint8Array;
  src: number;
  dst: number;
  proto: number;
  ttl?: number;
  id?: number;
}

/**
 * Builds Ethernet + IPv4 (no options, DF set) with room for `l4Len` bytes; `writeL4`
 * fills them at the given offset. Returns the frame.
 */
export function encodeIpv4Frame(h: Ipv4FrameHeader, l4Len: number, writeL4: (frame: Uint8Array, offset: number) => void): Uint8Array {
  const frame = new Uint8Array(ETH_HEADER_LEN + IP_HEADER_LEN + l4Len);
  writeEthernetHeader(frame, h.dstMac, h.srcMac, ETHERTYPE_IPV4);
  const ip = frame.subarray(ETH_HEADER_LEN);
  const v = new DataView(ip.buffer, ip.byteOffset, ip.byteLength);
  v.setUint8(IP_VER_IHL, 0x45);
  v.setUint16(IP_TOTAL_LEN, IP_HEADER_LEN + l4Len);
  v.setUint16(IP_ID, h.id ?? 0);
  v.setUint16(IP_FLAGS_FRAG, 0x4000);
  v.setUint8(IP_TTL, h.ttl ?? DEFAULT_TTL);
  v.setUint8(IP_PROTO, h.proto);
  v.setUint32(IP_SRC, h.src);
  v.setUint32(IP_DST, h.dst);
  v.setUint16(IP_CSUM, finish(sum16(ip, 0, IP_HEADER_LEN)));
  writeL4(frame, ETH_HEADER_LEN + IP_HEADER_LEN);
  return frame;
}
