/**
 * Address syntax used by lab files: IPv4, CIDR, MAC, `ip[:port]`, `vm:port`,
 * PCI addresses and DNS labels. Parsers return `undefined` (or a reason)
 * on bad input and never throw.
 */

/** Longest DNS label (RFC 1035 §2.3.4). */
export const MAX_DNS_LABEL = 63;

/** IPv4 dotted quad → 32-bit unsigned integer. Rejects leading zeros ("010"). */
export function parseIPv4(s: string): number | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

export interface Cidr {
  readonly network: number;
  readonly prefix: number;
  /** Number of addresses in the block. */
  readonly size: number;
}

/** Parse `a.b.c.d/n`; host bits set is a reason, not silently masked. */
export function parseCidr(s: string): Cidr | { readonly reason: string; readonly hint?: string } {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s);
  if (!m) return { reason: `"${s}" is not a CIDR`, hint: 'write it as address/prefix, e.g. "10.50.0.0/24"' };
  const ip = parseIPv4(m[1] ?? "");
  const prefix = Number(m[2]);
  if (ip === undefined) return { reason: `"${m[1]}" in "${s}" is not an IPv4 address` };
  if (prefix > 32) return { reason: `prefix /${prefix} in "${s}" is larger than 32` };
  const size = 2 ** (32 - prefix);
  const network = Math.floor(ip / size) * size;
  if (network !== ip) return { reason: `"${s}" has host bits set`, hint: `did you mean "${formatIPv4(network)}/${prefix}"?` };
  return { network, prefix, size };
}

export function isCidr(c: Cidr | { reason: string }): c is Cidr {
  return "network" in c;
}

export function cidrContains(c: Cidr, ip: number): boolean {
  return ip >= c.network && ip < c.network + c.size;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.network < b.network + b.size && b.network < a.network + a.size;
}

/** Canonical lower-case MAC, or undefined; multicast MACs (I/G bit set) are rejected. */
export function parseMac(s: string): string | undefined {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(s)) return undefined;
  const first = parseInt(s.slice(0, 2), 16);
  if ((first & 1) === 1) return undefined;
  return s.toLowerCase();
}

/** `host:port` or `host` with an optional port; port 1–65535. */
export function parseHostPort(s: string): { host: string; port: number | undefined } | undefined {
  const m = /^([^:\s]+)(?::(\d{1,5}))?$/.exec(s);
  if (!m) return undefined;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return { host: m[1] ?? "", port };
}

/** A DNS label: letters, digits and inner hyphens, 1–63 characters. Returns a reason when invalid. */
export function dnsLabelProblem(s: string): string | undefined {
  if (s.length === 0) return "it is empty";
  if (s.length > MAX_DNS_LABEL) return `it is ${s.length} characters long (at most ${MAX_DNS_LABEL})`;
  if (!/^[A-Za-z0-9-]+$/.test(s)) return "only letters, digits and hyphens are allowed";
  if (s.startsWith("-") || s.endsWith("-")) return "it may not start or end with a hyphen";
  return undefined;
}

/** A DNS name pattern for records and sinkholes: dot-separated labels, `*` allowed as a whole label. */
export function dnsPatternProblem(s: string): string | undefined {
  const labels = s.replace(/\.$/, "").split(".");
  for (const l of labels) {
    if (l === "*") continue;
    const p = dnsLabelProblem(l);
    if (p !== undefined) return `label "${l}": ${p}`;
  }
  return s.length > 253 ? "the name is longer than 253 characters" : undefined;
}

/** `dddd:bb:dd.f` PCI address (domain optional). */
export function isPciAddress(s: string): boolean {
  return /^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/.test(s);
}
