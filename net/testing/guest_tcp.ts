/**
 * A fake guest TCP stack for NAT and forward tests: `TcpConnection`s on the guest side
 * of a `FakeGuest`, speaking real frames through the switch. Frames towards the guest
 * are processed on `setImmediate` so host socket I/O interleaves and deep synchronous
 * recursion (ACK → data → ACK …) cannot build up.
 */
import type { Clock } from "../../core/clock/mod.ts";
import { encodeTcpFrame, SYN, ACK, type TcpSegment } from "../tcp.ts";
import { TcpConnection } from "../tcp_conn/mod.ts";
import type { FakeGuest, Received } from "./fake_guest.ts";

/** Guest-side TCP over a FakeGuest. */
export class GuestTcp {
  readonly #conns = new Map<string, TcpConnection>();
  readonly #listeners = new Map<number, (c: TcpConnection) => void>();
  readonly #queue: Received[] = [];
  #scheduled = false;
  #nextPort = 40000;
  /** Segments dropped instead of delivered, when set (retransmission tests). */
  dropToGuest: ((seg: TcpSegment) => boolean) | undefined;

  constructor(
    readonly guest: FakeGuest,
    readonly gatewayMac: Uint8Array,
    readonly clock: Clock,
    readonly mss = 1460,
  ) {
    guest.onFrame = (r) => {
      if (!r.tcp) return;
      this.#queue.push(r);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#drain());
      }
    };
  }

  #drain(): void {
    this.#scheduled = false;
    for (const r of this.#queue.splice(0)) {
      const t = r.tcp!;
      if (this.dropToGuest?.(t)) continue;
      const k = `${t.dstPort}|${r.ip!.src}|${t.srcPort}`;
      const c = this.#conns.get(k);
      if (c && c.state !== "CLOSED") {
        c.input(t);
        continue;
      }
      const l = this.#listeners.get(t.dstPort);
      if (l && (t.flags & (SYN | ACK)) === SYN) {
        const nc = this.#make(t.dstPort, r.ip!.src, t.srcPort);
        l(nc);
        nc.accept(t);
      }
    }
    this.guest.inbox.length = 0;
  }

  /** Number of live guest-side connections. */
  get size(): number {
    for (const [k, c] of this.#conns) if (c.state === "CLOSED") this.#conns.delete(k);
    return this.#conns.size;
  }

  #make(localPort: number, remoteIp: number, remotePort: number): TcpConnection {
    const k = `${localPort}|${remoteIp}|${remotePort}`;
    const c = new TcpConnection({
      clock: this.clock,
      mss: this.mss,
      localPort,
      remotePort,
      send: (fields, payload) =>
        this.guest.send(encodeTcpFrame({ srcMac: this.guest.mac, dstMac: this.gatewayMac, src: this.guest.ip, dst: remoteIp }, fields, payload)),
    });
    this.#conns.set(k, c);
    return c;
  }

  /** Active open from the guest. */
  connect(dstIp: number, dstPort: number): TcpConnection {
    const c = this.#make(this.#nextPort++, dstIp, dstPort);
    c.connect();
    return c;
  }

  /** Passive open on a guest port. */
  listen(port: number, onConn: (c: TcpConnection) => void): void {
    this.#listeners.set(port, onConn);
  }
}
