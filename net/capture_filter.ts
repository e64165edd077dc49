/**
 * Capture filters: a small subset of tcpdump's filter language, compiled to a predicate
 * over Ethernet frames (`vmlab capture --filter`).
 *
 * Grammar (keywords case-insensitive; juxtaposition means `and`, as in pcap-filter):
 *
 *   expr  := and ("or" and)*
 *   and   := unary (["and"] unary)*
 *   unary := "not" unary | "(" expr ")" | prim
 *   prim  := "arp" | "ip" | "icmp" | "tcp" | "udp"
 *          | ["src" | "dst"] "host" <ipv4> | ["src" | "dst"] "port" <1..65535>
 *          | "ether" ["src" | "dst"] "host" <mac>
 *
 * `host` matches IPv4 source/destination and also ARP sender/target addresses; `port`
 * matches TCP and UDP (first fragments only). Frames with one 802.1Q tag are looked
 * through. Anything else in the filter is a parse error naming the token — we never
 * silently capture more or less than asked. Left out: BPF, byte offsets, IPv6.
 */
import { parseIpv4Address } from "./addr.ts";
import { parseMac } from "./addr.ts";

/** A compiled filter. */
export type FramePredicate = (frame: Uint8Array) => boolean;

/** Result of `compileCaptureFilter`. */
export type FilterResult = { ok: true; match: FramePredicate } | { ok: false; message: string; token: string };

const ETH_P_IP = 0x0800;
const ETH_P_ARP = 0x0806;
const ETH_P_8021Q = 0x8100;

/** Offset of the L3 header and the ethertype, looking through one VLAN tag. */
function l3(f: Uint8Array): { type: number; at: number } | undefined {
  if (f.byteLength < 14) return undefined;
  let type = ((f[12] as number) << 8) | (f[13] as number);
  let at = 14;
  if (type === ETH_P_8021Q) {
    if (f.byteLength < 18) return undefined;
    type = ((f[16] as number) << 8) | (f[17] as number);
    at = 18;
  }
  return { type, at };
}

const u32 = (f: Uint8Array, at: number): number =>
  (((f[at] as number) << 24) | ((f[at + 1] as number) << 16) | ((f[at + 2] as number) << 8) | (f[at + 3] as number)) >>> 0;

function ipv4(f: Uint8Array): { at: number; proto: number; src: number; dst: number; l4: number | undefined } | undefined {
  const h = l3(f);
  if (!h || h.type !== ETH_P_IP || f.byteLength < h.at + 20) return undefined;
  const ihl = ((f[h.at] as number) & 0x0f) * 4;
  const fragOff = (((f[h.at + 6] as number) & 0x1f) << 8) | (f[h.at + 7] as number);
  const l4 = fragOff === 0 && ihl >= 20 ? h.at + ihl : undefined;
  return { at: h.at, proto: f[h.at + 9] as number, src: u32(f, h.at + 12), dst: u32(f, h.at + 16), l4 };
}

type Dir = "src" | "dst" | "any";

const isProto =
  (p: number): FramePredicate =>
  (f) =>
    ipv4(f)?.proto === p;

function hostMatch(ip: number, dir: Dir): FramePredicate {
  return (f) => {
    const h = ipv4(f);
    if (h) return (dir !== "dst" && h.src === ip) || (dir !== "src" && h.dst === ip);
    const a = l3(f);
    if (!a || a.type !== ETH_P_ARP || f.byteLength < a.at + 28) return false;
    return (dir !== "dst" && u32(f, a.at + 14) === ip) || (dir !== "src" && u32(f, a.at + 24) === ip);
  };
}

function portMatch(port: number, dir: Dir): FramePredicate {
  return (f) => {
    const h = ipv4(f);
    if (!h || (h.proto !== 6 && h.proto !== 17) || h.l4 === undefined || f.byteLength < h.l4 + 4) return false;
    const sp = ((f[h.l4] as number) << 8) | (f[h.l4 + 1] as number);
    const dp = ((f[h.l4 + 2] as number) << 8) | (f[h.l4 + 3] as number);
    return (dir !== "dst" && sp === port) || (dir !== "src" && dp === port);
  };
}

