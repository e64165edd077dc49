import { describe, expect, test } from "bun:test";
import { both16, both32 } from "./bytes.ts";
import { ContinuationAreas, FLAG_DIR, SECTOR, encodePathTable, encodeRecord, packedSize, recordLength } from "./iso_records.ts";
import { nm } from "./rock_ridge.ts";

describe("both-endian fields", () => {
  test("both32() records little-endian then big-endian", () => {
    const b = new Uint8Array(8);
    both32(b, 0, 0x12345678);
    expect([...b]).toEqual([0x78, 0x56, 0x34, 0x12, 0x12, 0x34, 0x56, 0x78]);
  });
  test("both16() records little-endian then big-endian", () => {
    const b = new Uint8Array(4);
    both16(b, 0, 0x0800);
    expect([...b]).toEqual([0x00, 0x08, 0x08, 0x00]);
  });
});

describe("directory records", () => {
  test("a record has the ECMA-119 §9.1 fields at their offsets and an even length", () => {
    const id = Buffer.from("README.TXT;1", "latin1");
    const r = encodeRecord({ extent: 1234, size: 99, mtimeMs: Date.UTC(2024, 0, 2, 3, 4, 5), flags: 0, id }, 0);
    expect(r.length).toBe(33 + 12 + 1);
    expect(r[0]).toBe(r.length);
    const dv = new DataView(r.buffer);
    expect(dv.getUint32(2, true)).toBe(1234);
    expect(dv.getUint32(6, false)).toBe(1234);
    expect(dv.getUint32(10, true)).toBe(99);
    expect(dv.getUint32(14, false)).toBe(99);
    expect([...r.subarray(18, 25)]).toEqual([124, 1, 2, 3, 4, 5, 0]);
    expect(r[32]).toBe(12);
    expect(Buffer.from(r.subarray(33, 45)).toString("latin1")).toBe("README.TXT;1");
  });
  test("odd-length identifiers get no pad byte, even ones do", () => {
    expect(recordLength(1, undefined)).toBe(34);
    expect(recordLength(2, undefined)).toBe(36);
    expect(recordLength(3, undefined)).toBe(36);
  });
  test("records never cross a block: the directory grows by whole blocks", () => {
    expect(packedSize([34, 34])).toBe(SECTOR);
    const sixty = Array(60).fill(34); // 60 × 34 = 2040 fits; one more does not
    expect(packedSize(sixty)).toBe(SECTOR);
    expect(packedSize([...sixty, 34])).toBe(2 * SECTOR);
  });
  test("system use entries that do not fit move to a continuation area behind a CE", () => {
    const ca = new ContinuationAreas();
    const entries = nm("x".repeat(400));
    const plan = ca.place(entries, 34);
    expect(plan.cont).toBeDefined();
    expect(recordLength(1, plan)).toBeLessThanOrEqual(254);
    const rec = encodeRecord({ extent: 1, size: 2048, mtimeMs: 0, flags: FLAG_DIR, id: Uint8Array.of(0), su: plan }, 100);
    const ceAt = 34 + plan.inlineLength - 28;
    expect(String.fromCharCode(rec[ceAt] as number, rec[ceAt + 1] as number)).toBe("CE");
    expect(new DataView(rec.buffer).getUint32(ceAt + 4, true)).toBe(100 + (plan.cont?.block ?? 0));
    const area = ca.encode(100);
    expect(area.length).toBe(SECTOR);
    const total = entries.reduce((n, e) => n + e.length, 0);
    expect(plan.inlineLength - 28 + (plan.cont?.length ?? 0)).toBe(total);
  });
});

describe("path tables", () => {
  test("the L table is little-endian, the M table big-endian, identifiers padded to even", () => {
    const entries = [
      { id: Uint8Array.of(0), extent: 20, parent: 1 },
      { id: Buffer.from("ABC"), extent: 21, parent: 1 },
    ];
    const l = encodePathTable(entries, false);
    const m = encodePathTable(entries, true);
    expect(l.length).toBe(10 + 12);
    expect([...l.subarray(0, 10)]).toEqual([1, 0, 20, 0, 0, 0, 1, 0, 0, 0]);
    expect([...m.subarray(10, 22)]).toEqual([3, 0, 0, 0, 0, 21, 0, 1, 0x41, 0x42, 0x43, 0]);
  });
});
