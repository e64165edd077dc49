/**
 * DHCP message codec (RFC 2131 §2, options RFC 2132, classless routes RFC 3442).
 *
 * Theory of operation: `parseDhcp` checks the fixed 236-byte BOOTP header, the magic
 * cookie (RFC 2132 §2) and walks the options: pad (0) and end (255) are one byte,
 * everything else is kind/length/value; a length past the buffer stops the walk and
 * marks the message malformed (the options seen so far are kept, the caller decides).
 * Repeated options are concatenated (RFC 3396). Option overload (52) into `sname`/`file`
 * is not honoured — no modern client needs it. `encodeDhcp` writes a reply with the
 * options in the given order, ending with 255.
 */
import { macToString, prefixMask, type Cidr } from "./addr.ts";

export const DHCP_OP = 0;
export const DHCP_HTYPE = 1;
export const DHCP_HLEN = 2;
export const DHCP_HOPS = 3;
export const DHCP_XID = 4;
export const DHCP_SECS = 8;
export const DHCP_FLAGS = 10;
export const DHCP_CIADDR = 12;
export const DHCP_YIADDR = 16;
export const DHCP_SIADDR = 20;
export const DHCP_GIADDR = 24;
export const DHCP_CHADDR = 28;
export const DHCP_COOKIE = 236;
export const DHCP_OPTIONS = 240;
/** RFC 2132 §2 magic cookie. */
export const MAGIC_COOKIE = 0x63825363;
/** Broadcast flag (RFC 2131 §2, figure 2). */
export const FLAG_BROADCAST = 0x8000;
export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;

/** Option codes used here (RFC 2132 unless noted). */
export const OPT = {
  pad: 0,
  subnetMask: 1,
  router: 3,
  dns: 6,
  hostname: 12,
  domainName: 15,
  interfaceMtu: 26, // RFC 2132 §5.1
  broadcast: 28,
  requestedIp: 50,
  leaseTime: 51,
  messageType: 53,
  serverId: 54,
  paramRequest: 55,
  message: 56,
  renewalT1: 58,
  rebindingT2: 59,
  clientId: 61,
  classlessRoutes: 121, // RFC 3442
  end: 255,
} as const;

/** Message types (option 53). */
export const DHCPDISCOVER = 1;
export const DHCPOFFER = 2;
export const DHCPREQUEST = 3;
export const DHCPDECLINE = 4;
export const DHCPACK = 5;
export const DHCPNAK = 6;
export const DHCPRELEASE = 7;
export const DHCPINFORM = 8;

/** A parsed DHCP message. */
export interface DhcpMessage {
  op: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: number;
  yiaddr: number;
  siaddr: number;
  giaddr: number;
  /** Client hardware address (Ethernet: 6 bytes). */
  chaddr: Uint8Array;
  /** Option code → value bytes. */
  options: Map<number, Uint8Array>;
  malformed: boolean;
}

/** Parses a DHCP payload; `undefined` if it is not an Ethernet DHCP message. */
export function parseDhcp(b: Uint8Array): DhcpMessage | undefined {
  if (b.byteLength < DHCP_OPTIONS) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(DHCP_COOKIE) !== MAGIC_COOKIE) return undefined;
  if (v.getUint8(DHCP_HTYPE) !== 1 || v.getUint8(DHCP_HLEN) !== 6) return undefined;
  const options = new Map<number, Uint8Array>();
  let malformed = false;
  let i = DHCP_OPTIONS;
  while (i < b.byteLength) {
    const code = b[i] as number;
    if (code === OPT.end) break;
    if (code === OPT.pad) {
      i++;
      continue;
    }
    const len = b[i + 1];
    if (len === undefined || i + 2 + len > b.byteLength) {
      malformed = true;
      break;
    }
    const val = b.subarray(i + 2, i + 2 + len);
    const prev = options.get(code);
    options.set(code, prev ? concat(prev, val) : val.slice());
    i += 2 + len;
  }
  return {
    op: v.getUint8(DHCP_OP),
    xid: v.getUint32(DHCP_XID),
    secs: v.getUint16(DHCP_SECS),
    flags: v.getUint16(DHCP_FLAGS),
    ciaddr: v.getUint32(DHCP_CIADDR),
    yiaddr: v.getUint32(DHCP_YIADDR),
    siaddr: v.getUint32(DHCP_SIADDR),
    giaddr: v.getUint32(DHCP_GIADDR),
    chaddr: b.slice(DHCP_CHADDR, DHCP_CHADDR + 6),
    options,
    malformed,
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}

