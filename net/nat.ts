/**
 * NAT: guest TCP/UDP re-originated as host sockets (PRD §9.7), slirp/passt style.
 *
 * Theory of operation: the `Nat` is the segment gateway's `IpStack`. It sees every
 * IPv4 packet guests send to the gateway MAC that the gateway's own services did not
 * take, and keys flows by (guest ip:port, destination ip:port).
 *  - TCP: a guest SYN for an unknown flow starts a host `connect()` to the destination
 *    (the gateway address maps to 127.0.0.1 so guests reach host services). On success a
 *    userspace `TcpConnection` answers the SYN and the two byte streams are spliced with
 *    backpressure both ways (socket `pause`/`resume` against the connection's send
 *    buffer; the connection's receive window against `socket.write` returning false).
 *    Refused or failing connects answer the guest with RST; segments of unknown flows
 *    get RST (RFC 9293 §3.10.7.1); the flow table is bounded (`MAX_TCP_FLOWS`).
 *  - UDP: one connected `udp4` socket per flow; replies come back with the original
 *    destination as source; flows expire after `UDP_IDLE_MS`.
 *  - `openToGuest` is the port-forward path: an accepted host socket becomes an active
 *    open towards the guest from the gateway address; `udpAssociate` is its UDP twin
 *    (a gateway source port whose guest replies go back to the forward's client).
 * A sweep timer (only while flows exist) expires idle TCP (`TCP_IDLE_MS`) and UDP flows.
 *  - ICMP echo: with a `ping` factory (Linux ping sockets, `ping_socket.ts`) each guest
 *    echo session (guest ip, identifier) gets its own ping socket; replies go back
 *    with the guest's identifier and the replying address as source, and sessions
 *    expire like UDP flows. Without one (the host forbids ping sockets), the first
 *    attempt logs one `net.nat_icmp_unsupported` line saying why (`pingUnavailable`,
 *    default `icmpEchoLimit()`); the gateway itself still answers ping.
 * Out of scope: IPv6, ICMP errors for NAT'd flows.
 */
import { createConnection, type Socket } from "node:net";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { cidrContains, ipv4ToString } from "./addr.ts";
import type { Clock, Timer } from "../core/clock/mod.ts";
import type { EthernetFrame } from "./ethernet.ts";
import type { Gateway, IpStack } from "./gateway.ts";
import { PROTO_ICMP, PROTO_TCP, PROTO_UDP, IP_HEADER_LEN, type Ipv4Packet } from "./ipv4.ts";
import { encodeIcmpFrame, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, parseIcmp, type IcmpMessage } from "./icmp.ts";
import type { PingSocket, PingSocketFactory } from "./ping_socket.ts";
import { readFileSync } from "node:fs";
import { silentLog, type NetLog } from "./log.ts";
import { ACK, encodeTcpFrame, parseTcp, RST, SYN, TCP_HEADER_LEN, type TcpFields, type TcpSegment } from "./tcp.ts";
import { TcpConnection } from "./tcp_conn.ts";
import { parseUdp } from "./udp.ts";

/** Idle time after which an established TCP flow is reset. */
export const TCP_IDLE_MS = 3_600_000;
/** Idle time after which a UDP flow is forgotten. */
export const UDP_IDLE_MS = 60_000;
/** Interval of the idle sweep. */
export const SWEEP_MS = 10_000;
/** Bounds on the flow tables. */
export const MAX_TCP_FLOWS = 4096;
export const MAX_UDP_FLOWS = 1024;
export const MAX_ICMP_FLOWS = 256;
/** Guest→host bytes gathered before delivery pauses until the batched write is out. */
export const HOST_WRITE_BATCH = 256 * 1024;
/** Datagrams queued per UDP flow while its socket connects. */
export const MAX_UDP_WAITING = 16;
/** Ephemeral ports for connections the NAT opens towards guests. */
export const FORWARD_PORT_MIN = 49152;
export const FORWARD_PORT_MAX = 65535;

