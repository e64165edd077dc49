/**
 * The receive side of a connection: the next expected sequence number, the
 * advertised window, in-order data waiting for the application, and reassembly of
 * out-of-order segments (RFC 9293 §3.10.7.4 "process the segment text").
 *
 * Undelivered bytes shrink the window we advertise, so a slow consumer slows the
 * peer instead of growing memory. Out-of-order segments are kept (not dropped) inside
 * the window, their total bounded by it; they do not shrink the advertised window, so
 * duplicate ACKs stay duplicates (RFC 5681 §2). Delivery pauses when the application
 * returns false from `onData` until it resumes.
 */
import { ByteQueue } from "../byte_queue.ts";
import { seqAdd, seqDiff, seqLe, seqLt } from "./seq.ts";

/** What delivery reports to (a subset of the connection's events). */
export interface ReceiveEvents {
  /** In-order data; return false to pause delivery until resumed. */
  onData?(data: Uint8Array): boolean;
  /** The peer will send no more data (FIN received, all data delivered). */
  onPeerFin?(): void;
}

/** Receive state of one connection. */
export class Receiver {
  /** Initial receive sequence number (the peer's ISS). */
  irs = 0;
  /** Next sequence number expected. */
  nxt = 0;
  /** In-order bytes not yet delivered. */
  readonly queue = new ByteQueue();
  /** Out-of-order text by starting sequence number. */
  readonly ooo = new Map<number, Uint8Array>();
  oooBytes = 0;
  /** The application asked to pause delivery. */
  paused = false;
  /** A FIN arrived in order. */
  peerFin = false;
  peerFinDelivered = false;

  constructor(
    /** Receive buffer: the advertised window's ceiling. */
    readonly max: number,
  ) {}

  /** Free receive buffer: the window to advertise (before scaling). */
  window(): number {
    return Math.max(0, this.max - this.queue.length);
  }

  /** RFC 9293 §3.10.7.4 acceptability of a segment of `len` octets at `seq`. */
  acceptable(seq: number, len: number): boolean {
    const wnd = Math.max(this.window(), 1);
    const end = seqAdd(seq, len - 1);
    return this.#inWindowOf(seq, wnd) || this.#inWindowOf(end, wnd) || (seqLt(seq, this.nxt) && seqLt(this.nxt, seqAdd(seq, len)));
  }

  /** `seq` lies inside the receive window. */
  inWindow(seq: number): boolean {
    return this.#inWindowOf(seq, Math.max(this.window(), 1));
  }

  #inWindowOf(seq: number, wnd: number): boolean {
    return seqLe(this.nxt, seq) && seqLt(seq, seqAdd(this.nxt, wnd));
  }

  /**
   * Takes segment text `data` at `seq`. What we already have is trimmed; in-order
   * text is queued (draining held out-of-order text it reaches) and true returned;
   * out-of-order text is held inside the window and false returned (send a
   * duplicate ACK).
   */
  take(seq: number, data: Uint8Array): boolean {
    if (seqLt(seq, this.nxt)) {
      const skip = seqDiff(this.nxt, seq);
      data = data.subarray(Math.min(skip, data.byteLength));
      seq = this.nxt;
    }
    const room = this.window();
    if (seq !== this.nxt) {
      const end = Math.min(data.byteLength, room - seqDiff(seq, this.nxt));
      data = data.subarray(0, Math.max(0, end));
      if (data.byteLength && !this.ooo.has(seq) && this.oooBytes + data.byteLength <= room) {
        this.ooo.set(seq, data.slice());
        this.oooBytes += data.byteLength;
      }
      return false;
    }
    if (data.byteLength > room) data = data.subarray(0, room);
    if (data.byteLength) {
      this.queue.push(data);
      this.nxt = seqAdd(this.nxt, data.byteLength);
      this.#drainOoo();
    }
    return true;
  }

  #drainOoo(): void {
    let progress = true;
    while (progress && this.ooo.size) {
      progress = false;
      for (const [s, d] of this.ooo) {
        const end = seqAdd(s, d.byteLength);
        if (seqLe(s, this.nxt)) {
          this.ooo.delete(s);
          this.oooBytes -= d.byteLength;
          if (seqLt(this.nxt, end)) {
            this.queue.push(d.subarray(seqDiff(this.nxt, s)));
            this.nxt = end;
          }
          progress = true;
        }
      }
    }
  }

  /** Hands queued data to the application until it pauses, then the FIN once. */
  deliver(events: ReceiveEvents): void {
    while (!this.paused && this.queue.length) {
      const chunk = this.queue.takeAll();
      if (events.onData?.(chunk) === false) this.paused = true;
    }
    if (!this.paused && this.peerFin && !this.peerFinDelivered && this.queue.length === 0) {
      this.peerFinDelivered = true;
      events.onPeerFin?.();
    }
  }
}
