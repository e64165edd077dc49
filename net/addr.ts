/**
 * MAC and IPv4 addresses, CIDR subnets.
 *
 * IPv4 addresses are carried as unsigned 32-bit numbers (host order) throughout `net/`
 * so that subnet arithmetic is cheap; MACs as 6-byte `Uint8Array`s or their canonical
 * lower-case colon string when used as map keys. Parsers return `undefined` on bad
 * input and never throw.
 */

/** A MAC address as 6 bytes. */
export type Mac = Uint8Array;

/** The all-ones broadcast MAC. */
export const BROADCAST_MAC: Mac = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

/** Parses "52:54:00:aa:bb:cc" (or with dashes). */
export function parseMac(text: string): Mac | undefined {
  const parts = text.trim().split(/[:-]/);
  if (parts.length !== 6) return undefined;
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    const p = parts[i] ?? "";
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return undefined;
    out[i] = parseInt(p, 16);
  }
  return out;
}

/** Canonical lower-case colon form, usable as a map key. */
export function macToString(mac: Uint8Array, offset = 0): string {
  let s = "";
  for (let i = 0; i < 6; i++) {
    const b = mac[offset + i] ?? 0;
    s += (i ? ":" : "") + (b < 16 ? "0" : "") + b.toString(16);
  }
  return s;
}

/** True for broadcast and multicast MACs (I/G bit set, IEEE 802 §8.2). */
export function isGroupMac(mac: Uint8Array, offset = 0): boolean {
  return ((mac[offset] ?? 0) & 1) === 1;
}

/** Parses dotted-quad IPv4 into a uint32. */
export function parseIpv4Address(text: string): number | undefined {
  const parts = text.trim().split(".");
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return v >>> 0;
}

/** Formats a uint32 IPv4 address. */
export function ipv4ToString(ip: number): string {
  return `${(ip >>> 24) & 255}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** An IPv4 subnet: network address and prefix length. */
export interface Cidr {
  readonly network: number;
  readonly prefix: number;
}

/** Netmask of a prefix length as uint32. */
export function prefixMask(prefix: number): number {
  return prefix <= 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses "10.0.0.0/24"; host bits must be zero. */
export function parseCidr(text: string): Cidr | undefined {
  const [ipText, lenText, ...rest] = text.trim().split("/");
  if (rest.length || ipText === undefined || lenText === undefined || !/^\d{1,2}$/.test(lenText)) return undefined;
  const ip = parseIpv4Address(ipText);
  const prefix = Number(lenText);
  if (ip === undefined || prefix > 32) return undefined;
  if ((ip & ~prefixMask(prefix)) >>> 0 !== 0) return undefined;
  return { network: ip, prefix };
}

/** "10.0.0.0/24". */
export function cidrToString(c: Cidr): string {
  return `${ipv4ToString(c.network)}/${c.prefix}`;
}

/** True when `ip` lies in `c`. */
export function cidrContains(c: Cidr, ip: number): boolean {
  return (ip & prefixMask(c.prefix)) >>> 0 === c.network;
}

/** True when the two subnets share any address. */
export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (a.network & prefixMask(p)) >>> 0 === (b.network & prefixMask(p)) >>> 0;
}

/** Broadcast address of a subnet. */
export function cidrBroadcast(c: Cidr): number {
  return (c.network | ~prefixMask(c.prefix)) >>> 0;
}

/** First usable host (the gateway address by vmlab convention, PRD §9.4). */
export function cidrFirstHost(c: Cidr): number {
  return (c.network + 1) >>> 0;
}
