/**
 * One userspace TCP connection endpoint (RFC 9293), used by the NAT to terminate guest
 * TCP and by port forwards to open connections into guests.
 *
 * Theory of operation: the connection is a state machine fed with parsed segments
 * (`input`) and application calls (`write`, `end`, `abort`, `resumeReceive`); it emits
 * segments through `send` and reports to the application through `events`. Timers
 * come from the injected `Clock`, so tests drive retransmission with a manual clock.
 * Split by concern the way gVisor's netstack splits TCP:
 *  - this file: open, close and the state machine — `accept(syn)` answers a peer SYN
 *    with SYN-ACK (passive); `connect()` sends a SYN (active); MSS is clamped to our
 *    MTU (RFC 9293 §3.7.1); window scaling (RFC 7323 §2) is used only when both SYNs
 *    carry it. Close: FIN handshakes through FIN_WAIT/CLOSING/LAST_ACK/TIME_WAIT (§3.6),
 *    RST on abort; `onClose` reports once with the reason.
 *  - `send.ts`: the bounded send buffer (`write` returns false above the high-water
 *    mark; `onWritable` fires when it drains below half), MSS-sized segments limited
 *    by the peer window and the congestion window, retransmission and zero-window probes;
 *  - `congestion.ts`: NewReno (RFC 5681 slow start, congestion avoidance, fast
 *    retransmit after 3 duplicate ACKs; RFC 6582 partial ACKs);
 *  - `rto.ts`: RFC 6298 RTO (SRTT/RTTVAR, Karn's rule, exponential backoff,
 *    `MAX_RETRIES` before giving up with RST) and the lazy retransmission timer;
 *  - `receive.ts`: in-order delivery to `onData` (whose `false` return pauses delivery
 *    until `resumeReceive`), the advertised window, out-of-order reassembly.
 * Out of scope: SACK, timestamps, urgent data, delayed ACKs (every segment is ACKed).
 */
import type { Clock, Timer } from "../../core/clock/mod.ts";
import { ACK, FIN, RST, SYN, type TcpFields, type TcpOptions, type TcpSegment } from "../tcp.ts";
import { Receiver } from "./receive.ts";
import { Sender } from "./send.ts";
import { seqAdd, seqLe, seqLt } from "./seq.ts";

/** Retransmissions of the same data before the connection is reset. */
export const MAX_RETRIES = 8;
/** Time spent in TIME_WAIT; short because the "network" is a memory copy. */
export const TIME_WAIT_MS = 2000;
/** FIN_WAIT_2 timeout (Linux tcp_fin_timeout). */
export const FIN_WAIT2_TIMEOUT_MS = 60_000;
/** Default receive buffer (advertised window ceiling). */
export const DEFAULT_RCV_BUF = 1 << 20;
/** Default send buffer high-water mark. */
export const DEFAULT_SND_BUF = 1 << 20;
/** Our window scale shift. */
export const WSCALE_SHIFT = 7;
/** RFC 9293 §3.7.1 default MSS when the peer sends none. */
export const DEFAULT_PEER_MSS = 536;
/**
 * Ceiling of bytes in flight. The "link" to a guest is a switch port queue in memory
 * (`MAX_PORT_QUEUE_BYTES`); sending more than it holds only turns into drops and
 * retransmissions, so the congestion window never grows past this.
 */
export const MAX_FLIGHT_BYTES = 1 << 20;

export type TcpState = "SYN_SENT" | "SYN_RCVD" | "ESTABLISHED" | "FIN_WAIT_1" | "FIN_WAIT_2" | "CLOSE_WAIT" | "CLOSING" | "LAST_ACK" | "TIME_WAIT" | "CLOSED";

/** Why a connection ended. */
export type CloseReason = "closed" | "reset" | "timeout" | "aborted";

