/**
 * ICMP for IPv4 (RFC 792): echo request/reply and destination unreachable.
 *
 * Theory of operation: `parseIcmp` checks length and checksum and exposes type, code,
 * and the rest. The gateway answers echo requests to its own address by reflecting the
 * identifier, sequence and data (RFC 792 "Echo or Echo Reply Message"); unreachables
 * quote the offending IP header plus 8 bytes as RFC 792 requires. Other types are
 * parsed but not acted on.
 */
import { sum16, finish } from "./checksum.ts";
import { encodeIpv4Frame, PROTO_ICMP, type Ipv4FrameHeader } from "./ipv4.ts";

export const ICMP_TYPE = 0;
export const ICMP_CODE = 1;
export const ICMP_CSUM = 2;
export const ICMP_ID = 4;
export const ICMP_SEQ = 6;
export const ICMP_HEADER_LEN = 8;

export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACHABLE = 3;
export const ICMP_ECHO_REQUEST = 8;
export const ICMP_TIME_EXCEEDED = 11;
/** Destination unreachable codes (RFC 792, RFC 1191 §4, RFC 1812 §5.2.7.1). */
export const ICMP_UNREACH_NET = 0;
export const ICMP_UNREACH_PORT = 3;
export const ICMP_UNREACH_FRAG_NEEDED = 4;
export const ICMP_UNREACH_ADMIN = 13;

/** A validated ICMP message. */
export interface IcmpMessage {
  type: number;
  code: number;
  /** Identifier (echo only). */
  id: number;
  /** Sequence number (echo only). */
  seq: number;
  /** Bytes after the 8-byte header. */
  data: Uint8Array;
}

/** Parses an ICMP message; `undefined` if truncated or the checksum is wrong. */
export function parseIcmp(bytes: Uint8Array): IcmpMessage | undefined {
  if (bytes.byteLength < ICMP_HEADER_LEN) return undefined;
  if (finish(sum16(bytes, 0, bytes.byteLength)) !== 0) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    type: v.getUint8(ICMP_TYPE),
    code: v.getUint8(ICMP_CODE),
    id: v.getUint16(ICMP_ID),
    seq: v.getUint16(ICMP_SEQ),
    data: bytes.subarray(ICMP_HEADER_LEN),
  };
}

/** Builds a frame carrying an ICMP message; `rest` is the 4 bytes after the checksum. */
export function encodeIcmpFrame(h: Omit<Ipv4FrameHeader, "proto">, type: number, code: number, rest: number, data: Uint8Array): Uint8Array {
  return encodeIpv4Frame({ ...h, proto: PROTO_ICMP }, ICMP_HEADER_LEN + data.byteLength, (f, o) => {
    const v = new DataView(f.buffer, f.byteOffset + o, ICMP_HEADER_LEN);
    v.setUint8(ICMP_TYPE, type);
    v.setUint8(ICMP_CODE, code);
    v.setUint32(ICMP_ID, rest >>> 0);
    f.set(data, o + ICMP_HEADER_LEN);
    v.setUint16(ICMP_CSUM, finish(sum16(f, o, f.byteLength)));
  });
}
