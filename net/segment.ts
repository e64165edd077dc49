/**
 * A segment: switch + gateway + DHCP + DNS, composed (PRD §9.1, §9.4, §9.5).
 *
 * Theory of operation: the lab daemon creates one `Segment` per declared (or built-in
 * NAT) segment and calls `attachPort(send)` per NIC; the returned port's `receive`
 * is the ingress for frames from that NIC (see `attachStreamSocket` for the QEMU
 * socket driver). The gateway sits on the switch as a service port; DHCP (UDP 67) and
 * DNS (UDP 53, and TCP 53 for the truncation fallback) are bound on it unless disabled. DHCP lease binds for MACs listed in
 * `hosts` auto-register `<vm>.<lab>.<suffix>` in DNS; reservations register at once.
 * Queries DNS cannot answer go to the injected `forwarder`; with none, or when it
 * fails, the guest gets SERVFAIL. NAT plugs in with `setIpStack`.
 */
import { BROADCAST_MAC, macToString, parseMac, type Cidr } from "./addr.ts";
import type { Clock } from "../core/clock/mod.ts";
import { DHCPACK, parseDhcp } from "./dhcp_message.ts";
import { DhcpServer, type DhcpConfig, type Lease } from "./dhcp_server.ts";
import { encodeDnsError, RCODE_SERVFAIL, truncateResponse } from "./dns_message.ts";
import { DnsServer, type DnsConfig } from "./dns_server.ts";
import type { DnsForwarder } from "./dns_upstream.ts";
import { Gateway, type IpStack } from "./gateway.ts";
import { silentLog, type NetLog } from "./log.ts";
import { Switch, type SwitchPort } from "./switch.ts";
import { serveDnsOverTcp } from "./dns_tcp.ts";
import { TcpService } from "./tcp_service.ts";

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
export const DNS_PORT = 53;

/** A guest NIC known to the segment, for DNS auto-registration. */
export interface SegmentHost {
  vm: string;
  lab: string;
  mac: string;
}

/** Segment configuration. */
export interface SegmentConfig {
  name: string;
  clock: Clock;
  subnet: Cidr;
  mtu?: number;
  gatewayMac?: Uint8Array;
  log?: NetLog;
  /** DHCP settings; `false` = `dhcp = false`. Subnet and server address come from the segment. */
  dhcp?: Omit<DhcpConfig, "subnet" | "serverIp"> | false;
  /** DNS settings; `false` = `dns { enabled = false }` (also removes option 6). */
  dns?: (DnsConfig & { forwarder?: DnsForwarder }) | false;
  hosts?: SegmentHost[];
}

/** One virtual L2 segment with its gateway services. */
export class Segment {
  readonly name: string;
  readonly switch: Switch;
  readonly gateway: Gateway;
  readonly dhcp: DhcpServer | undefined;
  readonly dns: DnsServer | undefined;
  readonly #clock: Clock;
  readonly #log: NetLog;
  readonly #hostsByMac = new Map<string, SegmentHost>();
  #dnsTcp: TcpService | undefined;

