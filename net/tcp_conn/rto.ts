/**
 * Timers of a connection's send side: the round-trip estimate and retransmission
 * timeout of RFC 6298 (SRTT/RTTVAR, Karn's rule — no samples from retransmitted
 * data — and exponential backoff), and the lazy retransmission timer on the injected
 * `Clock`.
 */
import type { Clock, Timer } from "../../core/clock/mod.ts";
import { seqLt } from "./seq.ts";

/** RFC 6298 §2.1 initial RTO. */
export const INITIAL_RTO_MS = 1000;
/** Lower RTO bound (Linux's 200 ms rather than RFC 6298's conservative 1 s). */
export const MIN_RTO_MS = 200;
/** Upper RTO bound (RFC 6298 §2.5 allows ≥ 60 s). */
export const MAX_RTO_MS = 60_000;

/** RFC 6298 round-trip estimation, one timed segment at a time. */
export class RttEstimator {
  /** Current retransmission timeout (ms). */
  rto = INITIAL_RTO_MS;
  /** Smoothed RTT (ms), once sampled. */
  srtt: number | undefined;
  rttvar = 0;
  /** The sequence number whose acknowledgement ends the running sample. */
  seq: number | undefined;
  /** When the running sample started. */
  start = 0;

  /** Times the segment ending at `seq` unless a sample is already running. */
  begin(seq: number, now: number): void {
    if (this.seq !== undefined) return;
    this.seq = seq;
    this.start = now;
  }

  /** Karn's rule: a retransmission voids the running sample. */
  discard(): void {
    this.seq = undefined;
  }

  /** An ACK up to `ack` at `now`: ends the running sample if it covers it (RFC 6298 §2). */
  sample(ack: number, now: number): void {
    if (this.seq === undefined || seqLt(ack, this.seq)) return;
    const r = Math.max(1, now - this.start);
    this.seq = undefined;
    if (this.srtt === undefined) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.rto = Math.min(MAX_RTO_MS, Math.max(MIN_RTO_MS, this.srtt + Math.max(1, 4 * this.rttvar)));
  }

  /** RFC 6298 §5.5: double the timeout after an expiry. */
  backoff(): void {
    this.rto = Math.min(this.rto * 2, MAX_RTO_MS);
  }
}

/**
 * The retransmission timer, lazy: stopping only clears the deadline and re-arming
 * sets a new one, while at most one clock timer is pending; when it fires early
 * (the deadline moved) it re-arms for the rest. This avoids a timer cancel + create
 * for every ACK on the bulk-transfer path.
 */
export class RetransmitTimer {
  #deadline: number | undefined;
  #timer: Timer | undefined;
  #timerDue = 0;

  constructor(
    private readonly clock: Clock,
    /** Called when a deadline passes. */
    private readonly onExpire: () => void,
  ) {}

  /** Starts the timer for `rto` ms unless it is already running. */
  arm(rto: number): void {
    if (this.#deadline !== undefined) return;
    this.#deadline = this.clock.now() + rto;
    if (this.#timer && this.#timerDue <= this.#deadline) return;
    this.#timer?.cancel();
    this.#timerDue = this.#deadline;
    this.#timer = this.clock.setTimer(rto, () => this.#fired());
  }

  /** Stops the timer (lazily: a pending clock timer finds no deadline). */
  stop(): void {
    this.#deadline = undefined;
  }

  /** Stops the timer and drops the pending clock timer (the connection closed). */
  cancel(): void {
    this.#deadline = undefined;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #fired(): void {
    this.#timer = undefined;
    const deadline = this.#deadline;
    if (deadline === undefined) return;
    const left = deadline - this.clock.now();
    if (left > 0) {
      this.#timerDue = deadline;
      this.#timer = this.clock.setTimer(left, () => this.#fired());
      return;
    }
    this.#deadline = undefined;
    this.onExpire();
  }
}
