/**
 * One userspace TCP connection endpoint (RFC 9293), used by the NAT to terminate guest
 * TCP and by port forwards to open connections into guests.
 *
 * Theory of operation: the connection is a state machine fed with parsed segments
 * (`input`) and application calls (`write`, `end`, `abort`, `resumeReceive`); it emits
 * segments through `send` and reports to the application through `events`. Timers
 * come from the injected `Clock`, so tests drive retransmission with a manual clock.
 *  - Open: `accept(syn)` answers a peer SYN with SYN-ACK (passive); `connect()` sends a
 *    SYN (active). MSS is clamped to our MTU (RFC 9293 §3.7.1); window scaling
 *    (RFC 7323 §2) is used only when both SYNs carry it.
 *  - Send: bytes wait in a bounded send buffer (`write` returns false above the high
 *    water mark; `onWritable` fires when it drains below half) and go out in MSS-sized
 *    segments limited by the peer window and a congestion window (RFC 5681 slow start,
 *    congestion avoidance, fast retransmit after 3 duplicate ACKs).
 *  - Retransmission: RTO per RFC 6298 (SRTT/RTTVAR, Karn's rule: no samples from
 *    retransmitted data, exponential backoff, `MAX_RETRIES` before giving up with RST);
 *    a zero peer window is probed on the same timer without counting retries.
 *  - Receive: in-order data is delivered to `onData` (whose `false` return pauses
 *    delivery until `resumeReceive`); undelivered bytes shrink the window we advertise,
 *    so a slow consumer slows the peer instead of growing memory. Out-of-order
 *    segments are kept (not dropped) inside the window, their total bounded by it;
 *    they do not shrink the advertised window, so duplicate ACKs stay duplicates.
 *  - Close: FIN handshakes through FIN_WAIT/CLOSING/LAST_ACK/TIME_WAIT (§3.6), RST on
 *    abort; `onClose` reports once with the reason.
 * Out of scope: SACK, timestamps, urgent data, delayed ACKs (every segment is ACKed).
 */
import type { Clock, Timer } from "../core/clock/mod.ts";
import { ByteQueue } from "./byte_queue.ts";
import { ACK, FIN, PSH, RST, SYN, type TcpFields, type TcpOptions, type TcpSegment } from "./tcp.ts";

/** RFC 6298 §2.1 initial RTO. */
export const INITIAL_RTO_MS = 1000;
/** Lower RTO bound (Linux's 200 ms rather than RFC 6298's conservative 1 s). */
export const MIN_RTO_MS = 200;
/** Upper RTO bound (RFC 6298 §2.5 allows ≥ 60 s). */
export const MAX_RTO_MS = 60_000;
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
/** RFC 6928 initial window in segments. */
const INITIAL_CWND_SEGMENTS = 10;

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

const lt = (a: number, b: number) => ((a - b) | 0) < 0;
const le = (a: number, b: number) => ((a - b) | 0) <= 0;
const add = (a: number, n: number) => (a + n) >>> 0;
const diff = (a: number, b: number) => (a - b) | 0;

