/**
 * TCP segment codec (RFC 9293 §3.1) with the options vmlab's stack uses.
 *
 * Theory of operation: `parseTcp` checks the data offset (≥ 5 words, within the IP
 * payload) and the checksum over the IPv4 pseudo-header, then decodes options:
 * MSS (kind 2, RFC 9293 §3.2), window scale (kind 3, RFC 7323 §2), SACK-permitted
 * (kind 4, RFC 2018) and timestamps (kind 8, RFC 7323 §3). Option parsing stops at EOL,
 * at a length below 2 (a zero-length option would otherwise loop forever) or at a
 * length past the header; the options seen so far are kept and `optionsMalformed` is
 * set. Nothing throws. `encodeTcpFrame` builds Ethernet + IPv4 + TCP in one allocation.
 * Out of scope: urgent data (the pointer is parsed and ignored), TCP-AO/MD5.
 */
import { sum16, finish, pseudoHeaderSum } from "./checksum.ts";
import { encodeIpv4Frame, put32, PROTO_TCP, type Ipv4FrameHeader, type Ipv4Packet } from "./ipv4.ts";

export const TCP_SRC_PORT = 0;
export const TCP_DST_PORT = 2;
export const TCP_SEQ = 4;
export const TCP_ACK = 8;
export const TCP_DATA_OFF = 12;
export const TCP_FLAGS = 13;
export const TCP_WINDOW = 14;
export const TCP_CSUM = 16;
export const TCP_URGENT = 18;
export const TCP_HEADER_LEN = 20;

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;
export const URG = 0x20;

const OPT_EOL = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;
const OPT_WSCALE = 3;
const OPT_SACK_PERMITTED = 4;
const OPT_TIMESTAMP = 8;
/** RFC 7323 §2.3: shifts above 14 are treated as 14. */
export const MAX_WSCALE = 14;

/** Options we understand; absent ones are `undefined`. */
export interface TcpOptions {
  mss?: number;
  wscale?: number;
  sackPermitted?: boolean;
  timestamp?: { value: number; echo: number };
}

/** A validated TCP segment. */
export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  options: TcpOptions;
  optionsMalformed: boolean;
  payload: Uint8Array;
}

/** Decodes the options area; stops safely on malformed input. */
export function parseTcpOptions(b: Uint8Array): { options: TcpOptions; malformed: boolean } {
  const options: TcpOptions = {};
  let i = 0;
  while (i < b.byteLength) {
    const kind = b[i] as number;
    if (kind === OPT_EOL) break;
    if (kind === OPT_NOP) {
      i++;
      continue;
    }
    const len = b[i + 1];
    if (len === undefined || len < 2 || i + len > b.byteLength) return { options, malformed: true };
    const v = new DataView(b.buffer, b.byteOffset + i, len);
    if (kind === OPT_MSS && len === 4) options.mss = v.getUint16(2);
    else if (kind === OPT_WSCALE && len === 3) options.wscale = Math.min(v.getUint8(2), MAX_WSCALE);
    else if (kind === OPT_SACK_PERMITTED && len === 2) options.sackPermitted = true;
    else if (kind === OPT_TIMESTAMP && len === 10) options.timestamp = { value: v.getUint32(2), echo: v.getUint32(6) };
    i += len;
  }
  return { options, malformed: false };
}

/**
 * Parses the TCP payload of `ip`; `undefined` on bad offset or checksum. `verify =
 * false` skips the checksum (bounds are always checked): for frames from a local QEMU
 * socket, which cannot corrupt data in transit, as passt does on its tap side.
 */
