/**
 * TCP NAT: a guest SYN for an unknown flow starts a host `connect()` to the
 * destination (the gateway address maps to 127.0.0.1 so guests reach host services).
 * On success a userspace `TcpConnection` answers the SYN and the two byte streams are
 * spliced with backpressure both ways (socket `pause`/`resume` against the
 * connection's send buffer; the connection's receive window against `socket.write`
 * returning false). Refused or failing connects answer the guest with RST; segments
 * of unknown flows get RST (RFC 9293 §3.10.7.1); the flow table is bounded
 * (`MAX_TCP_FLOWS`) and idle established flows are reset after `TCP_IDLE_MS`.
 * `openToGuest` is the port-forward path: an accepted host socket becomes an active
 * open towards the guest from the gateway address.
 */
import { createConnection, type Socket } from "node:net";
import { IP_HEADER_LEN, type Ipv4Packet } from "../ipv4.ts";
import { ACK, encodeTcpFrame, RST, SYN, TCP_HEADER_LEN, type TcpFields, type TcpSegment } from "../tcp.ts";
import { TcpConnection } from "../tcp_conn/mod.ts";
import { flowKey, type NatContext } from "./shared.ts";

/** Idle time after which an established TCP flow is reset. */
export const TCP_IDLE_MS = 3_600_000;
/** Bound on the TCP flow table. */
export const MAX_TCP_FLOWS = 4096;
/** Guest→host bytes gathered before delivery pauses until the batched write is out. */
export const HOST_WRITE_BATCH = 256 * 1024;

interface TcpFlow {
  key: string;
  guestIp: number;
  guestPort: number;
  remoteIp: number;
  remotePort: number;
  conn: TcpConnection | undefined;
  socket: Socket;
}

/** Guest TCP flows spliced to host sockets. */
export class TcpNat {
  readonly #c: NatContext;
  readonly #flows = new Map<string, TcpFlow>();

  constructor(c: NatContext) {
    this.#c = c;
  }

  /** Live flows. */
  get size(): number {
    return this.#flows.size;
  }

  /** True when a flow owns this key. */
  has(k: string): boolean {
    return this.#flows.has(k);
  }