/** Message type (option 53) or undefined. */
export function messageType(m: DhcpMessage): number | undefined {
  const t = m.options.get(OPT.messageType);
  return t?.byteLength === 1 ? t[0] : undefined;
}

/** Reads a 4-byte address option. */
export function ipOption(m: DhcpMessage, code: number): number | undefined {
  const o = m.options.get(code);
  return o?.byteLength === 4 ? new DataView(o.buffer, o.byteOffset, 4).getUint32(0) : undefined;
}

/** Client MAC as a map key. */
export function clientKey(m: DhcpMessage): string {
  return macToString(m.chaddr);
}

/** Encodes addresses as an option value. */
export function ipsValue(...ips: number[]): Uint8Array {
  const out = new Uint8Array(ips.length * 4);
  const v = new DataView(out.buffer);
  ips.forEach((ip, i) => v.setUint32(i * 4, ip));
  return out;
}

/** Encodes a 32-bit number option value. */
export function u32Value(n: number): Uint8Array {
  return ipsValue(n >>> 0);
}

/** A static route for option 121. */
export interface ClasslessRoute {
  dest: Cidr;
  via: number;
}

/** RFC 3442 §3 encoding: width, significant octets of the destination, router. */
export function classlessRoutesValue(routes: readonly ClasslessRoute[]): Uint8Array {
  const bytes: number[] = [];
  for (const r of routes) {
    bytes.push(r.dest.prefix);
    const net = (r.dest.network & prefixMask(r.dest.prefix)) >>> 0;
    for (let k = 0; k < Math.ceil(r.dest.prefix / 8); k++) bytes.push((net >>> (24 - 8 * k)) & 255);
    bytes.push((r.via >>> 24) & 255, (r.via >>> 16) & 255, (r.via >>> 8) & 255, r.via & 255);
  }
  return Uint8Array.from(bytes);
}

/** Fields of a reply. */
export interface DhcpReplyFields {
  xid: number;
  flags: number;
  ciaddr: number;
  yiaddr: number;
  siaddr: number;
  giaddr: number;
  chaddr: Uint8Array;
  options: [number, Uint8Array][];
}

/** Encodes a BOOTREPLY; options longer than 255 bytes are split (RFC 3396). */
export function encodeDhcp(r: DhcpReplyFields): Uint8Array {
  let optLen = 1;
  for (const [, val] of r.options) optLen += val.byteLength + 2 * Math.max(1, Math.ceil(val.byteLength / 255));
  const out = new Uint8Array(Math.max(300, DHCP_OPTIONS + optLen));
  const v = new DataView(out.buffer);
  v.setUint8(DHCP_OP, BOOTREPLY);
  v.setUint8(DHCP_HTYPE, 1);
  v.setUint8(DHCP_HLEN, 6);
  v.setUint32(DHCP_XID, r.xid);
  v.setUint16(DHCP_FLAGS, r.flags);
  v.setUint32(DHCP_CIADDR, r.ciaddr);
  v.setUint32(DHCP_YIADDR, r.yiaddr);
  v.setUint32(DHCP_SIADDR, r.siaddr);
  v.setUint32(DHCP_GIADDR, r.giaddr);
  out.set(r.chaddr.subarray(0, 6), DHCP_CHADDR);
  v.setUint32(DHCP_COOKIE, MAGIC_COOKIE);
  let i = DHCP_OPTIONS;
  for (const [code, val] of r.options) {
    let at = 0;
    do {
      const n = Math.min(255, val.byteLength - at);
      out[i] = code;
      out[i + 1] = n;
      out.set(val.subarray(at, at + n), i + 2);
      i += 2 + n;
      at += n;
    } while (at < val.byteLength);
  }
  out[i] = OPT.end;
  return out;
}
