/**
 * DHCP server core (RFC 2131 §4.3, options RFC 2132, RFC 3442) — pure, no I/O.
 *
 * Theory of operation: `handle(msg, now)` maps one client message to at most one
 * reply plus where to send it (RFC 2131 §4.1: unicast to ciaddr when set, broadcast
 * when the client asks or for NAKs, else unicast to yiaddr at chaddr).
 *  - DISCOVER → OFFER of, in order: the client's reservation (static `ip` keyed on the
 *    persisted MAC), its current/previous lease, its requested address if free, the
 *    first free pool address. Offers are held for `OFFER_HOLD_MS`.
 *  - REQUEST in SELECTING (server id present): ours → ACK if the address is still
 *    allocatable to this client, else NAK; someone else's → drop our offer silently.
 *    INIT-REBOOT (requested IP, no server id) and RENEWING/REBINDING (ciaddr): the
 *    server is authoritative for the segment — ACK if allocatable to the client, else NAK
 *    (so a client whose reservation changed moves to it).
 *  - DECLINE quarantines the address for `DECLINE_HOLD_MS`; RELEASE frees the lease;
 *    INFORM → ACK with configuration only (no yiaddr, no lease time, §3.4).
 * Ports (issue #19 item 4, starvation): the driver says which switch port a request
 * came in on (`DhcpClient`). A lease belongs to a port and a MAC; a guest port holds
 * at most one lease (a new MAC on it replaces the old lease), its `chaddr` must be
 * the frame's source MAC, and a MAC pinned to a NIC's port (`pinPort`) is served on
 * that port only — so a guest spoofing many client addresses holds one address, and
 * cannot take a lease in another VM's name. Trunk ports carry many hosts and are
 * exempt from the one-lease and chaddr rules. `addressOf(mac, port)` reports only a
 * lease bound on that port: what the VM really has.
 * Option 26 carries a declared segment MTU. Option 121 is sent when requested and then carries the default route too, since
 * RFC 3442 §3 clients ignore option 3 when 121 is present. Lease state lives in
 * memory; the daemon re-creates servers from config, and reservations are stable.
 */
import { cidrBroadcast, cidrContains, cidrFirstHost, macToString, parseMac, prefixMask, type Cidr } from "./addr.ts";
import {
  classlessRoutesValue,
  clientKey,
  DHCPACK,
  DHCPDECLINE,
  DHCPDISCOVER,
  DHCPINFORM,
  DHCPNAK,
  DHCPOFFER,
  DHCPRELEASE,
  DHCPREQUEST,
  encodeDhcp,
  FLAG_BROADCAST,
  ipOption,
  ipsValue,
  messageType,
  OPT,
  u32Value,
  BOOTREQUEST,
  type ClasslessRoute,
  type DhcpMessage,
} from "./dhcp_message.ts";

/** Default lease time (seconds). */
export const DEFAULT_LEASE_SECONDS = 3600;
/** How long an OFFER reserves its address for the client. */
export const OFFER_HOLD_MS = 60_000;
/** How long a DECLINEd address stays out of the pool. */
export const DECLINE_HOLD_MS = 600_000;

/** A static reservation. */
export interface DhcpReservation {
  mac: string;
  ip: number;
  hostname?: string;
}

/** Server configuration for one segment. */
export interface DhcpConfig {
  subnet: Cidr;
  /** The server's (gateway's) address; default: first host. */
  serverIp?: number;
  /** Option 3; default the server address; `null` to omit. */
  router?: number | null;
  /** Option 6; empty array suppresses (e.g. `dns { enabled = false }`). */
  dns?: number[];
  /** Option 15. */
  domain?: string;
  /** Option 26 (interface MTU); omitted when undefined. */
  mtu?: number;
  leaseSeconds?: number;
  /** Option 121 routes from `route {}` blocks. */
  routes?: ClasslessRoute[];
  reservations?: DhcpReservation[];
  /** Dynamic pool bounds (inclusive); default: every host address but the server's. */
  poolStart?: number;
  poolEnd?: number;
}

/** A lease as shown by `vmlab status`. */
export interface Lease {
  mac: string;
  ip: number;
  /** Switch port the client asked on (`NO_PORT` when the driver did not say). */
  port: number;
  hostname: string | undefined;
  state: "offered" | "bound";
  expiresAt: number;
}

/** What to send back. */
export interface DhcpReply {
  type: number;
  payload: Uint8Array;
  /** Destination IP (255.255.255.255 for broadcast). */
  dst: number;
  /** Destination MAC; undefined means broadcast. */
  dstMac: Uint8Array | undefined;
}

