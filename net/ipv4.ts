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
 * fills them at the given offset. Returns the frame. `proto` overrides `h.proto` so hot
 * callers need not copy the header object.
 */
export function encodeIpv4Frame(
  h: Omit<Ipv4FrameHeader, "proto"> & { proto?: number },
  l4Len: number,
  writeL4: (frame: Uint8Array, offset: number) => void,
  proto = h.proto ?? 0,
): Uint8Array {
  const frame = new Uint8Array(ETH_HEADER_LEN + IP_HEADER_LEN + l4Len);
  writeEthernetHeader(frame, h.dstMac, h.srcMac, ETHERTYPE_IPV4);
  // Plain byte stores (no DataView/subarray objects): this runs once per frame sent.
  const o = ETH_HEADER_LEN;
  const total = IP_HEADER_LEN + l4Len;
  const id = h.id ?? 0;
  frame[o + IP_VER_IHL] = 0x45;
  frame[o + IP_TOTAL_LEN] = total >>> 8;
  frame[o + IP_TOTAL_LEN + 1] = total & 0xff;
  frame[o + IP_ID] = id >>> 8;
  frame[o + IP_ID + 1] = id & 0xff;
  frame[o + IP_FLAGS_FRAG] = 0x40;
  frame[o + IP_TTL] = h.ttl ?? DEFAULT_TTL;
  frame[o + IP_PROTO] = proto;
  put32(frame, o + IP_SRC, h.src);
  put32(frame, o + IP_DST, h.dst);
  const c = finish(sum16(frame, o, o + IP_HEADER_LEN));
  frame[o + IP_CSUM] = c >>> 8;
  frame[o + IP_CSUM + 1] = c & 0xff;
  writeL4(frame, ETH_HEADER_LEN + IP_HEADER_LEN);
  return frame;
}

/** Stores a 32-bit big-endian value. */
export function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}