/** NAT configuration. */
export interface NatOptions {
  clock: Clock;
  gateway: Gateway;
  /** Segment MTU (MSS = MTU − 40). */
  mtu: number;
  log?: NetLog;
  /** Where a guest destination goes on the host; default: gateway → 127.0.0.1, else itself. */
  hostFor?: (ip: number) => string;
  /**
   * False on segments without `nat = true`: guests cannot open flows to the host, and
   * only flows the host opened (port forwards) are carried. Default true.
   */
  outbound?: boolean;
  /** Opens ping sockets for guest echo requests to the outside; absent = gateway-only ping. */
  ping?: PingSocketFactory;
  /** Why `ping` is absent, for the one log line; default `icmpEchoLimit()`. */
  pingUnavailable?: string;
  /**
   * False skips verifying TCP checksums of guest segments (frames from a local QEMU
   * socket are not corrupted in transit; at 64 KiB MTU the check is a third of the
   * NAT's CPU). Default true. Outgoing checksums are always computed.
   */
  verifyGuestChecksums?: boolean;
}

interface IcmpFlow {
  key: string;
  guestMac: Uint8Array;
  sock: PingSocket;
  last: number;
}

interface TcpFlow {
  key: string;
  guestIp: number;
  guestPort: number;
  remoteIp: number;
  remotePort: number;
  conn: TcpConnection | undefined;
  socket: Socket;
}

interface UdpFlow {
  key: string;
  /** Datagrams waiting for the socket's connect; undefined once connected. */
  waiting: Uint8Array[] | undefined;
  guestMac: Uint8Array;
  socket: UdpSocket;
  last: number;
}

interface UdpInbound {
  reply: (payload: Uint8Array) => void;
  onExpire: () => void;
  last: number;
}

/** A host→guest UDP association (see `Nat.udpAssociate`). */
export interface UdpAssociation {
  /** Source port on the gateway address. */
  readonly port: number;
  send(payload: Uint8Array): void;
  close(): void;
}

/** The userspace NAT for one segment. */
export class Nat implements IpStack {
  readonly #o: NatOptions;
  readonly #gw: Gateway;
  readonly #clock: Clock;
  readonly #log: NetLog;
  readonly #tcp = new Map<string, TcpFlow>();
  readonly #udp = new Map<string, UdpFlow>();
  readonly #udpIn = new Map<string, UdpInbound>();
  readonly #icmp = new Map<string, IcmpFlow>();
  #sweep: Timer | undefined;
  #icmpLogged = false;
  #nextPort = FORWARD_PORT_MIN;

  constructor(o: NatOptions) {
    this.#o = o;
    this.#gw = o.gateway;
    this.#clock = o.clock;
    this.#log = o.log ?? silentLog;
  }

  /** Live TCP flows (for status and churn tests). */
  get tcpFlows(): number {
    return this.#tcp.size;
  }

  /** Live UDP flows. */
  get udpFlows(): number {
    return this.#udp.size;
  }