/** Port number of requests handled without a `DhcpClient` (tests, direct calls). */
export const NO_PORT = 0;

/** Where a request came from, as the driver saw it on the switch. */
export interface DhcpClient {
  /** Ingress switch port id. */
  port: number;
  /** Trunk ports carry many hosts: neither one-lease-per-port nor chaddr checks apply. */
  trunk: boolean;
  /** Ethernet source MAC of the frame that carried the request. */
  srcMac: Uint8Array;
}

/** Lease change notification (bind or release). */
export type LeaseListener = (lease: Lease, event: "bound" | "released") => void;

/** In-memory DHCP server for one segment. */
export class DhcpServer {
  readonly serverIp: number;
  readonly #c: DhcpConfig;
  /** Leases by `port/mac`. */
  readonly #byKey = new Map<string, Lease>();
  readonly #byIp = new Map<number, Lease>();
  /** MACs of known NICs → the port they are attached to. */
  readonly #pinned = new Map<string, number>();
  readonly #reservedByMac = new Map<string, DhcpReservation>();
  readonly #reservedIps = new Map<number, string>();
  readonly #declined = new Map<number, number>();
  #listener: LeaseListener | undefined;

  constructor(config: DhcpConfig) {
    this.#c = config;
    this.serverIp = config.serverIp ?? cidrFirstHost(config.subnet);
    for (const r of config.reservations ?? []) this.reserve(r);
  }

  /**
   * Adds (or moves) a static reservation at run time — NICs become known when their VM
   * starts. Returns false if the MAC is malformed or another MAC holds the address.
   */
  reserve(r: DhcpReservation): boolean {
    const m = parseMac(r.mac);
    if (!m) return false;
    const mac = macToString(m);
    const holder = this.#reservedIps.get(r.ip);
    if (holder !== undefined && holder !== mac) return false;
    const old = this.#reservedByMac.get(mac);
    if (old) this.#reservedIps.delete(old.ip);
    this.#reservedByMac.set(mac, r);
    this.#reservedIps.set(r.ip, mac);
    return true;
  }

  /** Drops the reservation of `macText`, if any. */
  unreserve(macText: string): void {
    const m = parseMac(macText);
    if (!m) return;
    const mac = macToString(m);
    const old = this.#reservedByMac.get(mac);
    if (!old) return;
    this.#reservedByMac.delete(mac);
    this.#reservedIps.delete(old.ip);
  }

  /** Subscribes to lease binds/releases (DNS auto-registration, status). */
  onLease(listener: LeaseListener | undefined): void {
    this.#listener = listener;
  }