/** Callbacks to the application. */
export interface TcpEvents {
  onEstablished?(): void;
  /** In-order data; return false to pause delivery until `resumeReceive()`. */
  onData?(data: Uint8Array): boolean;
  /** The peer will send no more data (FIN received, all data delivered). */
  onPeerFin?(): void;
  /** The send buffer drained below half its size after `write` returned false. */
  onWritable?(): void;
  onClose?(reason: CloseReason): void;
}

/** Construction options. */
export interface TcpConnOptions {
  clock: Clock;
  /** Emits a segment towards the peer. */
  send(fields: TcpFields, payload: Uint8Array): void;
  localPort: number;
  remotePort: number;
  /** Largest segment we accept (MTU − 40). */
  mss: number;
  rcvBuf?: number;
  sndBuf?: number;
  events?: TcpEvents;
  /** Initial send sequence number; random by default. */
  iss?: number;
  /**
   * Coalesce ACKs for in-order data: one ACK per event-loop turn (microtask) instead
   * of one per segment, like a NIC's receive offload. Out-of-order data, FIN and
   * window updates are still ACKed at once. Off by default (tests see every ACK).
   */
  coalesceAcks?: boolean;
  /** Cap on bytes in flight (default `MAX_FLIGHT_BYTES`). */
  maxFlight?: number;
}

const EMPTY = new Uint8Array(0);

/** A TCP endpoint. */
export class TcpConnection {
  state: TcpState = "CLOSED";
  events: TcpEvents;
  readonly #o: TcpConnOptions;
  readonly #clock: Clock;
  readonly #iss: number;
  readonly #snd: Sender;
  readonly #rcv: Receiver;
  /** Our window scale shift as agreed (0 when the peer does not scale). */
  #ourShift = 0;
  #retries = 0;
  #closeTimer: Timer | undefined;
  #lastAdvertised = 0;
  #ackPending = false;
  #ackQueued = false;
  /** Last time a segment arrived (for idle expiry by the owner). */
  lastActivity: number;

