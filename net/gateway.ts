/**
 * The segment gateway: the fabric's own host on each segment (PRD §9.4–9.7).
 *
 * Theory of operation: the gateway is a *service* port on the switch with its own MAC
 * and the subnet's first host address. On ingress it
 *  - answers ARP requests for its address (RFC 826) and learns neighbours (IP → MAC)
 *    from ARP and IPv4 sources inside the subnet, into a bounded table;
 *  - answers ICMP echo requests to its address (RFC 792);
 *  - hands UDP to a bound service (`bindUdp`: DHCP on 67, DNS on 53) when addressed to
 *    its IP or a broadcast address, and TCP to its IP to a bound service (`bindTcp`:
 *    DNS over TCP);
 *  - offers every other IPv4 packet it receives (to its MAC) to the pluggable
 *    `IpStack` (the NAT); packets nobody takes get ICMP port unreachable (UDP) or
 *    a TCP RST — guests fail fast instead of timing out.
 * Egress helpers build frames through the codecs. Nothing here owns a socket or timer.
 * `setProxyArp` lets the gateway answer ARP for addresses no guest holds (the `from`
 * of a redirect rule, so guests can address a virtual service IP on the subnet).
 * Out of scope: IPv6 (ignored). Routing between segments is an `IpStack` (`route.ts`).
 */
import { BROADCAST_MAC, cidrBroadcast, cidrContains, cidrFirstHost, ipv4ToString, macToString, type Cidr } from "./addr.ts";
import { ARP_REPLY, ARP_REQUEST, encodeArp, parseArp } from "./arp.ts";
import type { Clock } from "../core/clock/mod.ts";
import { encodeEthernet, ETHERTYPE_ARP, ETHERTYPE_IPV4, parseEthernet, type EthernetFrame } from "./ethernet.ts";
import { encodeIcmpFrame, ICMP_DEST_UNREACHABLE, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, ICMP_UNREACH_PORT, parseIcmp } from "./icmp.ts";
import { parseIpv4, PROTO_ICMP, PROTO_TCP, PROTO_UDP, type Ipv4Packet } from "./ipv4.ts";
import { silentLog, type NetLog } from "./log.ts";
import type { Switch, SwitchPort } from "./switch.ts";
import { ACK, encodeTcpFrame, parseTcp, RST, type TcpSegment } from "./tcp.ts";
import { encodeUdpFrame, parseUdp } from "./udp.ts";

/** Default gateway MAC: locally administered (bit 1 of the first octet). */
export const DEFAULT_GATEWAY_MAC = Uint8Array.of(0x52, 0x56, 0x00, 0x00, 0x00, 0x01);
/** Upper bound of the neighbour table. */
export const MAX_NEIGHBOURS = 4096;
const LIMITED_BROADCAST = 0xffffffff;

/** A UDP datagram that reached a gateway service. */
export interface UdpRequest {
  /** The switch port the datagram came in on, when known. */
  port?: SwitchPort;
  srcMac: Uint8Array;
  src: number;
  srcPort: number;
  dst: number;
  dstPort: number;
  payload: Uint8Array;
}

/** A UDP datagram the gateway should send. */
export interface UdpSend {
  src?: number;
  srcPort: number;
  dst: number;
  dstPort: number;
  /** Destination MAC; defaults to broadcast for broadcast `dst`, else the neighbour table. */
  dstMac?: Uint8Array;
  payload: Uint8Array;
}

/** Service bound to a UDP port on the gateway address. */
export type UdpHandler = (req: UdpRequest) => void;

/** Service bound to a TCP port on the gateway address. */
export type TcpHandler = (srcMac: Uint8Array, ip: Ipv4Packet, seg: TcpSegment) => void;

/** Plug-in IP stack (the NAT) for packets the gateway's own services do not take. */
export interface IpStack {
  /** Returns true if the packet was consumed. */
  handleIpv4(frame: EthernetFrame, ip: Ipv4Packet): boolean;
}

/** Gateway configuration. */
export interface GatewayOptions {
  clock: Clock;
  subnet: Cidr;
  ip?: number;
  mac?: Uint8Array;
  log?: NetLog;
}

/** The fabric's host on one segment. */
export class Gateway {
  readonly ip: number;
  readonly mac: Uint8Array;
  readonly subnet: Cidr;
  readonly #clock: Clock;
  readonly #log: NetLog;
  readonly #udp = new Map<number, UdpHandler>();
  readonly #tcp = new Map<number, TcpHandler>();
  readonly #neighbours = new Map<number, Uint8Array>();
  /** Switch port each neighbour was learned on (when known). */
  readonly #neighbourPorts = new Map<number, number>();
  #stack: IpStack | undefined;
  #proxyArp: ((ip: number) => boolean) | undefined;
  #port: SwitchPort | undefined;
  #ipId = 0;

