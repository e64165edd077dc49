/**
 * JSON-RPC 2.0 over a byte stream with LSP base-protocol framing
 * (LSP 3.17 "Base Protocol"): each message is `Content-Length: N\r\n`, any
 * other headers, `\r\n`, then N bytes of UTF-8 JSON.
 *
 * `FrameDecoder.push(bytes)` returns every complete message received so far
 * and keeps partial input for the next call. Malformed input never throws:
 * a header block without a valid Content-Length is skipped, and a body that
 * is not a JSON object is reported as `{ invalid: text }` so the server can
 * answer with a parse error (-32700).
 */

export type Id = number | string | null;
export type RpcMessage = {
  jsonrpc: "2.0";
  id?: Id;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
};
export type Decoded = { message: RpcMessage } | { invalid: string };

const HEADER_END = "\r\n\r\n";
/** Refuse bodies larger than this (bytes); a sane editor never sends one. */
export const MAX_BODY = 64 * 1024 * 1024;

export class FrameDecoder {
  private buf = new Uint8Array(0);
  private readonly dec = new TextDecoder();

  push(chunk: Uint8Array): Decoded[] {
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf);
    joined.set(chunk, this.buf.length);
    this.buf = joined;
    const out: Decoded[] = [];
    for (;;) {
      const headEnd = indexOf(this.buf, HEADER_END);
      if (headEnd < 0) return out;
      const head = this.dec.decode(this.buf.subarray(0, headEnd));
      const m = /(?:^|\r\n)content-length:\s*(\d+)/i.exec(head);
      const len = m ? Number(m[1]) : NaN;
      if (!Number.isSafeInteger(len) || len > MAX_BODY) {
        this.buf = this.buf.slice(headEnd + HEADER_END.length);
        continue;
      }
      const start = headEnd + HEADER_END.length;
      if (this.buf.length < start + len) return out;
      const text = this.dec.decode(this.buf.subarray(start, start + len));
      this.buf = this.buf.slice(start + len);
      try {
        const v: unknown = JSON.parse(text);
        out.push(typeof v === "object" && v !== null && !Array.isArray(v) ? { message: v as RpcMessage } : { invalid: text });
      } catch {
        out.push({ invalid: text });
      }
    }
  }
}

function indexOf(hay: Uint8Array, needle: string): number {
  const n = [...needle].map((c) => c.charCodeAt(0));
  outer: for (let i = 0; i + n.length <= hay.length; i++) {
    for (let j = 0; j < n.length; j++) if (hay[i + j] !== n[j]) continue outer;
    return i;
  }
  return -1;
}

/** Frame one message for the wire. */
export function encodeFrame(msg: RpcMessage): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify(msg));
  const head = new TextEncoder().encode(`Content-Length: ${body.length}\r\n\r\n`);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}