export function parseTcp(ip: Ipv4Packet, verify = true): TcpSegment | undefined {
  const b = ip.payload;
  if (b.byteLength < TCP_HEADER_LEN) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const off = (v.getUint8(TCP_DATA_OFF) >> 4) * 4;
  if (off < TCP_HEADER_LEN || off > b.byteLength) return undefined;
  if (verify && finish(sum16(b, 0, b.byteLength, pseudoHeaderSum(ip.src, ip.dst, PROTO_TCP, b.byteLength))) !== 0) return undefined;
  const { options, malformed } = parseTcpOptions(b.subarray(TCP_HEADER_LEN, off));
  return {
    srcPort: v.getUint16(TCP_SRC_PORT),
    dstPort: v.getUint16(TCP_DST_PORT),
    seq: v.getUint32(TCP_SEQ),
    ack: v.getUint32(TCP_ACK),
    flags: v.getUint8(TCP_FLAGS) & 0x3f,
    window: v.getUint16(TCP_WINDOW),
    options,
    optionsMalformed: malformed,
    payload: b.subarray(off),
  };
}

function optionsLength(o: TcpOptions): number {
  let n = 0;
  if (o.mss !== undefined) n += 4;
  if (o.wscale !== undefined) n += 4; // NOP + 3
  if (o.sackPermitted) n += 4; // NOP NOP + 2
  if (o.timestamp) n += 12; // NOP NOP + 10
  return n;
}

function writeOptions(f: Uint8Array, at: number, o: TcpOptions): void {
  const v = new DataView(f.buffer, f.byteOffset);
  let i = at;
  if (o.mss !== undefined) {
    f[i] = OPT_MSS;
    f[i + 1] = 4;
    v.setUint16(i + 2, o.mss);
    i += 4;
  }
  if (o.wscale !== undefined) {
    f.set([OPT_NOP, OPT_WSCALE, 3, o.wscale], i);
    i += 4;
  }
  if (o.sackPermitted) {
    f.set([OPT_NOP, OPT_NOP, OPT_SACK_PERMITTED, 2], i);
    i += 4;
  }
  if (o.timestamp) {
    f.set([OPT_NOP, OPT_NOP, OPT_TIMESTAMP, 10], i);
    v.setUint32(i + 4, o.timestamp.value);
    v.setUint32(i + 8, o.timestamp.echo);
  }
}

/** Fields of a segment to build. */
export interface TcpFields {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  options?: TcpOptions;
}

/** Builds Ethernet + IPv4 + TCP with a computed checksum. */
export function encodeTcpFrame(h: Omit<Ipv4FrameHeader, "proto">, t: TcpFields, payload: Uint8Array): Uint8Array {
  const hdr = TCP_HEADER_LEN + (t.options ? optionsLength(t.options) : 0);
  const len = hdr + payload.byteLength;
  return encodeIpv4Frame(
    h,
    len,
    (f, o) => {
      f[o + TCP_SRC_PORT] = t.srcPort >>> 8;
      f[o + TCP_SRC_PORT + 1] = t.srcPort & 0xff;
      f[o + TCP_DST_PORT] = t.dstPort >>> 8;
      f[o + TCP_DST_PORT + 1] = t.dstPort & 0xff;
      put32(f, o + TCP_SEQ, t.seq >>> 0);
      put32(f, o + TCP_ACK, t.ack >>> 0);
      f[o + TCP_DATA_OFF] = (hdr / 4) << 4;
      f[o + TCP_FLAGS] = t.flags;
      const w = Math.min(t.window, 0xffff);
      f[o + TCP_WINDOW] = w >>> 8;
      f[o + TCP_WINDOW + 1] = w & 0xff;
      if (t.options) writeOptions(f, o + TCP_HEADER_LEN, t.options);
      if (payload.byteLength) f.set(payload, o + hdr);
      // Header and payload are summed apart (the header is a multiple of 4 bytes, so
      // the payload's words line up): the payload's own buffer is already materialised,
      // the fresh frame's is not, and touching `f.buffer` would cost an allocation.
      const c = finish(sum16(f, o, o + hdr, pseudoHeaderSum(h.src, h.dst, PROTO_TCP, len)) + sum16(payload, 0, payload.byteLength));
      f[o + TCP_CSUM] = c >>> 8;
      f[o + TCP_CSUM + 1] = c & 0xff;
    },
    PROTO_TCP,
  );
}
