import { describe, expect, test } from "bun:test";
import { JsonStreamDecoder, type JsonStreamItem } from "./json_stream.ts";

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);

function feedAll(chunks: Uint8Array[], max?: number): JsonStreamItem[] {
  const d = new JsonStreamDecoder(max);
  return chunks.flatMap((c) => d.push(c));
}

function messages(items: JsonStreamItem[]): unknown[] {
  return items.flatMap((i) => (i.kind === "message" ? [i.value] : []));
}

describe("JsonStreamDecoder", () => {
  test("decodes several CRLF-terminated messages delivered in one read", () => {
    const items = feedAll([bytes('{"return": {}}\r\n{"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 2}}\r\n')]);
    expect(messages(items)).toEqual([{ return: {} }, { event: "STOP", timestamp: { seconds: 1, microseconds: 2 } }]);
  });

  test("reassembles a message split at every possible byte boundary", () => {
    const text = '{"return": {"a": "x}y{\\"z", "b": [1, {"c": 2}]}, "id": 7}\n{"return": 3}\n';
    const all = bytes(text);
    for (let cut = 1; cut < all.length; cut++) {
      const items = feedAll([all.subarray(0, cut), all.subarray(cut)]);
      expect(messages(items)).toEqual([{ return: { a: 'x}y{"z', b: [1, { c: 2 }] }, id: 7 }, { return: 3 }]);
    }
  });

  test("decodes a message delivered one byte per read", () => {
    const all = bytes('{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}\r\n');
    const chunks = Array.from(all, (b) => new Uint8Array([b]));
    expect(messages(feedAll(chunks))).toHaveLength(1);
  });

  test("keeps multi-byte UTF-8 characters split across reads intact", () => {
    const all = bytes('{"return": "grüße ✓"}');
    const items = feedAll([all.subarray(0, 15), all.subarray(15, 16), all.subarray(16)]);
    expect(messages(items)).toEqual([{ return: "grüße ✓" }]);
  });

  test("reports non-JSON bytes between messages as garbage and keeps going", () => {
    const items = feedAll([bytes('junk\x01 {"return": 1}')]);
    expect(items[0]).toEqual({ kind: "garbage", sample: "junk\x01", bytes: 5 });
    expect(messages(items)).toEqual([{ return: 1 }]);
  });

  test("turns 0xFF into a delimiter and drops the partial object before it", () => {
    const items = feedAll([bytes('{"return": '), new Uint8Array([0xff]), bytes('{"return": 42}\n')]);
    expect(items.map((i) => i.kind)).toEqual(["garbage", "delimiter", "message"]);
    expect(messages(items)).toEqual([{ return: 42 }]);
  });

  test("reports a malformed object as garbage and decodes the next one", () => {
    const items = feedAll([bytes('{"return": nope}{"return": 2}')]);
    expect(items.map((i) => i.kind)).toEqual(["garbage", "message"]);
    expect(messages(items)).toEqual([{ return: 2 }]);
  });

  test("skips an object larger than the size limit and resumes after it", () => {
    const big = `{"return": "${"x".repeat(100)}", "n": {"deep": [1]}}`;
    const items = feedAll([bytes(big.slice(0, 50)), bytes(big.slice(50)), bytes('{"return": "ok"}')], 64);
    expect(items.map((i) => i.kind)).toEqual(["garbage", "message"]);
    expect(messages(items)).toEqual([{ return: "ok" }]);
  });

  test("reports a message in progress until it completes", () => {
    const d = new JsonStreamDecoder();
    d.push(bytes('{"a": '));
    expect(d.midMessage).toBe(true);
    d.push(bytes("1}"));
    expect(d.midMessage).toBe(false);
  });
});
