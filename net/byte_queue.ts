/**
 * A FIFO of bytes held as a list of chunks, for TCP send and receive buffers.
 *
 * `push` keeps references (callers hand over ownership), `peek` copies a range,
 * `view` avoids the copy when the range lies in one chunk, `drop` discards from the
 * front, `takeAll` hands back the single chunk itself when there is only one. All operations are O(chunks touched).
 */

/** Chunked byte FIFO. */
export class ByteQueue {
  #chunks: Uint8Array[] = [];
  #head = 0; // bytes already consumed from #chunks[0]
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(b: Uint8Array): void {
    if (b.byteLength === 0) return;
    this.#chunks.push(b);
    this.#length += b.byteLength;
  }

  /** Copies `len` bytes starting `offset` bytes from the front (clamped). */
  peek(offset: number, len: number): Uint8Array {
    const n = Math.max(0, Math.min(len, this.#length - offset));
    const out = new Uint8Array(n);
    let skip = offset + this.#head;
    let at = 0;
    for (const c of this.#chunks) {
      if (at >= n) break;
      if (skip >= c.byteLength) {
        skip -= c.byteLength;
        continue;
      }
      const part = c.subarray(skip, Math.min(c.byteLength, skip + n - at));
      out.set(part, at);
      at += part.byteLength;
      skip = 0;
    }
    return out;
  }

  /** Like `peek`, but returns a view without copying when the range lies in one chunk. */
  view(offset: number, len: number): Uint8Array {
    let skip = offset + this.#head;
    for (const c of this.#chunks) {
      if (skip >= c.byteLength) {
        skip -= c.byteLength;
        continue;
      }
      if (skip + len <= c.byteLength) return c.subarray(skip, skip + len);
      break;
    }
    return this.peek(offset, len);
  }

  /** Discards `n` bytes from the front. */
  drop(n: number): void {
    let left = Math.min(n, this.#length);
    this.#length -= left;
    while (left > 0) {
      const c = this.#chunks[0];
      if (!c) break;
      const avail = c.byteLength - this.#head;
      if (left < avail) {
        this.#head += left;
        return;
      }
      left -= avail;
      this.#chunks.shift();
      this.#head = 0;
    }
  }

  /** Removes and returns everything. */
  takeAll(): Uint8Array {
    const only = this.#chunks.length === 1 ? this.#chunks[0] : undefined;
    const out = only ? only.subarray(this.#head) : this.peek(0, this.#length);
    this.#chunks = [];
    this.#head = 0;
    this.#length = 0;
    return out;
  }
}
