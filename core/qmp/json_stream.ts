/**
 * Splits a byte stream from QEMU (QMP monitor or guest agent) into JSON messages.
 *
 * Theory of operation: both QMP and the guest agent send one JSON object per message,
 * normally followed by `\r\n` or `\n`, but a reader cannot rely on reads lining up with
 * messages — one read may hold half a message or several, and events are interleaved
 * between command replies. The decoder therefore does not split on newlines; it scans
 * bytes and tracks object nesting and string/escape state (like QEMU's own JSON
 * streamer), emitting a message whenever the outermost `{…}` closes. This also copes
 * with pretty-printed output.
 *
 * The guest-agent channel may carry garbage (stale partial replies from a previous
 * connection, bytes a crashed agent left behind). Bytes outside an object that are not
 * whitespace are reported as `garbage`. The byte 0xFF can never occur in UTF-8 JSON;
 * qemu-ga sends it before the reply to `guest-sync-delimited` as a sentinel, so 0xFF
 * drops any partial object and is reported as a `delimiter` item.
 *
 * Contract: `push()` never throws on any input; malformed or oversized objects become
 * `garbage` items and the stream continues with the next object.
 *
 * Leaves out: top-level values other than objects (neither protocol sends them).
 */

/** Largest single message accepted. qemu-ga's own parser limit is 64 MiB per token. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** How much of a garbage run or malformed message is kept as text for diagnostics. */
export const GARBAGE_SAMPLE_CHARS = 200;

/** One item decoded from the stream. */
export type JsonStreamItem = { kind: "message"; value: Record<string, unknown> } | { kind: "garbage"; sample: string; bytes: number } | { kind: "delimiter" };

const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SENTINEL = 0xff;

function isWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** Incremental decoder; one instance per connection. */
export class JsonStreamDecoder {
  readonly #maxMessageBytes: number;
  readonly #text = new TextDecoder("utf-8", { fatal: false });
  /** Nesting depth of the current object; 0 means between messages. */
  #depth = 0;
  #inString = false;
  #escape = false;
  /** Parts of the current object collected from earlier chunks. */
  #parts: Uint8Array[] = [];
  #partBytes = 0;
  /** True while skipping an object that exceeded the size limit. */
  #oversized = false;
  #garbage: number[] = [];
  #garbageBytes = 0;

  constructor(maxMessageBytes: number = MAX_MESSAGE_BYTES) {
    this.#maxMessageBytes = maxMessageBytes;
  }

  /** True when a message is partially received. */
  get midMessage(): boolean {
    return this.#depth > 0;
  }

  /** Feeds one chunk; returns the items it completed, in stream order. */
  push(chunk: Uint8Array): JsonStreamItem[] {
    const out: JsonStreamItem[] = [];
    let start = -1; // index in `chunk` where the current object's bytes begin
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === SENTINEL) {
        if (this.#depth > 0) {
          const partial = chunk.subarray(start >= 0 ? start : 0, i);
          this.#dropObject(out, partial);
          start = -1;
        }
        this.#flushGarbage(out);
        out.push({ kind: "delimiter" });
        continue;
      }
      if (this.#depth === 0) {
        if (b === LBRACE) {
          this.#flushGarbage(out);
          this.#depth = 1;
          this.#inString = false;
          this.#escape = false;
          this.#oversized = false;
          start = i;
        } else if (!isWhitespace(b)) {
          this.#addGarbage(b);
        }
        continue;
      }
      if (this.#inString) {
        if (this.#escape) this.#escape = false;
        else if (b === BACKSLASH) this.#escape = true;
        else if (b === QUOTE) this.#inString = false;
        continue;
      }
      if (b === QUOTE) this.#inString = true;
      else if (b === LBRACE || b === LBRACKET) this.#depth++;
      else if (b === RBRACE || b === RBRACKET) {
        this.#depth--;
        if (this.#depth === 0) {
          this.#finishObject(out, chunk.subarray(Math.max(start, 0), i + 1));
          start = -1;
        }
      }
    }
    if (this.#depth > 0) this.#keepPart(chunk.subarray(start >= 0 ? start : 0));
    this.#flushGarbage(out);
    return out;
  }

  #keepPart(part: Uint8Array): void {
    if (this.#oversized) return;
    if (this.#partBytes + part.length > this.#maxMessageBytes) {
      this.#oversized = true;
      this.#parts = [];
      return;
    }
    this.#parts.push(part.slice());
    this.#partBytes += part.length;
  }

  #finishObject(out: JsonStreamItem[], tail: Uint8Array): void {
    if (this.#oversized || this.#partBytes + tail.length > this.#maxMessageBytes) {
      out.push({ kind: "garbage", sample: "(message larger than the size limit)", bytes: this.#partBytes + tail.length });
      this.#resetObject();
      return;
    }
    const bytes = this.#parts.length === 0 ? tail : concat([...this.#parts, tail]);
    this.#resetObject();
    const text = this.#text.decode(bytes);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      out.push({ kind: "garbage", sample: text.slice(0, GARBAGE_SAMPLE_CHARS), bytes: bytes.length });
      return;
    }
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      out.push({ kind: "message", value: value as Record<string, unknown> });
    } else {
      out.push({ kind: "garbage", sample: text.slice(0, GARBAGE_SAMPLE_CHARS), bytes: bytes.length });
    }
  }

  #dropObject(out: JsonStreamItem[], tail: Uint8Array): void {
    const bytes = this.#oversized ? new Uint8Array(0) : concat([...this.#parts, tail]);
    out.push({
      kind: "garbage",
      sample: this.#text.decode(bytes.subarray(0, GARBAGE_SAMPLE_CHARS)),
      bytes: this.#partBytes + tail.length,
    });
    this.#resetObject();
  }

  #resetObject(): void {
    this.#depth = 0;
    this.#inString = false;
    this.#escape = false;
    this.#parts = [];
    this.#partBytes = 0;
    this.#oversized = false;
  }

  #addGarbage(b: number): void {
    if (this.#garbage.length < GARBAGE_SAMPLE_CHARS) this.#garbage.push(b);
    this.#garbageBytes++;
  }

  #flushGarbage(out: JsonStreamItem[]): void {
    if (this.#garbageBytes === 0) return;
    out.push({ kind: "garbage", sample: this.#text.decode(new Uint8Array(this.#garbage)), bytes: this.#garbageBytes });
    this.#garbage = [];
    this.#garbageBytes = 0;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
