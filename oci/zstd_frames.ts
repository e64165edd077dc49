/**
 * Split a zstd stream into whole frames as bytes arrive (RFC 8878 §3.1), so
 * a downloaded chunk can be decompressed frame by frame while it streams,
 * with memory bounded by the frame size instead of the chunk size.
 *
 * Contract: `push(bytes)` returns the frames completed so far (each a
 * self-contained zstd frame; skippable frames are dropped); `finish()`
 * throws `oci.blob_invalid` when bytes of an unfinished frame remain. Bad
 * magic, reserved block types and frames larger than `maxFrame` are
 * `oci.blob_invalid` — parsing never reads past what it was given.
 */
import { CodedError } from "../core/errors/mod.ts";

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** Largest compressed frame accepted by default. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

export class FrameSplitter {
  /** Growable storage; bytes [0, #len) are buffered (amortised O(1) appends). */
  #store: Uint8Array = new Uint8Array(0);
  #len = 0;
  /** Consumed bytes at the front of #store, dropped at the next push. */
  #pendingShift = 0;
  /** Bytes before #store that were already consumed (for messages). */
  #consumed = 0;
  /** Parse position of the next block header inside the current frame (resumable scan). */
  #scan = 0;

  /**
   * `views`: frames are views into the splitter's buffer, valid only until
   * the next `push` (no copy; for callers that consume them at once).
   */
  constructor(
    private readonly subject: string,
    private readonly maxFrame = MAX_FRAME_BYTES,
    private readonly views = false,
  ) {}

  private get buffered(): Uint8Array {
    return this.#store.subarray(0, this.#len);
  }

  push(bytes: Uint8Array): Uint8Array[] {
    if (this.#pendingShift > 0) {
      this.#store.copyWithin(0, this.#pendingShift, this.#len);
      this.#len -= this.#pendingShift;
      this.#pendingShift = 0;
    }
    if (this.#len + bytes.length > this.#store.length) {
      const grown = new Uint8Array(Math.max(this.#len + bytes.length, this.#store.length * 2, 1 << 16));
      grown.set(this.buffered);
      this.#store = grown;
    }
    this.#store.set(bytes, this.#len);
    this.#len += bytes.length;
    const out: Uint8Array[] = [];
    let start = 0;
    for (;;) {
      const end = this.frameEnd(start);
      if (end === undefined) break;
      if (!end.skip) out.push(this.views ? this.#store.subarray(start, start + end.length) : this.#store.slice(start, start + end.length));
      start += end.length;
      this.#consumed += end.length;
      this.#scan = 0;
    }
    if (start > 0) {
      this.#pendingShift = start; // compact on the next push, after views were used
    }
    if (this.#len - this.#pendingShift > this.maxFrame) throw this.bad(`a frame is larger than ${this.maxFrame} bytes`);
    return out;
  }

  finish(): void {
    const left = this.#len - this.#pendingShift;
    if (left > 0) throw this.bad(`the stream ends inside a frame (${left} bytes left)`);
  }

  private bad(why: string): CodedError {
    return new CodedError("oci.blob_invalid", `blob ${this.subject} is not valid zstd at byte ${this.#consumed}: ${why}`, {
      subject: this.subject,
      hint: "the blob is corrupted on the registry; push the template again",
    });
  }

  /** Length of the complete frame at `start` of the buffered bytes, or undefined if incomplete. */
  private frameEnd(start: number): { length: number; skip: boolean } | undefined {
    const b = this.#store.subarray(start, this.#len);
    if (b.length < 8) return undefined;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const magic = dv.getUint32(0, true);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      const len = 8 + dv.getUint32(4, true);
      return b.length >= len ? { length: len, skip: true } : undefined;
    }
    if (magic !== ZSTD_MAGIC) throw this.bad("bad frame magic");
    const fhd = b[4] ?? 0;
    const fcsFlag = fhd >> 6;
    const single = (fhd >> 5) & 1;
    const checksum = (fhd >> 2) & 1;
    const dictFlag = fhd & 3;
    if ((fhd >> 3) & 1) throw this.bad("reserved bit set in the frame header");
    const header = 1 + (single ? 0 : 1) + [0, 1, 2, 4][dictFlag]! + [single ? 1 : 0, 2, 4, 8][fcsFlag]!;
    let pos = this.#scan > 0 ? this.#scan : 4 + header;
    for (;;) {
      if (b.length < pos + 3) {
        this.#scan = pos;
        return undefined;
      }
      const bh = (b[pos] ?? 0) | ((b[pos + 1] ?? 0) << 8) | ((b[pos + 2] ?? 0) << 16);
      const last = bh & 1;
      const type = (bh >> 1) & 3;
      const size = bh >>> 3;
      if (type === 3) throw this.bad("reserved block type");
      const content = type === 1 ? 1 : size;
      pos += 3 + content;
      if (pos > this.maxFrame) throw this.bad(`a frame is larger than ${this.maxFrame} bytes`);
      if (last) {
        const total = pos + (checksum ? 4 : 0);
        if (b.length < total) {
          this.#scan = 0; // re-walk once more bytes arrive (cheap: block headers only)
          return undefined;
        }
        return { length: total, skip: false };
      }
    }
  }
}
