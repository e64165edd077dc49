/**
 * The send side of a connection: the send buffer and sequence space (SND.UNA,
 * SND.NXT, the peer's window, the MSS agreed at open), segmentation of buffered
 * bytes into MSS-sized segments limited by the peer window and the congestion
 * window, retransmission of the earliest unacknowledged segment, and the
 * congestion control (`congestion.ts`) and timers (`rto.ts`) that pace it.
 *
 * Bytes wait in a bounded buffer: `write` above the high-water mark blocks the
 * application until the buffer drains below half (`takeWritable`). A zero peer
 * window is probed from the retransmission timer.
 */
import type { Clock } from "../../core/clock/mod.ts";
import { ByteQueue } from "../byte_queue.ts";
import { ACK, FIN, PSH } from "../tcp.ts";
import { NewReno } from "./congestion.ts";
import { RetransmitTimer, RttEstimator } from "./rto.ts";
import { seqAdd, seqDiff } from "./seq.ts";

/** Emits one segment with the connection's current ACK and window. */
export type Emit = (flags: number, seq: number, payload: Uint8Array) => void;

/** Construction options. */
export interface SenderOptions {
  clock: Clock;
  /** Initial send sequence number. */
  iss: number;
  /** Initial MSS (until the peer's is known). */
  mss: number;
  /** Our largest segment: sets the initial congestion window. */
  ourMss: number;
  /** Send buffer high-water mark. */
  max: number;
  /** Cap on bytes in flight. */
  maxFlight: number;
  emit: Emit;
  /** The retransmission timer expired. */
  onTimeout: () => void;
}

const EMPTY = new Uint8Array(0);

/** Send state of one connection. */
export class Sender {
  /** Oldest unacknowledged sequence number (SND.UNA). */
  una: number;
  /** Next sequence number to send (SND.NXT). */
  nxt: number;
  /** The peer's window, scaled (bytes). */
  wnd = 0;
  /** Largest segment we send. */
  mss: number;
  /** The peer's window scale shift. */
  peerShift = 0;
  /** Unacknowledged and unsent bytes. */
  readonly buf = new ByteQueue();
  /** High-water mark of `buf`. */
  readonly max: number;
  /** `write` returned false; `onWritable` is owed. */
  blocked = false;
  finQueued = false;
  finSent = false;
  readonly cc: NewReno;
  readonly rtt = new RttEstimator();
  readonly rtx: RetransmitTimer;
  readonly #clock: Clock;
  readonly #emit: Emit;

  constructor(o: SenderOptions) {
    this.una = o.iss;
    this.nxt = o.iss;
    this.mss = o.mss;
    this.max = o.max;
    this.cc = new NewReno(o.ourMss, o.maxFlight);
    this.#clock = o.clock;
    this.#emit = o.emit;
    this.rtx = new RetransmitTimer(o.clock, o.onTimeout);
  }

  /** Bytes sent and not yet acknowledged (a sent FIN counts one). */
  inFlight(): number {
    return seqDiff(this.nxt, this.una);
  }

  /** Every buffered byte has been sent. */
  allSent(): boolean {
    return seqDiff(this.nxt, this.una) === this.buf.length;
  }

  /** Takes the window a segment advertises (scaled by the peer's shift). */
  setWindow(window: number): void {
    this.wnd = window << this.peerShift;
  }

  /** Starts the retransmission timer with the current RTO unless running. */
  armRtx(): void {
    this.rtx.arm(this.rtt.rto);
  }

  /** New data acknowledged up to `ack`: drops it from the buffer; returns the bytes acknowledged. */
  advance(ack: number, finAcked: boolean): number {
    let acked = seqDiff(ack, this.una);
    if (finAcked) acked -= 1;
    this.buf.drop(acked);
    this.una = ack;
    return acked;
  }

  /** True once when a blocked writer may write again (buffer below half). */
  takeWritable(): boolean {
    if (!this.blocked || this.buf.length >= this.max / 2) return false;
    this.blocked = false;
    return true;
  }

  /** Sends buffered bytes in MSS-sized segments while the peer and congestion windows allow. */
  sendData(): void {
    const limit = Math.min(this.wnd, this.cc.cwnd);
    for (;;) {
      const sent = seqDiff(this.nxt, this.una) - (this.finSent ? 1 : 0);
      const unsent = this.buf.length - sent;
      if (unsent <= 0 || this.finSent) break;
      const room = limit - seqDiff(this.nxt, this.una);
      if (room <= 0) break;
      const n = Math.min(this.mss, unsent, room);
      const payload = this.buf.view(sent, n);
      const last = n === unsent;
      this.#emit(ACK | (last ? PSH : 0), this.nxt, payload);
      this.rtt.begin(seqAdd(this.nxt, n), this.#clock.now());
      this.nxt = seqAdd(this.nxt, n);
      this.armRtx();
    }
  }

  /** Sends FIN after the buffered bytes. */
  sendFin(): void {
    this.finSent = true;
    this.#emit(FIN | ACK, this.nxt, EMPTY);
    this.nxt = seqAdd(this.nxt, 1);
    this.armRtx();
  }

  /** The peer's window is closed while bytes wait: keep the timer running to probe it. */
  armPersist(): void {
    if (this.buf.length > 0 && this.wnd === 0) this.armRtx();
  }

  /** Bytes wait behind a zero window with at most a probe byte out (probes do not count as retries). */
  probing(): boolean {
    return this.wnd === 0 && this.buf.length > 0 && seqDiff(this.nxt, this.una) <= 1;
  }

  /** Retransmits the earliest unacknowledged segment (or probes a zero window, or repeats FIN). */
  retransmitFirst(): void {
    const dataInFlight = seqDiff(this.nxt, this.una) - (this.finSent ? 1 : 0);
    if (dataInFlight > 0 || (this.wnd === 0 && this.buf.length > 0)) {
      const n = Math.min(this.mss, Math.max(1, dataInFlight), this.buf.length);
      this.#emit(ACK, this.una, this.buf.peek(0, n));
      if (this.wnd === 0 && dataInFlight <= 0) this.nxt = seqAdd(this.una, n);
    } else if (this.finSent) {
      this.#emit(FIN | ACK, seqAdd(this.nxt, -1), EMPTY);
    }
  }
}
