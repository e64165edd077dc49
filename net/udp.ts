/**
 * UDP datagrams (RFC 768).
 *
 * Theory of operation: `parseUdp` takes a validated IPv4 packet, checks the UDP length
 * field against the IP payload and verifies the checksum over the pseudo-header unless
 * it is zero ("no checksum", RFC 768). `encodeUdpFrame` builds Ethernet + IPv4 + UDP
 * in one allocation with a computed checksum (0 is sent as 0xffff).
 */
import { sum16, finish, pseudoHeaderSum } from "./checksum.ts";
import { encodeIpv4Frame, PROTO_UDP, type Ipv4FrameHeader, type Ipv4Packet } from "./ipv4.ts";

export const UDP_SRC_PORT = 0;
export const UDP_DST_PORT = 2;
export const UDP_LEN = 4;
export const UDP_CSUM = 6;
export const UDP_HEADER_LEN = 8;

/** A validated UDP datagram. */
export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

/** Parses the UDP payload of `ip`; `undefined` on bad length or checksum. */
export function parseUdp(ip: Ipv4Packet): UdpDatagram | undefined {
  const b = ip.payload;
  if (b.byteLength < UDP_HEADER_LEN) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const len = v.getUint16(UDP_LEN);
  if (len < UDP_HEADER_LEN || len > b.byteLength) return undefined;
  if (v.getUint16(UDP_CSUM) !== 0) {
    const s = sum16(b, 0, len, pseudoHeaderSum(ip.src, ip.dst, PROTO_UDP, len));
    if (finish(s) !== 0) return undefined;
  }
  return { srcPort: v.getUint16(UDP_SRC_PORT), dstPort: v.getUint16(UDP_DST_PORT), payload: b.subarray(UDP_HEADER_LEN, len) };
}

/** Builds Ethernet + IPv4 + UDP. */
export function encodeUdpFrame(h: Omit<Ipv4FrameHeader, "proto">, srcPort: number, dstPort: number, payload: Uint8Array): Uint8Array {
  const len = UDP_HEADER_LEN + payload.byteLength;
  return encodeIpv4Frame({ ...h, proto: PROTO_UDP }, len, (f, o) => {
    const v = new DataView(f.buffer, f.byteOffset + o, UDP_HEADER_LEN);
    v.setUint16(UDP_SRC_PORT, srcPort);
    v.setUint16(UDP_DST_PORT, dstPort);
    v.setUint16(UDP_LEN, len);
    f.set(payload, o + UDP_HEADER_LEN);
    const c = finish(sum16(f, o, o + len, pseudoHeaderSum(h.src, h.dst, PROTO_UDP, len)));
    v.setUint16(UDP_CSUM, c === 0 ? 0xffff : c);
  });
}
