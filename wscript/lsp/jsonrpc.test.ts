import { describe, expect, test } from "bun:test";
import { encodeFrame, FrameDecoder } from "./jsonrpc.ts";

describe("FrameDecoder", () => {
  test("decodes a message split across chunks, and two messages in one chunk", () => {
    const a = encodeFrame({ jsonrpc: "2.0", id: 1, method: "initialize", params: { x: "é" } });
    const b = encodeFrame({ jsonrpc: "2.0", method: "initialized" });
    const d = new FrameDecoder();
    expect(d.push(a.subarray(0, 10))).toEqual([]);
    const both = new Uint8Array(a.length - 10 + b.length);
    both.set(a.subarray(10));
    both.set(b, a.length - 10);
    expect(d.push(both)).toEqual([
      { message: { jsonrpc: "2.0", id: 1, method: "initialize", params: { x: "é" } } },
      { message: { jsonrpc: "2.0", method: "initialized" } },
    ]);
  });
  test("counts Content-Length in bytes, not characters", () => {
    const f = encodeFrame({ jsonrpc: "2.0", method: "m", params: "ü€" });
    expect(new TextDecoder().decode(f).startsWith(`Content-Length: ${JSON.stringify({ jsonrpc: "2.0", method: "m", params: "ü€" }).length + 3}\r\n`)).toBe(
      true,
    );
  });
  test("reports a body that is not JSON, skips a header without a length, and keeps going", () => {
    const enc = new TextEncoder();
    const d = new FrameDecoder();
    const got = d.push(enc.encode("X-Junk: 1\r\n\r\nContent-Length: 3\r\n\r\n{x}Content-Length: 2\r\nContent-Type: a\r\n\r\n{}"));
    expect(got).toEqual([{ invalid: "{x}" }, { message: {} as never }]);
  });
});