  handleIpv4(eth: EthernetFrame, ip: Ipv4Packet): boolean {
    if (ip.dst !== this.#gw.ip && cidrContains(this.#gw.subnet, ip.dst)) return false;
    const outbound = this.#o.outbound ?? true;
    if (ip.proto === PROTO_TCP) {
      const seg = parseTcp(ip, this.#o.verifyGuestChecksums ?? true);
      if (!seg) return true;
      if (!outbound && !this.#tcp.has(key(ip.src, seg.srcPort, ip.dst, seg.dstPort))) return false;
      this.#tcpInput(ip, seg);
      return true;
    }
    if (ip.proto === PROTO_UDP) {
      if (!outbound) {
        const d = parseUdp(ip);
        if (!d || !this.#udpIn.has(key(ip.src, d.srcPort, ip.dst, d.dstPort))) return false;
      }
      this.#udpInput(eth, ip);
      return true;
    }
    if (ip.proto === PROTO_ICMP && outbound && ip.dst !== this.#gw.ip) {
      const m = parseIcmp(ip.payload);
      if (m?.type !== ICMP_ECHO_REQUEST) return false;
      if (this.#o.ping) {
        this.#echo(eth, ip, m);
        return true;
      }
      if (!this.#icmpLogged) {
        this.#icmpLogged = true;
        this.#log({ level: "info", event: "net.nat_icmp_unsupported", message: `ICMP echo to ${ipv4ToString(ip.dst)} is not forwarded: ${this.#o.pingUnavailable ?? icmpEchoLimit()}; only the gateway answers ping`, hint: "use TCP or UDP probes to reach outside hosts" });
      }
    }
    return false;
  }

  /** Port-forward path: splice an accepted host socket to guestIp:guestPort. */
  openToGuest(guestIp: number, guestPort: number, socket: Socket): void {
    let port = 0;
    for (let i = 0; i <= FORWARD_PORT_MAX - FORWARD_PORT_MIN; i++) {
      const p = this.#nextPort;
      this.#nextPort = p >= FORWARD_PORT_MAX ? FORWARD_PORT_MIN : p + 1;
      if (!this.#tcp.has(key(guestIp, guestPort, this.#gw.ip, p))) {
        port = p;
        break;
      }
    }
    if (!port || this.#tcp.size >= MAX_TCP_FLOWS) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const flow: TcpFlow = { key: key(guestIp, guestPort, this.#gw.ip, port), guestIp, guestPort, remoteIp: this.#gw.ip, remotePort: port, conn: undefined, socket };
    this.#tcp.set(flow.key, flow);
    this.#armSweep();
    const conn = this.#newConn(flow);
    flow.conn = conn;
    socket.pause();
    conn.events.onEstablished = () => socket.resume();
    this.#splice(flow, conn);
    conn.connect();
  }

  /**
   * UDP port-forward path: an association from the gateway address (a fresh source
   * port) to guestIp:guestPort. `send` delivers a datagram to the guest; the guest's
   * replies to that source port go to `reply`. Idle associations expire with the UDP
   * flows (`UDP_IDLE_MS`) and then `onExpire` runs. Undefined when the table is full.
   */
  udpAssociate(guestIp: number, guestPort: number, reply: (payload: Uint8Array) => void, onExpire: () => void): UdpAssociation | undefined {
    if (this.#udpIn.size >= MAX_UDP_FLOWS) return undefined;
    let port = 0;
    for (let i = 0; i <= FORWARD_PORT_MAX - FORWARD_PORT_MIN; i++) {
      const p = this.#nextPort;
      this.#nextPort = p >= FORWARD_PORT_MAX ? FORWARD_PORT_MIN : p + 1;
      if (!this.#udpIn.has(key(guestIp, guestPort, this.#gw.ip, p))) {
        port = p;
        break;
      }
    }
    if (!port) return undefined;
    const k = key(guestIp, guestPort, this.#gw.ip, port);
    const a: UdpInbound = { reply, onExpire, last: this.#clock.now() };
    this.#udpIn.set(k, a);
    this.#armSweep();
    return {
      port,
      send: (payload) => {
        a.last = this.#clock.now();
        this.#gw.sendUdp({ srcPort: port, dst: guestIp, dstPort: guestPort, payload });
      },
      close: () => {
        this.#udpIn.delete(k);
      },
    };
  }

  /** Live ICMP echo sessions. */
  get icmpFlows(): number {
    return this.#icmp.size;
  }

  /** Relays a guest echo request through its session's ping socket. */
  #echo(eth: EthernetFrame, ip: Ipv4Packet, m: IcmpMessage): void {
    const k = `${ip.src}#${m.id}`;
    let flow = this.#icmp.get(k);
    if (!flow) {
      if (this.#icmp.size >= MAX_ICMP_FLOWS) return;
      const guestIp = ip.src;
      const guestId = m.id;
      const nf: IcmpFlow = { key: k, guestMac: eth.src.slice(), sock: undefined as unknown as PingSocket, last: this.#clock.now() };
      const sock = this.#o.ping?.((r) => {
        nf.last = this.#clock.now();
        this.#gw.sendFrame(encodeIcmpFrame({ srcMac: this.#gw.mac, dstMac: nf.guestMac, src: r.src, dst: guestIp, id: this.#gw.nextIpId() }, ICMP_ECHO_REPLY, 0, ((guestId << 16) | r.seq) >>> 0, r.data));
      });
      if (!sock) return;
      nf.sock = sock;
      this.#icmp.set(k, nf);
      this.#armSweep();
      flow = nf;
    }
    flow.last = this.#clock.now();
    flow.sock.send(ip.dst, m.seq, m.data.slice());
  }

  /** Closes every flow and stops timers. */
  close(): void {
    for (const f of this.#icmp.values()) f.sock.close();
    this.#icmp.clear();
    for (const f of this.#tcp.values()) {
      f.conn?.abort();
      f.socket.destroy();
    }
    this.#tcp.clear();
    for (const f of this.#udp.values()) f.socket.close();
    this.#udp.clear();
    this.#udpIn.clear();
    this.#sweep?.cancel();
    this.#sweep = undefined;
  }

  #hostFor(ip: number): string {
    if (this.#o.hostFor) return this.#o.hostFor(ip);
    return ip === this.#gw.ip ? "127.0.0.1" : ipv4ToString(ip);
  }

  #sendTcp(guestIp: number, remoteIp: number, fields: TcpFields, payload: Uint8Array): void {
    const dstMac = this.#gw.resolveMac(guestIp);
    if (!dstMac) return; // ARP sent; TCP retransmission retries
    this.#gw.sendFrame(encodeTcpFrame({ srcMac: this.#gw.mac, dstMac, src: remoteIp, dst: guestIp, id: this.#gw.nextIpId() }, fields, payload));
  }

  #rstFor(ip: Ipv4Packet, seg: TcpSegment): void {
    if (seg.flags & RST) return;
    const syn = seg.flags & SYN ? 1 : 0;
    const fields: TcpFields = seg.flags & ACK
      ? { srcPort: seg.dstPort, dstPort: seg.srcPort, seq: seg.ack, ack: 0, flags: RST, window: 0 }
      : { srcPort: seg.dstPort, dstPort: seg.srcPort, seq: 0, ack: (seg.seq + seg.payload.byteLength + syn + (seg.flags & 1)) >>> 0, flags: RST | ACK, window: 0 };
    this.#sendTcp(ip.src, ip.dst, fields, new Uint8Array(0));
  }

  #tcpInput(ip: Ipv4Packet, seg: TcpSegment): void {
    const k = key(ip.src, seg.srcPort, ip.dst, seg.dstPort);
    const flow = this.#tcp.get(k);
    const isSyn = (seg.flags & (SYN | ACK | RST)) === SYN;
    if (flow) {
      // A new SYN on a quadruple in TIME_WAIT reopens it (RFC 9293 §3.10.7.4 allows reuse).
      if (!(isSyn && flow.conn?.state === "TIME_WAIT")) {
        if (flow.conn) flow.conn.input(seg);
        return; // SYN retransmits while the host connect is pending are ignored
      }
      this.#dropTcp(flow);
    }
    if (isSyn && this.#tcp.size >= MAX_TCP_FLOWS) this.#evictTimeWait();
    if (!isSyn || this.#tcp.size >= MAX_TCP_FLOWS) return this.#rstFor(ip, seg);
    const socket = createConnection({ host: this.#hostFor(ip.dst), port: seg.dstPort, allowHalfOpen: true });
    // A relay adds no Nagle delay of its own: the guest's stack already decided how to
    // segment, and our writes are batched per event-loop turn.
    socket.setNoDelay(true);
    const nf: TcpFlow = { key: k, guestIp: ip.src, guestPort: seg.srcPort, remoteIp: ip.dst, remotePort: seg.dstPort, conn: undefined, socket };
    this.#tcp.set(k, nf);
    this.#armSweep();
    socket.pause();
    const onError = () => {
      // Refused/unreachable before the guest was accepted: RST answers the SYN.
      this.#tcp.delete(k);
      this.#rstFor(ip, seg);
      socket.destroy();
    };
    socket.once("error", onError);
    socket.once("connect", () => {
      socket.off("error", onError);
      const conn = this.#newConn(nf);
      nf.conn = conn;
      this.#splice(nf, conn);
      conn.accept(seg);
      socket.resume();
    });
  }

  #dropTcp(f: TcpFlow): void {
    f.conn?.abort();
    f.socket.destroy();
    if (this.#tcp.get(f.key) === f) this.#tcp.delete(f.key);
  }

  /** A full table recycles its oldest TIME_WAIT flow, like a kernel's TIME_WAIT buckets. */
  #evictTimeWait(): void {
    for (const f of this.#tcp.values()) {
      if (f.conn?.state === "TIME_WAIT") {
        this.#dropTcp(f);
        return;
      }
    }
  }

  #newConn(flow: TcpFlow): TcpConnection {
    return new TcpConnection({
      clock: this.#clock,
      mss: this.#o.mtu - IP_HEADER_LEN - TCP_HEADER_LEN,
      localPort: flow.remotePort,
      remotePort: flow.guestPort,
      coalesceAcks: true,
      send: (fields, payload) => this.#sendTcp(flow.guestIp, flow.remoteIp, fields, payload),
    });
  }

  /** Joins host socket and guest connection with backpressure both ways. */
  #splice(flow: TcpFlow, conn: TcpConnection): void {
    const s = flow.socket;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (this.#tcp.get(flow.key) === flow) this.#tcp.delete(flow.key);
    };
    s.on("data", (chunk: Buffer) => {
      // Socket chunks are fresh buffers per read, so the send queue can keep them as they are.
      if (!conn.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) s.pause();
    });
    conn.events.onWritable = () => s.resume();
    // Guest data for the host is gathered per turn of the event loop and written once:
    // the segments of one incoming batch of frames cost one syscall, not one each.
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let queued = false;
    let heldForBatch = false;
    const flushHost = (): void => {
      queued = false;
      if (!pending.length) return;
      const out = pending.length === 1 ? (pending[0] as Uint8Array) : Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      if (s.destroyed) return;
      const ok = s.write(out);
      if (ok && heldForBatch) {
        heldForBatch = false;
        conn.resumeReceive();
      }
    };
    conn.events.onData = (d) => {
      pending.push(d);
      pendingBytes += d.byteLength;
      if (!queued) {
        queued = true;
        queueMicrotask(flushHost);
      }
      if (s.writableNeedDrain) return false; // 'drain' resumes
      if (pendingBytes >= HOST_WRITE_BATCH) {
        heldForBatch = true;
        return false;
      }
      return true;
    };
    s.on("drain", () => conn.resumeReceive());
    s.on("end", () => conn.end());
    conn.events.onPeerFin = () => {
      flushHost();
      s.end();
    };
    s.on("error", () => conn.abort());
    s.on("close", (hadError: boolean) => {
      if (hadError) conn.abort();
      if (conn.state === "CLOSED") finish();
    });
    conn.events.onClose = (reason) => {
      if (reason !== "closed") s.destroy();
      else if (!s.destroyed) {
        flushHost();
        s.end();
      }
      finish();
    };
  }

  #udpInput(eth: EthernetFrame, ip: Ipv4Packet): void {
    const d = parseUdp(ip);
    if (!d) return;
    const k = key(ip.src, d.srcPort, ip.dst, d.dstPort);
    const assoc = this.#udpIn.get(k);
    if (assoc) {
      assoc.last = this.#clock.now();
      assoc.reply(d.payload.slice());
      return;
    }
    let flow = this.#udp.get(k);
    if (!flow) {
      if (this.#udp.size >= MAX_UDP_FLOWS) return;
      const socket = createSocket("udp4");
      const nf: UdpFlow = { key: k, waiting: [], guestMac: eth.src.slice(), socket, last: this.#clock.now() };
      const guestIp = ip.src;
      const guestPort = d.srcPort;
      const remoteIp = ip.dst;
      const remotePort = d.dstPort;
      socket.on("message", (msg) => {
        nf.last = this.#clock.now();
        this.#gw.sendUdp({ src: remoteIp, srcPort: remotePort, dst: guestIp, dstPort: guestPort, dstMac: nf.guestMac, payload: new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength) });
      });
      socket.on("error", () => this.#dropUdp(nf));
      socket.connect(remotePort, this.#hostFor(remoteIp), () => {
        const q = nf.waiting ?? [];
        nf.waiting = undefined;
        for (const p of q) socket.send(p);
      });
      this.#udp.set(k, nf);
      this.#armSweep();
      flow = nf;
    }
    flow.last = this.#clock.now();
    const payload = d.payload.slice();
    if (flow.waiting) {
      if (flow.waiting.length < MAX_UDP_WAITING) flow.waiting.push(payload);
    } else flow.socket.send(payload, (err) => err && this.#log({ level: "debug", event: "net.nat_udp_send_failed", message: String(err) }));
  }

  #dropUdp(f: UdpFlow): void {
    if (this.#udp.get(f.key) !== f) return;
    this.#udp.delete(f.key);
    f.socket.close();
  }

  #armSweep(): void {
    this.#sweep ??= this.#clock.setTimer(SWEEP_MS, () => {
      this.#sweep = undefined;
      const now = this.#clock.now();
      for (const f of [...this.#udp.values()]) if (now - f.last >= UDP_IDLE_MS) this.#dropUdp(f);
      for (const f of [...this.#icmp.values()]) {
        if (now - f.last >= UDP_IDLE_MS) {
          f.sock.close();
          this.#icmp.delete(f.key);
        }
      }
      for (const [k, a] of [...this.#udpIn]) {
        if (now - a.last >= UDP_IDLE_MS) {
          this.#udpIn.delete(k);
          a.onExpire();
        }
      }
      for (const f of [...this.#tcp.values()]) {
        if (f.conn && now - f.conn.lastActivity >= TCP_IDLE_MS) {
          f.conn.abort();
          f.socket.destroy();
          this.#tcp.delete(f.key);
        }
      }
      if (this.#tcp.size || this.#udp.size || this.#udpIn.size || this.#icmp.size) this.#armSweep();
    });
  }
}

function key(gip: number, gport: number, rip: number, rport: number): string {
  return `${gip}:${gport}>${rip}:${rport}`;
}

/**
 * Why outside ping is unavailable, for the log line. Unprivileged ICMP needs ping
 * sockets (`net.ipv4.ping_group_range` covering our group); even where the host allows
 * them, the Bun runtime has no API for `SOCK_DGRAM/IPPROTO_ICMP` sockets.
 */
export function icmpEchoLimit(rangeText = readPingRange(), gid = process.getgid?.() ?? 0): string {
  const [lo, hi] = rangeText.trim().split(/\s+/).map(Number);
  const allowed = lo !== undefined && hi !== undefined && lo <= gid && gid <= hi;
  return allowed ? "the host allows ping sockets but the runtime offers no ICMP socket API" : `the host does not allow unprivileged ping sockets (net.ipv4.ping_group_range = "${rangeText.trim()}")`;
}

function readPingRange(): string {
  try {
    return readFileSync("/proc/sys/net/ipv4/ping_group_range", "utf8");
  } catch {
    return "1 0";
  }
}
