/**
 * NAT: guest TCP/UDP re-originated as host sockets (PRD §9.7), slirp/passt style.
 *
 * Theory of operation: the `Nat` is the segment gateway's `IpStack`. It sees every
 * IPv4 packet guests send to the gateway MAC that the gateway's own services did not
 * take, and hands it to the table of its protocol, each keyed by (guest ip:port,
 * destination ip:port) — one file per protocol, as passt has `tcp.c`, `udp.c`, `icmp.c`:
 *  - `tcp.ts`: host `connect()` per guest SYN, a userspace `TcpConnection` spliced to
 *    the socket with backpressure both ways; `openToGuest` for port forwards.
 *  - `udp.ts`: one connected `udp4` socket per flow; `udpAssociate` for UDP forwards.
 *  - `icmp.ts`: echo sessions through Linux ping sockets when the host allows them;
 *    otherwise the first attempt logs one `net.nat_icmp_unsupported` line saying why
 *    (`pingUnavailable`, default `icmpEchoLimit()`); the gateway itself still answers.
 * This facade owns what the tables share: the dispatch, one sweep timer (only while
 * flows exist) that expires idle flows of every table, and the forward port counter.
 * Out of scope: IPv6, ICMP errors for NAT'd flows.
 */
import type { Socket } from "node:net";
import { cidrContains, ipv4ToString } from "../addr.ts";
import type { Clock, Timer } from "../../core/clock/mod.ts";
import type { EthernetFrame } from "../ethernet.ts";
import type { Gateway, IpStack } from "../gateway.ts";
import { PROTO_ICMP, PROTO_TCP, PROTO_UDP, type Ipv4Packet } from "../ipv4.ts";
import { ICMP_ECHO_REQUEST, parseIcmp } from "../icmp.ts";
import { silentLog, type NetLog } from "../log.ts";
import { parseTcp, type TcpSegment } from "../tcp.ts";
import { parseUdp } from "../udp.ts";
import { icmpEchoLimit, IcmpNat } from "./icmp.ts";
import { FORWARD_PORT_MAX, FORWARD_PORT_MIN, flowKey, SWEEP_MS, type NatContext, type NatOptions } from "./shared.ts";
import { TcpNat } from "./tcp.ts";
import { UdpNat, type UdpAssociation } from "./udp.ts";

/** The userspace NAT for one segment. */
export class Nat implements IpStack {
  readonly #o: NatOptions;
  readonly #gw: Gateway;
  readonly #clock: Clock;
  readonly #log: NetLog;
  readonly #tcp: TcpNat;
  readonly #udp: UdpNat;
  readonly #icmp: IcmpNat;
  #sweep: Timer | undefined;
  #icmpLogged = false;
  #nextPort = FORWARD_PORT_MIN;

  constructor(o: NatOptions) {
    this.#o = o;
    this.#gw = o.gateway;
    this.#clock = o.clock;
    this.#log = o.log ?? silentLog;
    const ctx: NatContext = {
      options: o,
      gateway: this.#gw,
      clock: this.#clock,
      log: this.#log,
      hostFor: (ip) => this.#hostFor(ip),
      armSweep: () => this.#armSweep(),
      nextForwardPort: (taken) => this.#nextForwardPort(taken),
    };
    this.#tcp = new TcpNat(ctx);
    this.#udp = new UdpNat(ctx);
    this.#icmp = new IcmpNat(ctx);
  }

  /** Live TCP flows (for status and churn tests). */
  get tcpFlows(): number {
    return this.#tcp.size;
  }

  /** Live UDP flows. */
  get udpFlows(): number {
    return this.#udp.size;
  }

  /** Live ICMP echo sessions. */
  get icmpFlows(): number {
    return this.#icmp.size;
  }