  constructor(c: SegmentConfig) {
    this.name = c.name;
    this.#clock = c.clock;
    this.#log = c.log ?? silentLog;
    this.switch = new Switch({ clock: c.clock, mtu: c.mtu });
    this.gateway = new Gateway({ clock: c.clock, subnet: c.subnet, mac: c.gatewayMac, log: this.#log });
    this.gateway.attachTo(this.switch);
    for (const h of c.hosts ?? []) {
      const mac = parseMac(h.mac);
      if (mac) this.#hostsByMac.set(macToString(mac), h);
    }
    if (c.dns !== false) {
      const dnsCfg = c.dns ?? {};
      this.dns = new DnsServer({ localSubnets: [c.subnet], ...dnsCfg });
      this.#bindDns(this.dns, dnsCfg.forwarder);
    }
    if (c.dhcp !== false) {
      const d = c.dhcp ?? {};
      const dnsServers = d.dns ?? (this.dns ? [this.gateway.ip] : []);
      this.dhcp = new DhcpServer({ ...d, dns: dnsServers, subnet: c.subnet, serverIp: this.gateway.ip });
      this.#bindDhcp(this.dhcp);
      for (const r of d.reservations ?? []) this.#register(r.mac, r.ip);
      this.dhcp.onLease((l, e) => (e === "bound" ? this.#register(l.mac, l.ip) : this.#unregister(l.mac)));
    }
  }

  /** Attaches a NIC; `send` receives frames for it. */
  attachPort(send: (frame: Uint8Array) => void, opts: { isolated?: boolean; name?: string } = {}): SwitchPort {
    return this.switch.attach({ send, isolated: opts.isolated, name: opts.name });
  }

  /**
   * Makes a NIC known after construction (VMs start later than their segment): DNS
   * auto-registration on its lease, and with `ip` a DHCP reservation registered at
   * once. Returns false if the MAC is malformed or the address is reserved by another.
   */
  addHost(h: SegmentHost, ip?: number): boolean {
    const mac = parseMac(h.mac);
    if (!mac) return false;
    this.#hostsByMac.set(macToString(mac), h);
    if (ip === undefined) return true;
    if (this.dhcp && !this.dhcp.reserve({ mac: h.mac, ip, hostname: h.vm })) return false;
    this.#register(h.mac, ip);
    return true;
  }

  /** Forgets a NIC: its reservation and its DNS names. */
  removeHost(macText: string): void {
    this.#unregister(macText);
    this.dhcp?.unreserve(macText);
    this.dhcp?.unpinPort(macText);
    const mac = parseMac(macText);
    if (mac) this.#hostsByMac.delete(macToString(mac));
  }

  /** Installs the NAT (or removes it with `undefined`). */
  setIpStack(stack: IpStack | undefined): void {
    this.gateway.setIpStack(stack);
  }

  /** Resets DNS-over-TCP connections (the daemon calls this when the segment goes away). */
  close(): void {
    this.#dnsTcp?.close();
  }

  /**
   * The address a NIC uses on this segment, from the lease table: its reservation or
   * bound lease, else (DHCP off, or a guest configured by hand) the address the gateway
   * last saw it use. Undefined until the guest has one.
   */
  addressOf(macText: string, port?: number): number | undefined {
    const mac = parseMac(macText);
    if (!mac) return undefined;
    return this.dhcp?.addressOf(macText, this.#clock.now(), port) ?? this.gateway.neighbourIp(mac, port);
  }

  /**
   * A NIC with this MAC is attached on switch port `port`: DHCP serves its MAC on that
   * port only, and `addressOf(mac, port)` then reports what that port really holds.
   */
  pinPort(macText: string, port: number): void {
    this.dhcp?.pinPort(macText, port);
  }

  /** Current DHCP leases (empty when DHCP is off). */
  leases(): Lease[] {
    return this.dhcp?.leases(this.#clock.now()) ?? [];
  }

  #register(macText: string, ip: number): void {
    const mac = parseMac(macText);
    const h = mac && this.#hostsByMac.get(macToString(mac));
    if (h && this.dns) this.dns.setHost(h.vm, h.lab, [ip]);
  }

  #unregister(macText: string): void {
    const mac = parseMac(macText);
    const h = mac && this.#hostsByMac.get(macToString(mac));
    if (h && this.dns) this.dns.removeHost(h.vm, h.lab);
  }

  #bindDhcp(server: DhcpServer): void {
    this.gateway.bindUdp(DHCP_SERVER_PORT, (req) => {
      const msg = parseDhcp(req.payload);
      if (!msg) return;
      const from = req.port ? { port: req.port.id, trunk: req.port.trunk, srcMac: req.srcMac } : undefined;
      const r = server.handle(msg, this.#clock.now(), from);
      if (!r) return;
      if (r.type === DHCPACK && r.dst !== 0xffffffff && r.dstMac) this.gateway.learnNeighbour(r.dst, r.dstMac, req.port?.id);
      this.gateway.sendUdp({ srcPort: DHCP_SERVER_PORT, dst: r.dst, dstPort: DHCP_CLIENT_PORT, dstMac: r.dstMac ?? BROADCAST_MAC, payload: r.payload });
    });
  }

  #bindDns(server: DnsServer, forwarder: DnsForwarder | undefined): void {
    const resolve = async (payload: Uint8Array, transport: "udp" | "tcp"): Promise<Uint8Array | undefined> => {
      const out = server.answer(payload, transport);
      if ("reply" in out) return out.reply;
      if ("drop" in out) return undefined;
      const q = out.forward;
      const fail = encodeDnsError(q.id, RCODE_SERVFAIL);
      if (!forwarder) return fail;
      try {
        const r = await forwarder(payload);
        return r ? (transport === "udp" ? truncateResponse(r, q.udpLimit) : r) : fail;
      } catch (e) {
        this.#log({ level: "warn", event: "net.dns_forward_failed", message: `DNS forward failed: ${String(e)}`, segment: this.name });
        return fail;
      }
    };
    this.gateway.bindUdp(DNS_PORT, (req) => {
      // Local answers go out synchronously; only forwarded ones wait for the upstream.
      const out = server.answer(req.payload, "udp");
      const send = (payload: Uint8Array) => this.gateway.sendUdp({ srcPort: DNS_PORT, dst: req.src, dstPort: req.srcPort, dstMac: req.srcMac, payload });
      if ("reply" in out) return send(out.reply);
      if ("drop" in out) return;
      if (!forwarder) return send(encodeDnsError(out.forward.id, RCODE_SERVFAIL));
      void resolve(req.payload, "udp").then((r) => r && send(r));
    });
    this.#dnsTcp = new TcpService(this.gateway, DNS_PORT, this.#clock, this.switch.mtu, (conn) => serveDnsOverTcp(conn, (q) => resolve(q, "tcp"), this.#clock));
    const svc = this.#dnsTcp;
    this.gateway.bindTcp(DNS_PORT, (mac, ip, seg) => svc.input(mac, ip, seg));
  }
}