/** A TCP endpoint. */
export class TcpConnection {
  state: TcpState = "CLOSED";
  events: TcpEvents;
  readonly #o: TcpConnOptions;
  readonly #clock: Clock;
  // send side
  readonly #iss: number;
  #sndUna: number;
  #sndNxt: number;
  #sndWnd = 0;
  #sndMss: number;
  #peerShift = 0;
  #ourShift = 0;
  readonly #sndBuf = new ByteQueue();
  readonly #sndMax: number;
  #blocked = false;
  #finQueued = false;
  #finSent = false;
  #cwnd: number;
  #ssthresh = 0x7fffffff;
  #dupAcks = 0;
  readonly #maxFlight: number;
  #partialAck = false;
  /** NewReno (RFC 6582): highest sequence sent when loss was detected, while recovering. */
  #recover: number | undefined;
  // timers and RTT (RFC 6298)
  #rto = INITIAL_RTO_MS;
  #srtt: number | undefined;
  #rttvar = 0;
  #rttSeq: number | undefined;
  #rttStart = 0;
  #retries = 0;
  #rtxTimer: Timer | undefined;
  #rtxDeadline: number | undefined;
  #rtxTimerDue = 0;
  #closeTimer: Timer | undefined;
  // receive side
  #irs = 0;
  #rcvNxt = 0;
  readonly #rcvMax: number;
  readonly #rcvQueue = new ByteQueue();
  readonly #ooo = new Map<number, Uint8Array>();
  #oooBytes = 0;
  #paused = false;
  #peerFin = false;
  #peerFinDelivered = false;
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
    this.#sndUna = this.#iss;
    this.#sndNxt = this.#iss;
    this.#sndMss = Math.min(o.mss, DEFAULT_PEER_MSS);
    this.#sndMax = o.sndBuf ?? DEFAULT_SND_BUF;
    this.#rcvMax = o.rcvBuf ?? DEFAULT_RCV_BUF;
    this.#cwnd = INITIAL_CWND_SEGMENTS * o.mss;
    this.#maxFlight = o.maxFlight ?? MAX_FLIGHT_BYTES;
    this.lastActivity = o.clock.now();
  }

  /** Passive open: answer the peer's SYN with SYN-ACK. */
  accept(syn: TcpSegment): void {
    this.#irs = syn.seq;
    this.#rcvNxt = add(syn.seq, 1);
    this.#peerOptions(syn.options, true);
    this.state = "SYN_RCVD";
    this.#sndNxt = add(this.#iss, 1);
    this.#sendSyn(true);
  }

  /** Active open: send SYN. */
  connect(): void {
    this.state = "SYN_SENT";
    this.#sndNxt = add(this.#iss, 1);
    this.#sendSyn(false);
  }

  /** Bytes buffered for sending (unacknowledged + unsent). */
  get sendBuffered(): number {
    return this.#sndBuf.length;
  }

  /** Current retransmission timeout (ms). */
  get rto(): number {
    return this.#rto;
  }

  /** Smoothed RTT estimate (ms) if sampled. */
  get srtt(): number | undefined {
    return this.#srtt;
  }

  /** Queues data; false means "buffer above high water, wait for onWritable". */
  write(data: Uint8Array): boolean {
    if (this.#finQueued || this.state === "CLOSED" || this.state === "TIME_WAIT") return false;
    this.#sndBuf.push(data);
    if (this.state === "ESTABLISHED" || this.state === "CLOSE_WAIT") this.#output();
    const ok = this.#sndBuf.length < this.#sndMax;
    if (!ok) this.#blocked = true;
    return ok;
  }

  /** Half-close: FIN after all buffered data. */
  end(): void {
    if (this.#finQueued || this.state === "CLOSED") return;
    this.#finQueued = true;
    if (this.state === "ESTABLISHED" || this.state === "CLOSE_WAIT") this.#output();
  }

  /** Reset the connection (RFC 9293 §3.10.4 ABORT). */
  abort(): void {
    if (this.state === "CLOSED") return;
    if (this.state !== "TIME_WAIT") this.#emit(RST | ACK, this.#sndNxt, new Uint8Array(0));
    this.#close("aborted");
  }

  /** The application consumed data: deliver more and reopen the window. */
  resumeReceive(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#deliver();
    if (this.state !== "CLOSED" && this.#window() - this.#lastAdvertised >= Math.min(this.#rcvMax / 2, 4 * this.#o.mss)) this.#sendAck();
  }

  /** Feeds one segment from the peer. */
  input(seg: TcpSegment): void {
    if (this.state === "CLOSED") return;
    this.lastActivity = this.#clock.now();
    if (this.state === "SYN_SENT") return this.#inputSynSent(seg);
    if (seg.flags & RST) {
      // RFC 5961 §3.2: only an exact-sequence RST resets; in-window ones get a challenge ACK.
      if (seg.seq === this.#rcvNxt) this.#close("reset");
      else if (this.#inWindow(seg.seq)) this.#sendAck();
      return;
    }
    if (seg.flags & SYN) {
      if (this.state === "SYN_RCVD" && seg.seq === this.#irs) this.#sendSyn(true);
      else this.#sendAck();
      return;
    }
    if (!(seg.flags & ACK)) return;
    const len = seg.payload.byteLength + (seg.flags & FIN ? 1 : 0);
    if (len > 0 && !this.#acceptable(seg.seq, len)) {
      this.#sendAck();
      return;
    }
    if (this.state === "SYN_RCVD") {
      if (!(le(add(this.#iss, 1), seg.ack) && le(seg.ack, this.#sndNxt))) {
        this.#emit(RST, seg.ack, new Uint8Array(0));
        return;
      }
      this.#sndUna = add(this.#iss, 1);
      this.state = "ESTABLISHED";
      this.#retries = 0;
      this.#stopRtx();
      this.#updateWindow(seg);
      this.events.onEstablished?.();
    }
    this.#processAck(seg);
    if ((this.state as TcpState) === "CLOSED") return;
    this.#processData(seg);
    this.#output();
  }

  #inputSynSent(seg: TcpSegment): void {
    if (seg.flags & ACK && seg.ack !== this.#sndNxt) {
      if (!(seg.flags & RST)) this.#emit(RST, seg.ack, new Uint8Array(0));
      return;
    }
    if (seg.flags & RST) {
      if (seg.flags & ACK) this.#close("reset");
      return;
    }
    if (!(seg.flags & SYN) || !(seg.flags & ACK)) return;
    this.#irs = seg.seq;
    this.#rcvNxt = add(seg.seq, 1);
    this.#sndUna = seg.ack;
    this.#peerOptions(seg.options, this.#ourShift > 0);
    this.#sndWnd = seg.window; // windows in SYNs are never scaled (RFC 7323 §2.2)
    this.#sampleRtt(seg.ack);
    this.#stopRtx();
    this.#retries = 0;
    this.state = "ESTABLISHED";
    this.#sendAck();
    this.events.onEstablished?.();
    this.#output();
  }

  #peerOptions(o: TcpOptions, scaleOk: boolean): void {
    this.#sndMss = Math.max(64, Math.min(o.mss ?? DEFAULT_PEER_MSS, this.#o.mss));
    if (o.wscale !== undefined && (scaleOk || this.state === "CLOSED")) {
      this.#peerShift = o.wscale;
      this.#ourShift = WSCALE_SHIFT;
    } else {
      this.#peerShift = 0;
      this.#ourShift = 0;
    }
    this.#cwnd = INITIAL_CWND_SEGMENTS * this.#sndMss;
  }

  #acceptable(seq: number, len: number): boolean {
    const wnd = Math.max(this.#window(), 1);
    const end = add(seq, len - 1);
    return this.#inWindowOf(seq, wnd) || this.#inWindowOf(end, wnd) || (lt(seq, this.#rcvNxt) && lt(this.#rcvNxt, add(seq, len)));
  }

  #inWindow(seq: number): boolean {
    return this.#inWindowOf(seq, Math.max(this.#window(), 1));
  }

  #inWindowOf(seq: number, wnd: number): boolean {
    return le(this.#rcvNxt, seq) && lt(seq, add(this.#rcvNxt, wnd));
  }

  #processAck(seg: TcpSegment): void {
    const ack = seg.ack;
    if (lt(this.#sndNxt, ack)) {
      this.#sendAck();
      return;
    }
    if (lt(this.#sndUna, ack)) {
      let acked = diff(ack, this.#sndUna);
      const finAcked = this.#finSent && ack === this.#sndNxt;
      if (finAcked) acked -= 1;
      this.#sndBuf.drop(acked);
      this.#sndUna = ack;
      this.#dupAcks = 0;
      this.#sampleRtt(ack);
      this.#retries = 0;
      // RFC 5681 §3.1 slow start / congestion avoidance.
      if (this.#recover !== undefined) {
        // RFC 6582 §3.2: a partial ACK retransmits the next hole at once; a full one ends recovery.
        if (lt(ack, this.#recover)) this.#partialAck = true;
        else this.#recover = undefined;
      } else if (this.#cwnd < this.#ssthresh) this.#cwnd += Math.min(acked, this.#sndMss);
      else this.#cwnd += Math.max(1, Math.floor((this.#sndMss * this.#sndMss) / this.#cwnd));
      if (this.#cwnd > this.#maxFlight) this.#cwnd = this.#maxFlight;
      this.#stopRtx();
      if (this.#sndUna !== this.#sndNxt) this.#armRtx();
      this.#updateWindow(seg);
      if (this.#partialAck) {
        this.#partialAck = false;
        this.#retransmitFirst();
      }
      if (this.#blocked && this.#sndBuf.length < this.#sndMax / 2) {
        this.#blocked = false;
        this.events.onWritable?.();
      }
      if (finAcked) {
        if (this.state === "FIN_WAIT_1") {
          this.state = "FIN_WAIT_2";
          this.#closeTimer = this.#clock.setTimer(FIN_WAIT2_TIMEOUT_MS, () => this.#close("timeout"));
        } else if (this.state === "CLOSING") this.#timeWait();
        else if (this.state === "LAST_ACK") this.#close("closed");
      }
      return;
    }
    if (ack === this.#sndUna) {
      const oldWnd = this.#sndWnd;
      this.#updateWindow(seg);
      const inflight = diff(this.#sndNxt, this.#sndUna);
      if (seg.payload.byteLength === 0 && !(seg.flags & FIN) && inflight > 0 && oldWnd === this.#sndWnd) {
        this.#dupAcks++;
        if (this.#dupAcks === 3 && this.#recover === undefined) {
          // RFC 5681 §3.2 fast retransmit.
          this.#recover = this.#sndNxt;
          this.#ssthresh = Math.max(Math.floor(inflight / 2), 2 * this.#sndMss);
          this.#cwnd = this.#ssthresh;
          this.#rttSeq = undefined;
          this.#retransmitFirst();
        }
      }
    }
  }

  #updateWindow(seg: TcpSegment): void {
    this.#sndWnd = seg.window << this.#peerShift;
  }

  #processData(seg: TcpSegment): void {
    if (!(this.state === "ESTABLISHED" || this.state === "FIN_WAIT_1" || this.state === "FIN_WAIT_2")) {
      if (seg.flags & FIN || seg.payload.byteLength) this.#sendAck(); // retransmitted FIN: re-ACK
      return;
    }
    let data = seg.payload;
    let seq = seg.seq;
    const fin = (seg.flags & FIN) !== 0;
    if (data.byteLength === 0 && !fin) return;
    // Trim what we already have (RFC 9293 §3.10.7.4 "process the segment text").
    if (lt(seq, this.#rcvNxt)) {
      const skip = diff(this.#rcvNxt, seq);
      data = data.subarray(Math.min(skip, data.byteLength));
      seq = this.#rcvNxt;
    }
    const room = this.#window();
    if (seq !== this.#rcvNxt) {
      // Out of order: keep what lies inside the window (total held bounded by the window
      // too) and send a duplicate ACK. The advertised window does not shrink for it, so
      // the sender sees true duplicates and fast-retransmits (RFC 5681 §2).
      const end = Math.min(data.byteLength, room - diff(seq, this.#rcvNxt));
      data = data.subarray(0, Math.max(0, end));
      if (data.byteLength && !this.#ooo.has(seq) && this.#oooBytes + data.byteLength <= room) {
        this.#ooo.set(seq, data.slice());
        this.#oooBytes += data.byteLength;
      }
      this.#sendAck();
      return;
    }
    if (data.byteLength > room) data = data.subarray(0, room);
    if (data.byteLength) {
      this.#rcvQueue.push(data);
      this.#rcvNxt = add(this.#rcvNxt, data.byteLength);
      this.#drainOoo();
    }
    if (fin && add(seg.seq, seg.payload.byteLength) === this.#rcvNxt) {
      this.#rcvNxt = add(this.#rcvNxt, 1);
      this.#peerFin = true;
      if (this.state === "ESTABLISHED") this.state = "CLOSE_WAIT";
      else if (this.state === "FIN_WAIT_1") this.state = "CLOSING";
      else if (this.state === "FIN_WAIT_2") this.#timeWait();
    }
    if (fin || !this.#o.coalesceAcks) this.#sendAck();
    else this.#scheduleAck();
    this.#deliver();
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

  #drainOoo(): void {
    let progress = true;
    while (progress && this.#ooo.size) {
      progress = false;
      for (const [s, d] of this.#ooo) {
        const end = add(s, d.byteLength);
        if (le(s, this.#rcvNxt)) {
          this.#ooo.delete(s);
          this.#oooBytes -= d.byteLength;
          if (lt(this.#rcvNxt, end)) {
            this.#rcvQueue.push(d.subarray(diff(this.#rcvNxt, s)));
            this.#rcvNxt = end;
          }
          progress = true;
        }
      }
    }
  }

  #deliver(): void {
    while (!this.#paused && this.#rcvQueue.length) {
      const chunk = this.#rcvQueue.takeAll();
      if (this.events.onData?.(chunk) === false) this.#paused = true;
    }
    if (!this.#paused && this.#peerFin && !this.#peerFinDelivered && this.#rcvQueue.length === 0) {
      this.#peerFinDelivered = true;
      this.events.onPeerFin?.();
    }
  }

  #window(): number {
    return Math.max(0, this.#rcvMax - this.#rcvQueue.length);
  }

  #output(): void {
    if (!(this.state === "ESTABLISHED" || this.state === "CLOSE_WAIT" || this.state === "FIN_WAIT_1" || this.state === "CLOSING" || this.state === "LAST_ACK")) return;
    const limit = Math.min(this.#sndWnd, this.#cwnd);
    for (;;) {
      const sent = diff(this.#sndNxt, this.#sndUna) - (this.#finSent ? 1 : 0);
      const unsent = this.#sndBuf.length - sent;
      if (unsent <= 0 || this.#finSent) break;
      const room = limit - diff(this.#sndNxt, this.#sndUna);
      if (room <= 0) break;
      const n = Math.min(this.#sndMss, unsent, room);
      const payload = this.#sndBuf.view(sent, n);
      const last = n === unsent;
      this.#emit(ACK | (last ? PSH : 0), this.#sndNxt, payload);
      if (this.#rttSeq === undefined) {
        this.#rttSeq = add(this.#sndNxt, n);
        this.#rttStart = this.#clock.now();
      }
      this.#sndNxt = add(this.#sndNxt, n);
      this.#armRtx();
    }
    const allSent = diff(this.#sndNxt, this.#sndUna) === this.#sndBuf.length;
    if (this.#finQueued && !this.#finSent && allSent) {
      this.#finSent = true;
      this.#emit(FIN | ACK, this.#sndNxt, new Uint8Array(0));
      this.#sndNxt = add(this.#sndNxt, 1);
      if (this.state === "ESTABLISHED") this.state = "FIN_WAIT_1";
      else if (this.state === "CLOSE_WAIT") this.state = "LAST_ACK";
      this.#armRtx();
    }
    if (this.#sndBuf.length > 0 && this.#sndWnd === 0) this.#armRtx(); // persist probe
  }

  #retransmitFirst(): void {
    const dataInFlight = diff(this.#sndNxt, this.#sndUna) - (this.#finSent ? 1 : 0);
    if (this.state === "SYN_RCVD") return this.#sendSyn(true);
    if (this.state === "SYN_SENT") return this.#sendSyn(false);
    if (dataInFlight > 0 || (this.#sndWnd === 0 && this.#sndBuf.length > 0)) {
      const n = Math.min(this.#sndMss, Math.max(1, dataInFlight), this.#sndBuf.length);
      this.#emit(ACK, this.#sndUna, this.#sndBuf.peek(0, n));
      if (this.#sndWnd === 0 && dataInFlight <= 0) this.#sndNxt = add(this.#sndUna, n);
    } else if (this.#finSent) {
      this.#emit(FIN | ACK, add(this.#sndNxt, -1), new Uint8Array(0));
    }
  }

  #onRtxTimer(): void {
    this.#rtxTimer = undefined;
    if (this.state === "CLOSED" || this.state === "TIME_WAIT") return;
    const probing = this.#sndWnd === 0 && (this.state === "ESTABLISHED" || this.state === "CLOSE_WAIT") && this.#sndBuf.length > 0 && diff(this.#sndNxt, this.#sndUna) <= 1;
    if (!probing && ++this.#retries > MAX_RETRIES) {
      this.#emit(RST | ACK, this.#sndNxt, new Uint8Array(0));
      this.#close("timeout");
      return;
    }
    // RFC 6298 §5.4–5.6: retransmit the earliest segment, back off, restart the timer.
    const inflight = diff(this.#sndNxt, this.#sndUna);
    this.#ssthresh = Math.max(Math.floor(inflight / 2), 2 * this.#sndMss);
    this.#cwnd = this.#sndMss;
    this.#recover = undefined;
    this.#rttSeq = undefined;
    this.#rto = Math.min(this.#rto * 2, MAX_RTO_MS);
    this.#retransmitFirst();
    this.#armRtx();
  }

  #sampleRtt(ack: number): void {
    if (this.#rttSeq === undefined || lt(ack, this.#rttSeq)) return;
    const r = Math.max(1, this.#clock.now() - this.#rttStart);
    this.#rttSeq = undefined;
    if (this.#srtt === undefined) {
      this.#srtt = r;
      this.#rttvar = r / 2;
    } else {
      this.#rttvar = 0.75 * this.#rttvar + 0.25 * Math.abs(this.#srtt - r);
      this.#srtt = 0.875 * this.#srtt + 0.125 * r;
    }
    this.#rto = Math.min(MAX_RTO_MS, Math.max(MIN_RTO_MS, this.#srtt + Math.max(1, 4 * this.#rttvar)));
  }

  /**
   * The retransmission timer is lazy: stopping only clears the deadline and re-arming
   * sets a new one, while at most one clock timer is pending; when it fires early
   * (the deadline moved) it re-arms for the rest. This avoids a timer cancel + create
   * for every ACK on the bulk-transfer path.
   */
  #armRtx(): void {
    if (this.#rtxDeadline !== undefined) return;
    this.#rtxDeadline = this.#clock.now() + this.#rto;
    if (this.#rtxTimer && this.#rtxTimerDue <= this.#rtxDeadline) return;
    this.#rtxTimer?.cancel();
    this.#rtxTimerDue = this.#rtxDeadline;
    this.#rtxTimer = this.#clock.setTimer(this.#rto, () => this.#rtxFired());
  }

  #stopRtx(): void {
    this.#rtxDeadline = undefined;
  }

  #rtxFired(): void {
    this.#rtxTimer = undefined;
    const deadline = this.#rtxDeadline;
    if (deadline === undefined || this.state === "CLOSED") return;
    const left = deadline - this.#clock.now();
    if (left > 0) {
      this.#rtxTimerDue = deadline;
      this.#rtxTimer = this.#clock.setTimer(left, () => this.#rtxFired());
      return;
    }
    this.#rtxDeadline = undefined;
    this.#onRtxTimer();
  }

  #sendSyn(withAck: boolean): void {
    const options: TcpOptions = { mss: this.#o.mss };
    if (!withAck || this.#ourShift > 0) options.wscale = WSCALE_SHIFT;
    if (!withAck) this.#ourShift = WSCALE_SHIFT; // tentatively; cleared if the peer does not scale
    this.#o.send({ srcPort: this.#o.localPort, dstPort: this.#o.remotePort, seq: this.#iss, ack: withAck ? this.#rcvNxt : 0, flags: withAck ? SYN | ACK : SYN, window: Math.min(0xffff, this.#rcvMax), options }, new Uint8Array(0));
    if (this.#rttSeq === undefined && this.#retries === 0) {
      this.#rttSeq = add(this.#iss, 1);
      this.#rttStart = this.#clock.now();
    }
    this.#armRtx();
  }

  #sendAck(): void {
    this.#emit(ACK, this.#sndNxt, new Uint8Array(0));
  }

  #emit(flags: number, seq: number, payload: Uint8Array): void {
    const wnd = this.#window();
    this.#lastAdvertised = wnd;
    this.#ackPending = false;
    this.#o.send({ srcPort: this.#o.localPort, dstPort: this.#o.remotePort, seq, ack: flags & RST && !(flags & ACK) ? 0 : this.#rcvNxt, flags, window: Math.min(0xffff, wnd >>> this.#ourShift) }, payload);
  }

  #timeWait(): void {
    this.state = "TIME_WAIT";
    this.#stopRtx();
    this.#closeTimer?.cancel();
    this.#closeTimer = this.#clock.setTimer(TIME_WAIT_MS, () => this.#close("closed"));
  }

  #close(reason: CloseReason): void {
    if (this.state === "CLOSED") return;
    this.state = "CLOSED";
    this.#stopRtx();
    this.#rtxTimer?.cancel();
    this.#rtxTimer = undefined;
    this.#closeTimer?.cancel();
    this.events.onClose?.(reason);
  }
}