  constructor(opts: GatewayOptions) {
    this.subnet = opts.subnet;
    this.ip = opts.ip ?? cidrFirstHost(opts.subnet);
    this.mac = opts.mac ?? DEFAULT_GATEWAY_MAC;
    this.#clock = opts.clock;
    this.#log = opts.log ?? silentLog;
  }

  /** Attaches the gateway to `sw` as a service port. */
  attachTo(sw: Switch): SwitchPort {
    this.#port = sw.attach({ name: "gateway", kind: "service", send: (f, from) => this.receive(f, from) });
    return this.#port;
  }

  /** Binds a UDP service (DHCP, DNS) on the gateway address. */
  bindUdp(port: number, handler: UdpHandler): void {
    this.#udp.set(port, handler);
  }

  /** Binds a TCP service on the gateway address (DNS over TCP); it sees every segment to that port. */
  bindTcp(port: number, handler: TcpHandler): void {
    this.#tcp.set(port, handler);
  }

  /** Installs the NAT (or any IP stack) for traffic not addressed to local services. */
  setIpStack(stack: IpStack | undefined): void {
    this.#stack = stack;
  }

  /** Answers ARP for subnet addresses `want(ip)` accepts and no known neighbour holds. */
  setProxyArp(want: ((ip: number) => boolean) | undefined): void {
    this.#proxyArp = want;
  }

  /** True when `ip` has a known MAC in the neighbour table (no ARP is sent). */
  hasNeighbour(ip: number): boolean {
    return this.#neighbours.has(ip);
  }

  /** Sends a frame into the segment. */
  sendFrame(frame: Uint8Array): void {
    this.#port?.receive(frame);
  }

  /** Next IPv4 identification value. */
  nextIpId(): number {
    this.#ipId = (this.#ipId + 1) & 0xffff;
    return this.#ipId;
  }

  /** Known MAC of a neighbour; on a miss, sends an ARP request and returns undefined. */
  resolveMac(ip: number): Uint8Array | undefined {
    const m = this.#neighbours.get(ip);
    if (m) return m;
    if (cidrContains(this.subnet, ip)) {
      const arp = encodeArp({ op: ARP_REQUEST, senderMac: this.mac, senderIp: this.ip, targetMac: new Uint8Array(6), targetIp: ip });
      this.sendFrame(encodeEthernet(BROADCAST_MAC, this.mac, ETHERTYPE_ARP, arp));
    }
    return undefined;
  }