  handleIpv4(eth: EthernetFrame, ip: Ipv4Packet): boolean {
    if (ip.dst !== this.#gw.ip && cidrContains(this.#gw.subnet, ip.dst)) return false;
    const outbound = this.#o.outbound ?? true;
    if (ip.proto === PROTO_TCP) {
      const seg = parseTcp(ip, this.#o.verifyGuestChecksums ?? true);
      if (!seg) return true;
      if (!outbound && !this.#tcp.has(flowKey(ip.src, seg.srcPort, ip.dst, seg.dstPort))) return false;
      this.#tcp.input(ip, seg);
      return true;
    }
    if (ip.proto === PROTO_UDP) {
      if (!outbound) {
        const d = parseUdp(ip);
        if (!d || !this.#udp.hasInbound(flowKey(ip.src, d.srcPort, ip.dst, d.dstPort))) return false;
      }
      this.#udp.input(eth, ip);
      return true;
    }
    if (ip.proto === PROTO_ICMP && outbound && ip.dst !== this.#gw.ip) {
      const m = parseIcmp(ip.payload);
      if (m?.type !== ICMP_ECHO_REQUEST) return false;
      if (this.#o.ping) {
        this.#icmp.echo(eth, ip, m);
        return true;
      }
      if (!this.#icmpLogged) {
        this.#icmpLogged = true;
        this.#log({
          level: "info",
          event: "net.nat_icmp_unsupported",
          message: `ICMP echo to ${ipv4ToString(ip.dst)} is not forwarded: ${this.#o.pingUnavailable ?? icmpEchoLimit()}; only the gateway answers ping`,
          hint: "use TCP or UDP probes to reach outside hosts",
        });
      }
    }
    return false;
  }

  /**
   * A gateway TCP service proxied to a host socket: segments a guest sends to the
   * gateway's `bindTcp` port are spliced to `to` (SMB at `<gateway>:445` → the lab's
   * smbd on 127.0.0.1), whether or not the segment has outbound NAT.
   */
  proxyTcp(ip: Ipv4Packet, seg: TcpSegment, to: { host: string; port: number }): void {
    this.#tcp.input(ip, seg, to);
  }

  /** Forgets the TCP flows of `guestIp` (after a snapshot restore); returns how many. */
  forgetGuestTcp(guestIp: number): number {
    return this.#tcp.forgetGuest(guestIp);
  }

  /** Port-forward path: splice an accepted host socket to guestIp:guestPort. */
  openToGuest(guestIp: number, guestPort: number, socket: Socket): void {
    this.#tcp.openToGuest(guestIp, guestPort, socket);
  }

  /**
   * UDP port-forward path: an association from the gateway address (a fresh source
   * port) to guestIp:guestPort. `send` delivers a datagram to the guest; the guest's
   * replies to that source port go to `reply`. Idle associations expire with the UDP
   * flows (`UDP_IDLE_MS`) and then `onExpire` runs. Undefined when the table is full.
   */
  udpAssociate(guestIp: number, guestPort: number, reply: (payload: Uint8Array) => void, onExpire: () => void): UdpAssociation | undefined {
    return this.#udp.associate(guestIp, guestPort, reply, onExpire);
  }

  /** Closes every flow and stops timers. */
  close(): void {
    this.#icmp.close();
    this.#tcp.close();
    this.#udp.close();
    this.#sweep?.cancel();
    this.#sweep = undefined;
  }

  #hostFor(ip: number): string {
    if (this.#o.hostFor) return this.#o.hostFor(ip);
    return ip === this.#gw.ip ? "127.0.0.1" : ipv4ToString(ip);
  }

  #nextForwardPort(taken: (port: number) => boolean): number {
    for (let i = 0; i <= FORWARD_PORT_MAX - FORWARD_PORT_MIN; i++) {
      const p = this.#nextPort;
      this.#nextPort = p >= FORWARD_PORT_MAX ? FORWARD_PORT_MIN : p + 1;
      if (!taken(p)) return p;
    }
    return 0;
  }

  #armSweep(): void {
    this.#sweep ??= this.#clock.setTimer(SWEEP_MS, () => {
      this.#sweep = undefined;
      const now = this.#clock.now();
      this.#udp.sweepFlows(now);
      this.#icmp.sweep(now);
      this.#udp.sweepInbound(now);
      this.#tcp.sweep(now);
      if (this.#tcp.size || this.#udp.total || this.#icmp.size) this.#armSweep();
    });
  }
}
