/**
 * Congestion control: NewReno (RFC 5681 slow start, congestion avoidance, fast
 * retransmit after three duplicate ACKs; RFC 6582 partial ACKs during recovery),
 * with the window capped at the bytes the "link" can hold (`maxFlight`). Pure
 * bookkeeping: the sender asks it how much may be in flight and tells it about ACKs
 * and timeouts.
 */
import { seqLt } from "./seq.ts";

/** RFC 6928 initial window in segments. */
export const INITIAL_CWND_SEGMENTS = 10;

/** NewReno state of one connection. */
export class NewReno {
  /** Congestion window (bytes). */
  cwnd: number;
  /** Slow-start threshold (bytes). */
  ssthresh = 0x7fffffff;
  /** Duplicate ACKs in a row. */
  dupAcks = 0;
  /** RFC 6582: highest sequence sent when loss was detected, while recovering. */
  recover: number | undefined;
  /** A partial ACK arrived: the next hole is to be retransmitted at once. */
  partialAck = false;

  constructor(
    mss: number,
    /** Ceiling of the window (bytes in flight). */
    readonly maxFlight: number,
  ) {
    this.cwnd = INITIAL_CWND_SEGMENTS * mss;
  }

  /** The initial window again, for a newly agreed MSS. */
  restart(mss: number): void {
    this.cwnd = INITIAL_CWND_SEGMENTS * mss;
  }

  /** `acked` new bytes up to `ack` were acknowledged (RFC 5681 §3.1, RFC 6582 §3.2). */
  onAck(ack: number, acked: number, mss: number): void {
    this.dupAcks = 0;
    if (this.recover !== undefined) {
      // A partial ACK retransmits the next hole at once; a full one ends recovery.
      if (seqLt(ack, this.recover)) this.partialAck = true;
      else this.recover = undefined;
    } else if (this.cwnd < this.ssthresh) this.cwnd += Math.min(acked, mss);
    else this.cwnd += Math.max(1, Math.floor((mss * mss) / this.cwnd));
    if (this.cwnd > this.maxFlight) this.cwnd = this.maxFlight;
  }

  /** A duplicate ACK; true when it starts fast retransmit (RFC 5681 §3.2). */
  onDupAck(inflight: number, sndNxt: number, mss: number): boolean {
    this.dupAcks++;
    if (this.dupAcks !== 3 || this.recover !== undefined) return false;
    this.recover = sndNxt;
    this.ssthresh = Math.max(Math.floor(inflight / 2), 2 * mss);
    this.cwnd = this.ssthresh;
    return true;
  }

  /** The retransmission timer expired (RFC 5681 §3.1 eq. 4): back to one segment. */
  onTimeout(inflight: number, mss: number): void {
    this.ssthresh = Math.max(Math.floor(inflight / 2), 2 * mss);
    this.cwnd = mss;
    this.recover = undefined;
  }

  /** True once after a partial ACK. */
  takePartialAck(): boolean {
    if (!this.partialAck) return false;
    this.partialAck = false;
    return true;
  }
}
