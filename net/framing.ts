/**
 * QEMU stream-socket framing (DESIGN §5): each Ethernet frame is preceded by its
 * length as a 4-byte big-endian integer.
 *
 * Theory of operation: `FrameDecoder.push(chunk)` appends bytes and returns every
 * complete frame, keeping a partial tail across calls (TCP-like streams split and
 * merge writes arbitrarily). A length below the Ethernet header or above `maxFrame`
 * is a protocol violation: the decoder returns a `FramingError` (data, never a throw),
 * latches it, and the caller drops the port with that reason. Buffered bytes are
 * bounded by `maxFrame + 4`; frames inside one chunk are returned as views, not copies.
 */
import { ETH_HEADER_LEN } from "./ethernet.ts";

/** Bytes of the length prefix. */
export const LENGTH_PREFIX = 4;
/** Largest frame accepted when the caller does not say: 64 KiB MTU + header + VLAN tag. */
export const DEFAULT_MAX_FRAME = 65_535 + ETH_HEADER_LEN + 4;

/** Why a stream was declared broken. */
export interface FramingError {
  code: "frame_too_large" | "frame_too_short";
  length: number;
  max: number;
  message: string;
  hint: string;
}

/** Result of feeding bytes. */
export type DecodeResult = { ok: true; frames: Uint8Array[] } | { ok: false; error: FramingError };

/** Incremental decoder for one stream. */
export class FrameDecoder {
  readonly #hdr = new Uint8Array(LENGTH_PREFIX);
  #hdrFill = 0;
  #frame: Uint8Array | undefined;
  #fill = 0;
  #error: FramingError | undefined;

  /** `minFrame`: shortest length accepted (an Ethernet header for NICs; trunk messages are shorter). */
  constructor(
    readonly maxFrame = DEFAULT_MAX_FRAME,
    readonly minFrame = ETH_HEADER_LEN,
  ) {}

  /**
   * Feeds `chunk`; returns complete frames or the (sticky) error. Frames wholly inside
   * `chunk` are views into it (no copy); only a frame split across chunks is assembled
   * in a buffer of its own. Callers must copy what they keep beyond the chunk's life.
   */
  push(chunk: Uint8Array): DecodeResult {
    if (this.#error) return { ok: false, error: this.#error };
    const frames: Uint8Array[] = [];
    const n = chunk.byteLength;
    let at = 0;
    while (at < n) {
      if (this.#frame) {
        const take = Math.min(this.#frame.byteLength - this.#fill, n - at);
        this.#frame.set(chunk.subarray(at, at + take), this.#fill);
        this.#fill += take;
        at += take;
        if (this.#fill === this.#frame.byteLength) {
          frames.push(this.#frame);
          this.#frame = undefined;
          this.#fill = 0;
        }
        continue;
      }
      let len: number;
      if (this.#hdrFill > 0 || n - at < LENGTH_PREFIX) {
        const take = Math.min(LENGTH_PREFIX - this.#hdrFill, n - at);
        this.#hdr.set(chunk.subarray(at, at + take), this.#hdrFill);
        this.#hdrFill += take;
        at += take;
        if (this.#hdrFill < LENGTH_PREFIX) break;
        this.#hdrFill = 0;
        len = readLength(this.#hdr, 0);
      } else {
        len = readLength(chunk, at);
        at += LENGTH_PREFIX;
      }
      if (len < this.minFrame || len > this.maxFrame) return this.#fail(len);
      if (n - at >= len) {
        frames.push(chunk.subarray(at, at + len));
        at += len;
      } else {
        this.#frame = new Uint8Array(len);
        this.#fill = 0;
      }
    }
    return { ok: true, frames };
  }

  #fail(len: number): DecodeResult {
    const tooBig = len > this.maxFrame;
    this.#error = {
      code: tooBig ? "frame_too_large" : "frame_too_short",
      length: len,
      max: this.maxFrame,
      message: tooBig
        ? `Cannot accept frame: length ${len} exceeds ${this.maxFrame}`
        : `Cannot accept frame: length ${len} is shorter than ${this.minFrame} bytes`,
      hint: "the peer is not speaking QEMU's stream netdev protocol (4-byte big-endian length + Ethernet frame)",
    };
    this.#frame = undefined;
    this.#hdrFill = 0;
    return { ok: false, error: this.#error };
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.#hdrFill + this.#fill;
  }
}

function readLength(b: Uint8Array, at: number): number {
  return (((b[at] as number) << 24) | ((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number)) >>> 0;
}

/** Prefixes a frame with its 4-byte big-endian length. */
export function encodeStreamFrame(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(LENGTH_PREFIX + frame.byteLength);
  new DataView(out.buffer).setUint32(0, frame.byteLength);
  out.set(frame, LENGTH_PREFIX);
  return out;
}