function etherMatch(mac: Uint8Array, dir: Dir): FramePredicate {
  const eq = (f: Uint8Array, at: number) => f.byteLength >= at + 6 && mac.every((b, i) => f[at + i] === b);
  return (f) => (dir !== "src" && eq(f, 0)) || (dir !== "dst" && eq(f, 6));
}

class FilterError extends Error {
  constructor(
    message: string,
    readonly token: string,
  ) {
    super(message);
  }
}

/** Compiles `text`; an empty filter matches everything. */
export function compileCaptureFilter(text: string): FilterResult {
  const toks = text.match(/\(|\)|[^\s()]+/g) ?? [];
  let i = 0;
  const peek = (): string | undefined => toks[i]?.toLowerCase();
  const next = (what: string): string => {
    const t = toks[i++];
    if (t === undefined) throw new FilterError(`the filter ends where ${what} was expected`, "");
    return t;
  };
  const expr = (): FramePredicate => {
    let left = and();
    while (peek() === "or") {
      i++;
      const a = left;
      const b = and();
      left = (f) => a(f) || b(f);
    }
    return left;
  };
  const and = (): FramePredicate => {
    let left = unary();
    for (;;) {
      const t = peek();
      if (t === undefined || t === "or" || t === ")") return left;
      if (t === "and") i++;
      const a = left;
      const b = unary();
      left = (f) => a(f) && b(f);
    }
  };
  const unary = (): FramePredicate => {
    const t = peek();
    if (t === "not") {
      i++;
      const a = unary();
      return (f) => !a(f);
    }
    if (t === "(") {
      i++;
      const e = expr();
      const close = next("`)`");
      if (close !== ")") throw new FilterError(`expected \`)\`, found \`${close}\``, close);
      return e;
    }
    return prim();
  };
  const prim = (): FramePredicate => {
    const raw = next("a term (arp, ip, icmp, tcp, udp, host, port, ether)");
    const t = raw.toLowerCase();
    switch (t) {
      case "arp":
        return (f) => l3(f)?.type === ETH_P_ARP;
      case "ip":
        return (f) => l3(f)?.type === ETH_P_IP;
      case "icmp":
        return isProto(1);
      case "tcp":
        return isProto(6);
      case "udp":
        return isProto(17);
      case "src":
      case "dst":
      case "host":
      case "port": {
        const dir: Dir = t === "src" || t === "dst" ? t : "any";
        const kind = dir === "any" ? t : next("`host` or `port`").toLowerCase();
        return hostOrPort(kind, dir);
      }
      case "ether": {
        let w = next("`host`, `src` or `dst`").toLowerCase();
        let dir: Dir = "any";
        if (w === "src" || w === "dst") {
          dir = w;
          w = next("`host`").toLowerCase();
        }
        if (w !== "host") throw new FilterError(`expected \`host\` after \`ether\`, found \`${w}\``, w);
        const m = next("a MAC address");
        const mac = parseMac(m);
        if (!mac) throw new FilterError(`\`${m}\` is not a MAC address`, m);
        return etherMatch(mac, dir);
      }
      default:
        throw new FilterError(`unknown filter term \`${raw}\``, raw);
    }
  };
  const hostOrPort = (kind: string, dir: Dir): FramePredicate => {
    if (kind === "host") {
      const a = next("an IPv4 address");
      const ip = parseIpv4Address(a);
      if (ip === undefined) throw new FilterError(`\`${a}\` is not an IPv4 address`, a);
      return hostMatch(ip, dir);
    }
    if (kind === "port") {
      const p = next("a port number");
      const n = /^\d{1,5}$/.test(p) ? Number(p) : NaN;
      if (!(n >= 1 && n <= 65_535)) throw new FilterError(`\`${p}\` is not a port number (1–65535)`, p);
      return portMatch(n, dir);
    }
    throw new FilterError(`expected \`host\` or \`port\`, found \`${kind}\``, kind);
  };
  try {
    if (!toks.length) return { ok: true, match: () => true };
    const m = expr();
    if (i < toks.length) {
      const t = toks[i] as string;
      throw new FilterError(`unexpected \`${t}\``, t);
    }
    return { ok: true, match: m };
  } catch (e) {
    if (e instanceof FilterError) return { ok: false, message: e.message, token: e.token };
    throw e;
  }
}