  /** Port-forward path: splice an accepted host socket to guestIp:guestPort. */
  openToGuest(guestIp: number, guestPort: number, socket: Socket): void {
    const gwIp = this.#c.gateway.ip;
    const port = this.#c.nextForwardPort((p) => this.#flows.has(flowKey(guestIp, guestPort, gwIp, p)));
    if (!port || this.#flows.size >= MAX_TCP_FLOWS) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const flow: TcpFlow = { key: flowKey(guestIp, guestPort, gwIp, port), guestIp, guestPort, remoteIp: gwIp, remotePort: port, conn: undefined, socket };
    this.#flows.set(flow.key, flow);
    this.#c.armSweep();
    const conn = this.#newConn(flow);
    flow.conn = conn;
    socket.pause();
    conn.events.onEstablished = () => socket.resume();
    this.#splice(flow, conn);
    conn.connect();
  }

  /**
   * A guest segment for the outside. `to` overrides where a new flow's host socket
   * connects (a gateway service proxied to a host port, e.g. SMB on 445 → smbd).
   */
  input(ip: Ipv4Packet, seg: TcpSegment, to?: { host: string; port: number }): void {
    const k = flowKey(ip.src, seg.srcPort, ip.dst, seg.dstPort);
    const flow = this.#flows.get(k);
    const isSyn = (seg.flags & (SYN | ACK | RST)) === SYN;
    if (flow) {
      // A new SYN on a quadruple in TIME_WAIT reopens it (RFC 9293 §3.10.7.4 allows reuse).
      if (!(isSyn && flow.conn?.state === "TIME_WAIT")) {
        if (flow.conn) flow.conn.input(seg);
        return; // SYN retransmits while the host connect is pending are ignored
      }
      this.#drop(flow);
    }
    if (isSyn && this.#flows.size >= MAX_TCP_FLOWS) this.#evictTimeWait();
    if (!isSyn || this.#flows.size >= MAX_TCP_FLOWS) return this.#rstFor(ip, seg);
    const socket = createConnection({ host: to?.host ?? this.#c.hostFor(ip.dst), port: to?.port ?? seg.dstPort, allowHalfOpen: true });
    // A relay adds no Nagle delay of its own: the guest's stack already decided how to
    // segment, and our writes are batched per event-loop turn.
    socket.setNoDelay(true);
    const nf: TcpFlow = { key: k, guestIp: ip.src, guestPort: seg.srcPort, remoteIp: ip.dst, remotePort: seg.dstPort, conn: undefined, socket };
    this.#flows.set(k, nf);
    this.#c.armSweep();
    socket.pause();
    const onError = () => {
      // Refused/unreachable before the guest was accepted: RST answers the SYN.
      this.#flows.delete(k);
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

  /** Resets flows idle for `TCP_IDLE_MS` at `now`. */
  sweep(now: number): void {
    for (const f of [...this.#flows.values()]) {
      if (f.conn && now - f.conn.lastActivity >= TCP_IDLE_MS) {
        f.conn.abort();
        f.socket.destroy();
        this.#flows.delete(f.key);
      }
    }
  }

  /**
   * Forgets every flow of `guestIp` without telling the guest, closing the host
   * sockets: after the guest's state was rolled back (snapshot restore) its next
   * segment of such a flow meets no flow and is answered with an RST whose sequence
   * number it accepts (its own ACK number), so its stack resets at once instead of
   * waiting out a desynchronised connection.
   */
  forgetGuest(guestIp: number): number {
    let n = 0;
    for (const f of [...this.#flows.values()]) {
      if (f.guestIp !== guestIp) continue;
      f.socket.destroy();
      this.#flows.delete(f.key);
      n++;
    }
    return n;
  }

  /** Aborts every flow. */
  close(): void {
    for (const f of this.#flows.values()) {
      f.conn?.abort();
      f.socket.destroy();
    }
    this.#flows.clear();
  }

  #send(guestIp: number, remoteIp: number, fields: TcpFields, payload: Uint8Array): void {
    const gw = this.#c.gateway;
    const dstMac = gw.resolveMac(guestIp);
    if (!dstMac) return; // ARP sent; TCP retransmission retries
    gw.sendFrame(encodeTcpFrame({ srcMac: gw.mac, dstMac, src: remoteIp, dst: guestIp, id: gw.nextIpId() }, fields, payload));
  }

  #rstFor(ip: Ipv4Packet, seg: TcpSegment): void {
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
    this.#send(ip.src, ip.dst, fields, new Uint8Array(0));
  }

  #drop(f: TcpFlow): void {
    f.conn?.abort();
    f.socket.destroy();
    if (this.#flows.get(f.key) === f) this.#flows.delete(f.key);
  }

  /** A full table recycles its oldest TIME_WAIT flow, like a kernel's TIME_WAIT buckets. */
  #evictTimeWait(): void {
    for (const f of this.#flows.values()) {
      if (f.conn?.state === "TIME_WAIT") {
        this.#drop(f);
        return;
      }
    }
  }

  #newConn(flow: TcpFlow): TcpConnection {
    return new TcpConnection({
      clock: this.#c.clock,
      mss: this.#c.options.mtu - IP_HEADER_LEN - TCP_HEADER_LEN,
      localPort: flow.remotePort,
      remotePort: flow.guestPort,
      coalesceAcks: true,
      send: (fields, payload) => this.#send(flow.guestIp, flow.remoteIp, fields, payload),
    });
  }

  /** Joins host socket and guest connection with backpressure both ways. */
  #splice(flow: TcpFlow, conn: TcpConnection): void {
    const s = flow.socket;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (this.#flows.get(flow.key) === flow) this.#flows.delete(flow.key);
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
}