  /** The subnet address last seen from `mac` (ARP or IPv4 source), if any. */
  neighbourIp(mac: Uint8Array, port?: number): number | undefined {
    for (const [ip, m] of this.#neighbours) if (sameMac(m, 0, mac, 0) && (port === undefined || this.#neighbourPorts.get(ip) === port)) return ip;
    return undefined;
  }

  /** Records a neighbour (also used by DHCP when it binds a lease). */
  learnNeighbour(ip: number, mac: Uint8Array, port?: number): void {
    if (!cidrContains(this.subnet, ip) || ip === this.ip || ip === this.subnet.network) return;
    const known = this.#neighbours.get(ip);
    if (known && sameMac(known, 0, mac, 0) && this.#neighbourPorts.get(ip) === port) return;
    if (!known && this.#neighbours.size >= MAX_NEIGHBOURS) {
      const first = this.#neighbours.keys().next();
      if (!first.done) {
        this.#neighbours.delete(first.value);
        this.#neighbourPorts.delete(first.value);
      }
    }
    this.#neighbours.set(ip, mac.slice(0, 6));
    if (port === undefined) this.#neighbourPorts.delete(ip);
    else this.#neighbourPorts.set(ip, port);
  }

  /** Sends a UDP datagram from the gateway. Returns false if the MAC is unknown. */
  sendUdp(s: UdpSend): boolean {
    const bcast = s.dst === LIMITED_BROADCAST || s.dst === cidrBroadcast(this.subnet);
    const dstMac = s.dstMac ?? (bcast ? BROADCAST_MAC : this.resolveMac(s.dst));
    if (!dstMac) return false;
    this.sendFrame(encodeUdpFrame({ srcMac: this.mac, dstMac, src: s.src ?? this.ip, dst: s.dst, id: this.nextIpId() }, s.srcPort, s.dstPort, s.payload));
    return true;
  }

  /** Ingress from the switch. Never throws on malformed frames. */
  receive(bytes: Uint8Array, from?: SwitchPort): void {
    const eth = parseEthernet(bytes);
    if (!eth) return;
    if (eth.type === ETHERTYPE_ARP) return this.#arp(eth, from);
    if (eth.type !== ETHERTYPE_IPV4) return;
    const ip = parseIpv4(eth.payload);
    if (!ip) return;
    if (ip.src !== 0 && cidrContains(this.subnet, ip.src) && !(eth.src[0]! & 1)) this.learnNeighbour(ip.src, eth.src, from?.id);
    const toGroup = (eth.dst[0]! & 1) === 1;
    const forMe = ip.dst === this.ip;
    const bcast = ip.dst === LIMITED_BROADCAST || ip.dst === cidrBroadcast(this.subnet);
    if (toGroup && !bcast) return;
    if (!toGroup && !sameMac(eth.dst, 0, this.mac, 0)) return; // flooded unicast for someone else
    if (ip.proto === PROTO_UDP && (forMe || bcast)) {
      const d = parseUdp(ip);
      if (!d) return;
      const h = this.#udp.get(d.dstPort);
      if (h)
        return h({
          ...(from ? { port: from } : {}),
          srcMac: eth.src.slice(),
          src: ip.src,
          srcPort: d.srcPort,
          dst: ip.dst,
          dstPort: d.dstPort,
          payload: d.payload,
        });
      if (bcast) return;
    }
    if (ip.proto === PROTO_ICMP && forMe) {
      const m = parseIcmp(ip.payload);
      if (m?.type === ICMP_ECHO_REQUEST) {
        this.sendFrame(
          encodeIcmpFrame(
            { srcMac: this.mac, dstMac: eth.src, src: this.ip, dst: ip.src, id: this.nextIpId() },
            ICMP_ECHO_REPLY,
            0,
            (m.id << 16) | m.seq,
            m.data,
          ),
        );
      }
      return;
    }
    if (bcast || toGroup) return;
    if (ip.proto === PROTO_TCP && forMe && this.#tcp.size && ip.payload.byteLength >= 4) {
      // Peek the destination port before a full parse: NAT traffic to the gateway
      // address (host loopback) must not pay for parsing and checksumming twice.
      const h = this.#tcp.get(((ip.payload[2] as number) << 8) | (ip.payload[3] as number));
      const t = h && parseTcp(ip);
      if (h && t) return h(eth.src, ip, t);
      if (h) return;
    }
    if (this.#stack?.handleIpv4(eth, ip)) return;
    this.#refuse(eth, ip);
  }

  #arp(eth: EthernetFrame, from?: SwitchPort): void {
    const a = parseArp(eth.payload);
    if (!a) return;
    if (a.senderIp !== 0) this.learnNeighbour(a.senderIp, a.senderMac, from?.id);
    if (a.op !== ARP_REQUEST) return;
    if (a.targetIp !== this.ip && !(cidrContains(this.subnet, a.targetIp) && !this.#neighbours.has(a.targetIp) && this.#proxyArp?.(a.targetIp))) return;
    const reply = encodeArp({ op: ARP_REPLY, senderMac: this.mac, senderIp: a.targetIp, targetMac: a.senderMac, targetIp: a.senderIp });
    this.sendFrame(encodeEthernet(a.senderMac, this.mac, ETHERTYPE_ARP, reply));
  }

  /** Fail fast: RST for TCP (RFC 9293 §3.10.7.1), port unreachable otherwise. */
  #refuse(eth: EthernetFrame, ip: Ipv4Packet): void {
    const hdr = { srcMac: this.mac, dstMac: eth.src, src: ip.dst, dst: ip.src, id: this.nextIpId() };
    if (ip.proto === PROTO_TCP) {
      const t = parseTcp(ip);
      if (!t || t.flags & RST) return;
      const syn = t.flags & 0x02 ? 1 : 0;
      const fin = t.flags & 0x01 ? 1 : 0;
      const fields =
        t.flags & ACK
          ? { srcPort: t.dstPort, dstPort: t.srcPort, seq: t.ack, ack: 0, flags: RST, window: 0 }
          : { srcPort: t.dstPort, dstPort: t.srcPort, seq: 0, ack: (t.seq + t.payload.byteLength + syn + fin) >>> 0, flags: RST | ACK, window: 0 };
      this.sendFrame(encodeTcpFrame(hdr, fields, new Uint8Array(0)));
      return;
    }
    if (ip.proto === PROTO_UDP) {
      const quote = ip.bytes.subarray(0, Math.min(ip.bytes.byteLength, ip.headerLen + 8));
      this.sendFrame(encodeIcmpFrame({ ...hdr, src: this.ip }, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PORT, 0, quote));
      this.#log({ level: "debug", event: "net.unreachable", message: `No service for UDP to ${ipv4ToString(ip.dst)}`, at: this.#clock.now() });
    }
  }
}

function sameMac(a: Uint8Array, ai: number, b: Uint8Array, bi: number): boolean {
  for (let i = 0; i < 6; i++) if (a[ai + i] !== b[bi + i]) return false;
  return true;
}