  /**
   * The address `macText` holds. With `port`: only a bound, unexpired lease taken on
   * that port — what the NIC really has. Without: its reservation, else any bound
   * lease of that MAC.
   */
  addressOf(macText: string, now: number, port?: number): number | undefined {
    const m = parseMac(macText);
    if (!m) return undefined;
    const mac = macToString(m);
    const live = (l: Lease | undefined) => (l && l.state === "bound" && l.expiresAt > now ? l.ip : undefined);
    if (port !== undefined) return live(this.#byKey.get(leaseKey(port, mac)));
    const res = this.#reservedByMac.get(mac);
    if (res) return res.ip;
    for (const l of this.#byKey.values()) if (l.mac === mac && live(l) !== undefined) return l.ip;
    return undefined;
  }

  /**
   * Pins `macText` to switch port `port` (a NIC connected): requests with that MAC
   * from other guest ports are ignored, and a lease it held on an earlier port (a VM
   * restart) moves to the new one so its address stays.
   */
  pinPort(macText: string, port: number): void {
    const m = parseMac(macText);
    if (!m) return;
    const mac = macToString(m);
    this.#pinned.set(mac, port);
    for (const l of [...this.#byKey.values()]) {
      if (l.mac !== mac || l.port === port) continue;
      this.#drop(l);
      const moved = { ...l, port };
      this.#byKey.set(leaseKey(port, mac), moved);
      this.#byIp.set(moved.ip, moved);
    }
  }

  /** Forgets the pin of `macText` (its NIC is gone). */
  unpinPort(macText: string): void {
    const m = parseMac(macText);
    if (m) this.#pinned.delete(macToString(m));
  }

  /** Current leases (bound and offered, unexpired). */
  leases(now: number): Lease[] {
    return [...this.#byKey.values()].filter((l) => l.expiresAt > now).map((l) => ({ ...l }));
  }

  /**
   * Handles one client message. `from` is where it came in (see the module
   * comment); without it every request counts as one port's (`NO_PORT`), as a
   * trunk would.
   */
  handle(msg: DhcpMessage, now: number, from?: DhcpClient): DhcpReply | undefined {
    if (msg.op !== BOOTREQUEST) return undefined;
    const type = messageType(msg);
    const mac = clientKey(msg);
    const port = from?.port ?? NO_PORT;
    const guest = from !== undefined && !from.trunk;
    if (guest) {
      // RFC 2131 leaves chaddr to the client; on a guest port it must be the NIC's own MAC.
      if (macToString(from.srcMac) !== mac) return undefined;
      const pinned = this.#pinned.get(mac);
      if (pinned !== undefined && pinned !== port) return undefined;
    }
    const key = leaseKey(port, mac);
    switch (type) {
      case DHCPDISCOVER: {
        const ip = this.#choose(key, mac, ipOption(msg, OPT.requestedIp), now);
        if (ip === undefined) return undefined;
        this.#record(port, mac, ip, "offered", now + OFFER_HOLD_MS, msg, guest);
        return this.#reply(msg, DHCPOFFER, ip);
      }
      case DHCPREQUEST: {
        const serverId = ipOption(msg, OPT.serverId);
        if (serverId !== undefined && serverId !== this.serverIp) {
          const l = this.#byKey.get(key);
          if (l?.state === "offered") this.#drop(l);
          return undefined;
        }
        const ip = ipOption(msg, OPT.requestedIp) ?? msg.ciaddr;
        if (ip === 0 || !this.#allocatable(key, mac, ip, now)) return this.#reply(msg, DHCPNAK, 0);
        const lease = this.#record(port, mac, ip, "bound", now + this.#leaseSeconds() * 1000, msg, guest);
        this.#listener?.({ ...lease }, "bound");
        return this.#reply(msg, DHCPACK, ip);
      }
      case DHCPDECLINE: {
        const ip = ipOption(msg, OPT.requestedIp);
        const l = this.#byKey.get(key);
        if (ip !== undefined && l?.ip === ip) {
          this.#drop(l);
          this.#declined.set(ip, now + DECLINE_HOLD_MS);
        }
        return undefined;
      }
      case DHCPRELEASE: {
        const l = this.#byKey.get(key);
        if (l && l.ip === msg.ciaddr) {
          this.#drop(l);
          this.#listener?.({ ...l }, "released");
        }
        return undefined;
      }
      case DHCPINFORM:
        return msg.ciaddr ? this.#reply(msg, DHCPACK, 0) : undefined;
      default:
        return undefined;
    }
  }

  #leaseSeconds(): number {
    return this.#c.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  }

  #inPool(ip: number): boolean {
    const s = this.#c.subnet;
    const lo = this.#c.poolStart ?? s.network + 1;
    const hi = this.#c.poolEnd ?? cidrBroadcast(s) - 1;
    return ip >= lo && ip <= hi;
  }

  /** True if `ip` may be bound to the client `key` (port/mac) now. */
  #allocatable(key: string, mac: string, ip: number, now: number): boolean {
    const s = this.#c.subnet;
    if (!cidrContains(s, ip) || ip === s.network || ip === cidrBroadcast(s) || ip === this.serverIp) return false;
    const res = this.#reservedByMac.get(mac);
    if (res) return res.ip === ip;
    if (this.#reservedIps.has(ip) || !this.#inPool(ip)) return false;
    if ((this.#declined.get(ip) ?? 0) > now) return false;
    const holder = this.#byIp.get(ip);
    return !holder || leaseKey(holder.port, holder.mac) === key || holder.expiresAt <= now;
  }

  #choose(key: string, mac: string, requested: number | undefined, now: number): number | undefined {
    const res = this.#reservedByMac.get(mac);
    if (res) return res.ip;
    const prev = this.#byKey.get(key);
    if (prev && this.#allocatable(key, mac, prev.ip, now)) return prev.ip;
    if (requested !== undefined && this.#allocatable(key, mac, requested, now)) return requested;
    const s = this.#c.subnet;
    const lo = Math.max(this.#c.poolStart ?? s.network + 1, s.network + 1);
    const hi = Math.min(this.#c.poolEnd ?? cidrBroadcast(s) - 1, cidrBroadcast(s) - 1);
    for (let ip = lo; ip <= hi; ip++) if (this.#allocatable(key, mac, ip, now)) return ip;
    return undefined;
  }

  /** Records a lease; on a guest port (`onePerPort`) any lease of another MAC on that port goes. */
  #record(port: number, mac: string, ip: number, state: Lease["state"], expiresAt: number, msg: DhcpMessage, onePerPort: boolean): Lease {
    const key = leaseKey(port, mac);
    const old = this.#byKey.get(key);
    if (old) this.#drop(old);
    if (onePerPort) {
      for (const l of [...this.#byKey.values()]) {
        if (l.port !== port) continue;
        this.#drop(l);
        if (l.state === "bound") this.#listener?.({ ...l }, "released");
      }
    }
    const stale = this.#byIp.get(ip);
    if (stale) this.#drop(stale);
    const hn = msg.options.get(OPT.hostname);
    const lease: Lease = {
      mac,
      ip,
      port,
      state,
      expiresAt,
      hostname: this.#reservedByMac.get(mac)?.hostname ?? (hn ? new TextDecoder().decode(hn) : old?.hostname),
    };
    this.#byKey.set(key, lease);
    this.#byIp.set(ip, lease);
    return lease;
  }

  #drop(l: Lease): void {
    const key = leaseKey(l.port, l.mac);
    if (this.#byKey.get(key) === l) this.#byKey.delete(key);
    if (this.#byIp.get(l.ip) === l) this.#byIp.delete(l.ip);
  }

  #reply(msg: DhcpMessage, type: number, yiaddr: number): DhcpReply {
    const c = this.#c;
    const options: [number, Uint8Array][] = [
      [OPT.messageType, Uint8Array.of(type)],
      [OPT.serverId, ipsValue(this.serverIp)],
    ];
    if (type !== DHCPNAK) {
      const lease = this.#leaseSeconds();
      if (type !== DHCPACK || yiaddr !== 0) {
        options.push(
          [OPT.leaseTime, u32Value(lease)],
          [OPT.renewalT1, u32Value(Math.floor(lease / 2))],
          [OPT.rebindingT2, u32Value(Math.floor((lease * 7) / 8))],
        );
      }
      options.push([OPT.subnetMask, ipsValue(prefixMask(c.subnet.prefix))], [OPT.broadcast, ipsValue(cidrBroadcast(c.subnet))]);
      const router = c.router === undefined ? this.serverIp : c.router;
      if (router !== null) options.push([OPT.router, ipsValue(router)]);
      const dns = c.dns ?? [this.serverIp];
      if (dns.length) options.push([OPT.dns, ipsValue(...dns)]);
      if (c.domain) options.push([OPT.domainName, new TextEncoder().encode(c.domain)]);
      if (c.mtu !== undefined) options.push([OPT.interfaceMtu, Uint8Array.of((c.mtu >> 8) & 0xff, c.mtu & 0xff)]);
      const hostname = this.#reservedByMac.get(clientKey(msg))?.hostname;
      if (hostname) options.push([OPT.hostname, new TextEncoder().encode(hostname)]);
      const wants121 = msg.options.get(OPT.paramRequest)?.includes(OPT.classlessRoutes) ?? false;
      if (wants121 && (c.routes?.length ?? 0) > 0) {
        const routes = [...(c.routes ?? [])];
        if (router !== null) routes.push({ dest: { network: 0, prefix: 0 }, via: router });
        options.push([OPT.classlessRoutes, classlessRoutesValue(routes)]);
      }
    } else {
      options.push([OPT.message, new TextEncoder().encode("requested address not available")]);
    }
    const payload = encodeDhcp({
      xid: msg.xid,
      flags: msg.flags,
      ciaddr: type === DHCPACK && yiaddr === 0 ? msg.ciaddr : 0,
      yiaddr,
      siaddr: 0,
      giaddr: msg.giaddr,
      chaddr: msg.chaddr,
      options,
    });
    // RFC 2131 §4.1 destination rules (no relay agents on a vmlab segment).
    if (type === DHCPNAK) return { type, payload, dst: 0xffffffff, dstMac: undefined };
    if (msg.ciaddr !== 0) return { type, payload, dst: msg.ciaddr, dstMac: msg.chaddr };
    if (msg.flags & FLAG_BROADCAST) return { type, payload, dst: 0xffffffff, dstMac: undefined };
    return { type, payload, dst: yiaddr, dstMac: msg.chaddr };
  }
}

function leaseKey(port: number, mac: string): string {
  return `${port}/${mac}`;
}
