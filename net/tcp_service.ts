/**
 * TCP services on the gateway address itself (DNS over TCP on port 53, RFC 7766),
 * terminated by the userspace `TcpConnection` — no host socket involved.
 *
 * Theory of operation: the gateway hands every TCP segment addressed to its own IP
 * and a bound port to `TcpService.input`. Flows are keyed by the guest's address and
 * port; a SYN for an unknown flow opens a passive connection and, once established,
 * the connection is given to `onConnection`. Segments of unknown flows get RST
 * (RFC 9293 §3.10.7.1). The table is bounded (`MAX_SERVICE_FLOWS`; a full table
 * recycles TIME_WAIT entries, else refuses with RST) and a flow leaves it when its
 * connection closes. Out of scope: listening on addresses other than the gateway's.
 */
import type { Clock } from "../core/clock/mod.ts";
import type { Gateway } from "./gateway.ts";
import { IP_HEADER_LEN, type Ipv4Packet } from "./ipv4.ts";
import { ACK, encodeTcpFrame, RST, SYN, TCP_HEADER_LEN, type TcpFields, type TcpSegment } from "./tcp.ts";
import { TcpConnection } from "./tcp_conn/mod.ts";

/** Concurrent connections per service. */
export const MAX_SERVICE_FLOWS = 256;
/** Receive and send buffers of service connections (small: requests are small). */
export const SERVICE_BUFFER_BYTES = 64 * 1024;

/** A listening service on one gateway port. */
export class TcpService {
  readonly #flows = new Map<string, TcpConnection>();

  constructor(
    readonly gateway: Gateway,
    readonly port: number,
    readonly clock: Clock,
    readonly mtu: number,
    readonly onConnection: (conn: TcpConnection) => void,
  ) {}

  /** Live connections. */
  get flows(): number {
    return this.#flows.size;
  }

  /** One segment from `ip.src` to this service. */
  input(srcMac: Uint8Array, ip: Ipv4Packet, seg: TcpSegment): void {
    const key = `${ip.src}:${seg.srcPort}`;
    const have = this.#flows.get(key);
    const isSyn = (seg.flags & (SYN | ACK | RST)) === SYN;
    if (have && !(isSyn && have.state === "TIME_WAIT")) return have.input(seg);
    if (have) this.#flows.delete(key);
    if (isSyn && this.#flows.size >= MAX_SERVICE_FLOWS) {
      for (const [k, c] of this.#flows) {
        if (c.state === "TIME_WAIT") {
          this.#flows.delete(k);
          c.abort();
          break;
        }
      }
    }
    if (!isSyn || this.#flows.size >= MAX_SERVICE_FLOWS) return this.#rst(srcMac, ip, seg);
    const mac = srcMac.slice(0, 6);
    const conn = new TcpConnection({
      clock: this.clock,
      mss: this.mtu - IP_HEADER_LEN - TCP_HEADER_LEN,
      localPort: this.port,
      remotePort: seg.srcPort,
      rcvBuf: SERVICE_BUFFER_BYTES,
      sndBuf: SERVICE_BUFFER_BYTES,
      send: (fields, payload) => this.#send(mac, ip.src, fields, payload),
    });
    const forget = (): void => {
      if (this.#flows.get(key) === conn) this.#flows.delete(key);
    };
    conn.events.onClose = forget;
    conn.events.onEstablished = () => {
      this.onConnection(conn);
      const user = conn.events.onClose;
      conn.events.onClose = (reason) => {
        forget();
        if (user !== forget) user?.(reason);
      };
    };
    this.#flows.set(key, conn);
    conn.accept(seg);
  }

  /** Resets every connection. */
  close(): void {
    for (const c of [...this.#flows.values()]) c.abort();
    this.#flows.clear();
  }

  #send(mac: Uint8Array, dst: number, fields: TcpFields, payload: Uint8Array): void {
    const gw = this.gateway;
    gw.sendFrame(encodeTcpFrame({ srcMac: gw.mac, dstMac: mac, src: gw.ip, dst, id: gw.nextIpId() }, fields, payload));
  }

  #rst(mac: Uint8Array, ip: Ipv4Packet, seg: TcpSegment): void {
    if (seg.flags & RST) return;
    const syn = seg.flags & SYN ? 1 : 0;
    const fields: TcpFields =
      seg.flags & ACK
        ? { srcPort: seg.dstPort, dstPort: seg.srcPort, seq: seg.ack, ack: 0, flags: RST, window: 0 }
        : {
            srcPort: seg.dstPort,
            dstPort: seg.srcPort,
            seq: 0,
            ack: (seg.seq + seg.payload.byteLength + syn + (seg.flags & 1)) >>> 0,
            flags: RST | ACK,
            window: 0,
          };
    this.#send(mac, ip.src, fields, new Uint8Array(0));
  }
}
