/**
 * QEMU stream-socket framing (DESIGN §5): each Ethernet frame is preceded by its
 * length as a 4-byte big-endian integer.
 *
 * Theory of operation: `FrameDecoder.push(chunk)` appends bytes and returns every
 * complete frame, keeping a partial tail across calls (TCP-like streams split and
 * merge writes arbitrarily). A length below the Ethernet header or above `maxFrame`
 * is a protocol violation: the decoder returns a `FramingError` (data, never a throw),
 * latches it, and the caller drops the port with that reason. Buffered bytes are
 * bounded by `maxFrame + 4`.
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
  #buf = new Uint8Array(0);
  #error: FramingError | undefined;

  constructor(readonly maxFrame = DEFAULT_MAX_FRAME) {}

  /** Feeds `chunk`; returns complete frames or the (sticky) error. */
  push(chunk: Uint8Array): DecodeResult {
    if (this.#error) return { ok: false, error: this.#error };
    let buf: Uint8Array;
    if (this.#buf.byteLength === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.#buf.byteLength + chunk.byteLength);
      buf.set(this.#buf);
      buf.set(chunk, this.#buf.byteLength);
    }
    const frames: Uint8Array[] = [];
    const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let at = 0;
    while (buf.byteLength - at >= LENGTH_PREFIX) {
      const len = v.getUint32(at);
      if (len < ETH_HEADER_LEN || len > this.maxFrame) {
        const tooBig = len > this.maxFrame;
        this.#error = {
          code: tooBig ? "frame_too_large" : "frame_too_short",
          length: len,
          max: this.maxFrame,
          message: tooBig ? `Cannot accept frame: length ${len} exceeds ${this.maxFrame}` : `Cannot accept frame: length ${len} is shorter than an Ethernet header`,
          hint: "the peer is not speaking QEMU's stream netdev protocol (4-byte big-endian length + Ethernet frame)",
        };
        this.#buf = new Uint8Array(0);
        return { ok: false, error: this.#error };
      }
      if (buf.byteLength - at - LENGTH_PREFIX < len) break;
      frames.push(buf.slice(at + LENGTH_PREFIX, at + LENGTH_PREFIX + len));
      at += LENGTH_PREFIX + len;
    }
    this.#buf = at === buf.byteLength ? new Uint8Array(0) : buf.slice(at);
    return { ok: true, frames };
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.#buf.byteLength;
  }
}

/** Prefixes a frame with its 4-byte big-endian length. */
export function encodeStreamFrame(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(LENGTH_PREFIX + frame.byteLength);
  new DataView(out.buffer).setUint32(0, frame.byteLength);
  out.set(frame, LENGTH_PREFIX);
  return out;
}