  constructor(o: TcpConnOptions) {
    this.#o = o;
    this.#clock = o.clock;
    this.events = o.events ?? {};
    this.#iss = o.iss ?? Math.floor(Math.random() * 0x100000000) >>> 0;
    this.#snd = new Sender({
      clock: o.clock,
      iss: this.#iss,
      mss: Math.min(o.mss, DEFAULT_PEER_MSS),
      ourMss: o.mss,
      max: o.sndBuf ?? DEFAULT_SND_BUF,
      maxFlight: o.maxFlight ?? MAX_FLIGHT_BYTES,
      emit: (flags, seq, payload) => this.#emit(flags, seq, payload),
      onTimeout: () => this.#onRtxTimer(),
    });
    this.#rcv = new Receiver(o.rcvBuf ?? DEFAULT_RCV_BUF);
    this.lastActivity = o.clock.now();
  }

  /** Passive open: answer the peer's SYN with SYN-ACK. */
  accept(syn: TcpSegment): void {
    this.#rcv.irs = syn.seq;
    this.#rcv.nxt = seqAdd(syn.seq, 1);
    this.#peerOptions(syn.options, true);
    this.state = "SYN_RCVD";
    this.#snd.nxt = seqAdd(this.#iss, 1);
    this.#sendSyn(true);
  }

  /** Active open: send SYN. */
  connect(): void {
    this.state = "SYN_SENT";
    this.#snd.nxt = seqAdd(this.#iss, 1);
    this.#sendSyn(false);
  }

  /** Bytes buffered for sending (unacknowledged + unsent). */
  get sendBuffered(): number {
    return this.#snd.buf.length;
  }

  /** Current retransmission timeout (ms). */
  get rto(): number {
    return this.#snd.rtt.rto;
  }

  /** Smoothed RTT estimate (ms) if sampled. */
  get srtt(): number | undefined {
    return this.#snd.rtt.srtt;
  }

  /** Queues data; false means "buffer above high water, wait for onWritable". */
  write(data: Uint8Array): boolean {
    const snd = this.#snd;
    if (snd.finQueued || this.state === "CLOSED" || this.state === "TIME_WAIT") return false;
    snd.buf.push(data);
    if (this.state === "ESTABLISHED" || this.state === "CLOSE_WAIT") this.#output();
    const ok = snd.buf.length < snd.max;
    if (!ok) snd.blocked = true;
    return ok;
  }

  /** Half-close: FIN after all buffered data. */
  end(): void {
    if (this.#snd.finQueued || this.state === "CLOSED") return;
    this.#snd.finQueued = true;
    if (this.state === "ESTABLISHED" || this.state === "CLOSE_WAIT") this.#output();
  }

  /** Reset the connection (RFC 9293 §3.10.4 ABORT). */
  abort(): void {
    if (this.state === "CLOSED") return;
    if (this.state !== "TIME_WAIT") this.#emit(RST | ACK, this.#snd.nxt, EMPTY);
    this.#close("aborted");
  }

  /** The application consumed data: deliver more and reopen the window. */
  resumeReceive(): void {
    const rcv = this.#rcv;
    if (!rcv.paused) return;
    rcv.paused = false;
    rcv.deliver(this.events);
    if (this.state !== "CLOSED" && rcv.window() - this.#lastAdvertised >= Math.min(rcv.max / 2, 4 * this.#o.mss)) this.#sendAck();
  }

  /** Feeds one segment from the peer. */
  input(seg: TcpSegment): void {
    if (this.state === "CLOSED") return;
    this.lastActivity = this.#clock.now();
    if (this.state === "SYN_SENT") return this.#inputSynSent(seg);
    const rcv = this.#rcv;
    if (seg.flags & RST) {
      // RFC 5961 §3.2: only an exact-sequence RST resets; in-window ones get a challenge ACK.
      if (seg.seq === rcv.nxt) this.#close("reset");
      else if (rcv.inWindow(seg.seq)) this.#sendAck();
      return;
    }
    if (seg.flags & SYN) {
      if (this.state === "SYN_RCVD" && seg.seq === rcv.irs) this.#sendSyn(true);
      else this.#sendAck();
      return;
    }
    if (!(seg.flags & ACK)) return;
    const len = seg.payload.byteLength + (seg.flags & FIN ? 1 : 0);
    if (len > 0 && !rcv.acceptable(seg.seq, len)) {
      this.#sendAck();
      return;
    }
    if (this.state === "SYN_RCVD") {
      const snd = this.#snd;
      if (!(seqLe(seqAdd(this.#iss, 1), seg.ack) && seqLe(seg.ack, snd.nxt))) {
        this.#emit(RST, seg.ack, EMPTY);
        return;
      }
      snd.una = seqAdd(this.#iss, 1);
      this.state = "ESTABLISHED";
      this.#retries = 0;
      snd.rtx.stop();
      snd.setWindow(seg.window);
      this.events.onEstablished?.();
    }
    this.#processAck(seg);
    if ((this.state as TcpState) === "CLOSED") return;
    this.#processData(seg);
    this.#output();
  }

  #inputSynSent(seg: TcpSegment): void {
    const snd = this.#snd;
    if (seg.flags & ACK && seg.ack !== snd.nxt) {
      if (!(seg.flags & RST)) this.#emit(RST, seg.ack, EMPTY);
      return;
    }
    if (seg.flags & RST) {
      if (seg.flags & ACK) this.#close("reset");
      return;
    }
    if (!(seg.flags & SYN) || !(seg.flags & ACK)) return;
    this.#rcv.irs = seg.seq;
    this.#rcv.nxt = seqAdd(seg.seq, 1);
    snd.una = seg.ack;
    this.#peerOptions(seg.options, this.#ourShift > 0);
    snd.wnd = seg.window; // windows in SYNs are never scaled (RFC 7323 §2.2)
    snd.rtt.sample(seg.ack, this.#clock.now());
    snd.rtx.stop();
    this.#retries = 0;
    this.state = "ESTABLISHED";
    this.#sendAck();
    this.events.onEstablished?.();
    this.#output();
  }

  #peerOptions(o: TcpOptions, scaleOk: boolean): void {
    const snd = this.#snd;
    snd.mss = Math.max(64, Math.min(o.mss ?? DEFAULT_PEER_MSS, this.#o.mss));
    if (o.wscale !== undefined && (scaleOk || this.state === "CLOSED")) {
      snd.peerShift = o.wscale;
      this.#ourShift = WSCALE_SHIFT;
    } else {
      snd.peerShift = 0;
      this.#ourShift = 0;
    }
    snd.cc.restart(snd.mss);
  }

  #processAck(seg: TcpSegment): void {
    const snd = this.#snd;
    const ack = seg.ack;
    if (seqLt(snd.nxt, ack)) {
      this.#sendAck();
      return;
    }
    if (seqLt(snd.una, ack)) {
      const finAcked = snd.finSent && ack === snd.nxt;
      const acked = snd.advance(ack, finAcked);
      snd.rtt.sample(ack, this.#clock.now());
      this.#retries = 0;
      snd.cc.onAck(ack, acked, snd.mss);
      snd.rtx.stop();
      if (snd.una !== snd.nxt) snd.armRtx();
      snd.setWindow(seg.window);
      if (snd.cc.takePartialAck()) this.#retransmitFirst();
      if (snd.takeWritable()) this.events.onWritable?.();
      if (finAcked) {
        if (this.state === "FIN_WAIT_1") {
          this.state = "FIN_WAIT_2";
          this.#closeTimer = this.#clock.setTimer(FIN_WAIT2_TIMEOUT_MS, () => this.#close("timeout"));
        } else if (this.state === "CLOSING") this.#timeWait();
        else if (this.state === "LAST_ACK") this.#close("closed");
      }
      return;
    }
    if (ack === snd.una) {
      const oldWnd = snd.wnd;
      snd.setWindow(seg.window);
      const inflight = snd.inFlight();
      if (seg.payload.byteLength === 0 && !(seg.flags & FIN) && inflight > 0 && oldWnd === snd.wnd) {
        if (snd.cc.onDupAck(inflight, snd.nxt, snd.mss)) {
          // RFC 5681 §3.2 fast retransmit.
          snd.rtt.discard();
          this.#retransmitFirst();
        }
      }
    }
  }

  #processData(seg: TcpSegment): void {
    if (!(this.state === "ESTABLISHED" || this.state === "FIN_WAIT_1" || this.state === "FIN_WAIT_2")) {
      if (seg.flags & FIN || seg.payload.byteLength) this.#sendAck(); // retransmitted FIN: re-ACK
      return;
    }
    const fin = (seg.flags & FIN) !== 0;
    if (seg.payload.byteLength === 0 && !fin) return;
    const rcv = this.#rcv;
    if (!rcv.take(seg.seq, seg.payload)) {
      // Out of order: held inside the window; a duplicate ACK tells the sender.
      this.#sendAck();
      return;
    }
    if (fin && seqAdd(seg.seq, seg.payload.byteLength) === rcv.nxt) {
      rcv.nxt = seqAdd(rcv.nxt, 1);
      rcv.peerFin = true;
      if (this.state === "ESTABLISHED") this.state = "CLOSE_WAIT";
      else if (this.state === "FIN_WAIT_1") this.state = "CLOSING";
      else if (this.state === "FIN_WAIT_2") this.#timeWait();
    }
    if (fin || !this.#o.coalesceAcks) this.#sendAck();
    else this.#scheduleAck();
    rcv.deliver(this.events);
  }

  /** Defers the ACK to the end of this event-loop turn; any segment sent before carries it. */
  #scheduleAck(): void {
    this.#ackPending = true;
    if (this.#ackQueued) return;
    this.#ackQueued = true;
    queueMicrotask(() => {
      this.#ackQueued = false;
      if (this.#ackPending && this.state !== "CLOSED") this.#sendAck();
    });
  }

  #output(): void {
    if (!(this.state === "ESTABLISHED" || this.state === "CLOSE_WAIT" || this.state === "FIN_WAIT_1" || this.state === "CLOSING" || this.state === "LAST_ACK"))
      return;
    const snd = this.#snd;
    snd.sendData();
    if (snd.finQueued && !snd.finSent && snd.allSent()) {
      snd.sendFin();
      if (this.state === "ESTABLISHED") this.state = "FIN_WAIT_1";
      else if (this.state === "CLOSE_WAIT") this.state = "LAST_ACK";
    }
    snd.armPersist();
  }

  #retransmitFirst(): void {
    if (this.state === "SYN_RCVD") return this.#sendSyn(true);
    if (this.state === "SYN_SENT") return this.#sendSyn(false);
    this.#snd.retransmitFirst();
  }

  #onRtxTimer(): void {
    if (this.state === "CLOSED" || this.state === "TIME_WAIT") return;
    const snd = this.#snd;
    const probing = (this.state === "ESTABLISHED" || this.state === "CLOSE_WAIT") && snd.probing();
    if (!probing && ++this.#retries > MAX_RETRIES) {
      this.#emit(RST | ACK, snd.nxt, EMPTY);
      this.#close("timeout");
      return;
    }
    // RFC 6298 §5.4–5.6: retransmit the earliest segment, back off, restart the timer.
    snd.cc.onTimeout(snd.inFlight(), snd.mss);
    snd.rtt.discard();
    snd.rtt.backoff();
    this.#retransmitFirst();
    snd.armRtx();
  }

  #sendSyn(withAck: boolean): void {
    const options: TcpOptions = { mss: this.#o.mss };
    if (!withAck || this.#ourShift > 0) options.wscale = WSCALE_SHIFT;
    if (!withAck) this.#ourShift = WSCALE_SHIFT; // tentatively; cleared if the peer does not scale
    this.#o.send(
      {
        srcPort: this.#o.localPort,
        dstPort: this.#o.remotePort,
        seq: this.#iss,
        ack: withAck ? this.#rcv.nxt : 0,
        flags: withAck ? SYN | ACK : SYN,
        window: Math.min(0xffff, this.#rcv.max),
        options,
      },
      EMPTY,
    );
    if (this.#retries === 0) this.#snd.rtt.begin(seqAdd(this.#iss, 1), this.#clock.now());
    this.#snd.armRtx();
  }

  #sendAck(): void {
    this.#emit(ACK, this.#snd.nxt, EMPTY);
  }

  #emit(flags: number, seq: number, payload: Uint8Array): void {
    const wnd = this.#rcv.window();
    this.#lastAdvertised = wnd;
    this.#ackPending = false;
    this.#o.send(
      {
        srcPort: this.#o.localPort,
        dstPort: this.#o.remotePort,
        seq,
        ack: flags & RST && !(flags & ACK) ? 0 : this.#rcv.nxt,
        flags,
        window: Math.min(0xffff, wnd >>> this.#ourShift),
      },
      payload,
    );
  }

  #timeWait(): void {
    this.state = "TIME_WAIT";
    this.#snd.rtx.stop();
    this.#closeTimer?.cancel();
    this.#closeTimer = this.#clock.setTimer(TIME_WAIT_MS, () => this.#close("closed"));
  }

  #close(reason: CloseReason): void {
    if (this.state === "CLOSED") return;
    this.state = "CLOSED";
    this.#snd.rtx.cancel();
    this.#closeTimer?.cancel();
    this.events.onClose?.(reason);
  }
}
