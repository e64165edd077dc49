import { describe, expect, test } from "bun:test";
import { nm, px, sl, sp, tf } from "./rock_ridge.ts";

const sig = (b: Uint8Array) => String.fromCharCode(b[0] as number, b[1] as number);

describe("Rock Ridge entries", () => {
  test("SP carries the BE EF check bytes", () => {
    expect([...sp()]).toEqual([0x53, 0x50, 7, 1, 0xbe, 0xef, 0]);
  });
  test("PX records mode, links, uid and gid both-endian (RRIP 1.09, 36 bytes)", () => {
    const b = px(0o100644, 1);
    expect(sig(b)).toBe("PX");
    expect(b.length).toBe(36);
    const dv = new DataView(b.buffer);
    expect(dv.getUint32(4, true)).toBe(0o100644);
    expect(dv.getUint32(8, false)).toBe(0o100644);
    expect(dv.getUint32(12, true)).toBe(1);
  });
  test("TF records three short-form times", () => {
    expect(tf(0).length).toBe(26);
  });
  test("NM splits a long UTF-8 name into entries with the CONTINUE flag on all but the last", () => {
    const name = "é".repeat(200); // 400 bytes
    const parts = nm(name);
    expect(parts.length).toBe(2);
    expect(parts[0]?.[4]).toBe(1);
    expect(parts[1]?.[4]).toBe(0);
    const joined = Buffer.concat(parts.map((p) => Buffer.from(p.subarray(5))));
    expect(joined.toString("utf8")).toBe(name);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(255);
  });
  test("SL encodes root, parent and named components", () => {
    const [e] = sl("/a/../b");
    expect(e && [...e.subarray(4)]).toEqual([0, 0x08, 0, 1 - 1, 1, 0x61, 0x04, 0, 0, 1, 0x62]);
  });
  test("SL splits long targets over several entries", () => {
    const parts = sl(Array(20).fill("x".repeat(40)).join("/"));
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts.slice(0, -1)) expect(p[4]).toBe(1);
    expect(parts.at(-1)?.[4]).toBe(0);
  });
});
