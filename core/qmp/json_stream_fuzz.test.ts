/**
 * Fuzz of the QMP/agent JSON stream decoder (issue #19 "Fuzz volume"):
 * seeded mutations of a real QMP conversation, fed in random chunk sizes.
 * The decoder yields messages and garbage reports — never an exception —
 * and the agent's 0xFF sync sentinel always brings it back in step.
 */
import { describe, expect, test } from "bun:test";
import { fuzzIterations, fuzzTimeoutMs, mutate, Rng } from "../../net/testing/fuzz.ts";
import { JsonStreamDecoder } from "./json_stream.ts";

const FUZZ_N = fuzzIterations();
const CONVERSATION = new TextEncoder().encode(
  '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}, "capabilities": ["oob"]}}\r\n' +
    '{"return": {}, "id": 1}\r\n{"event": "BLOCK_IO_ERROR", "data": {"device": "disk0", "operation": "write", "action": "stop", "nospace": true}, "timestamp": {"seconds": 1, "microseconds": 2}}\r\n' +
    '{"return": [{"device": "disk0", "io-status": "nospace", "inserted": {"file": "a\\"b"}}], "id": 2}\n',
);

describe("JsonStreamDecoder under mutated input (fuzz)", () => {
  test(
    `${FUZZ_N} mutated QMP conversations in random chunks never throw, and the sync sentinel brings the decoder back in step`,
    () => {
      const rng = new Rng(61);
      const clean = new TextEncoder().encode('{"return": "after", "id": 9}\r\n');
      for (let i = 0; i < FUZZ_N; i++) {
        const d = new JsonStreamDecoder(4096);
        const b = mutate(CONVERSATION, rng, 8192);
        for (let at = 0; at < b.length; ) {
          const n = 1 + rng.below(64);
          d.push(b.subarray(at, at + n));
          at += n;
        }
        if (i % 1000 === 0) {
          // Whatever the garbage left open (a string, a brace), the agent's 0xFF sync sentinel
          // (guest-sync-delimited) drops it and the next message decodes whole.
          const after = d.push(Uint8Array.of(0xff)).concat(d.push(clean));
          expect(after.filter((x) => x.kind === "message")).toEqual([{ kind: "message", value: { return: "after", id: 9 } }]);
        }
      }
    },
    fuzzTimeoutMs(FUZZ_N),
  );
});
