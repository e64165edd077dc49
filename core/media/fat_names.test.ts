import { describe, expect, test } from "bun:test";
import { ShortNamer, fatDateTime, lfnChecksum, lfnEntries, shortBytes } from "./fat_names.ts";

describe("short names", () => {
  test("a valid upper-case 8.3 name is kept without long-name entries", () => {
    const { short, needsLfn } = new ShortNamer().assign("README.TXT");
    expect(Buffer.from(short).toString("latin1")).toBe("README  TXT");
    expect(needsLfn).toBe(false);
  });
  test("other names get ~N tails, unique in the directory", () => {
    const n = new ShortNamer();
    const a = n.assign("long file name.txt");
    const b = n.assign("long file name 2.txt");
    expect(Buffer.from(a.short).toString("latin1")).toBe("LONGFI~1TXT");
    expect(Buffer.from(b.short).toString("latin1")).toBe("LONGFI~2TXT");
    expect(a.needsLfn && b.needsLfn).toBe(true);
  });
});

describe("long-name entries", () => {
  test("the checksum rotates right and adds each short-name byte", () => {
    // Reference value computed by hand for "FOO     BAR".
    let sum = 0;
    for (const c of Buffer.from("FOO     BAR", "latin1")) sum = (((sum & 1) << 7) + (sum >> 1) + c) & 0xff;
    expect(lfnChecksum(shortBytes("FOO", "BAR"))).toBe(sum);
  });
  test("entries come last-first, 13 UTF-16 units each, NUL-terminated and 0xFFFF padded", () => {
    const short = shortBytes("ABCDEF~1", "TXT");
    const es = lfnEntries("abcdefghijklmnop.txt", short); // 20 units → 2 entries
    expect(es.length).toBe(2);
    expect(es[0]?.[0]).toBe(0x42);
    expect(es[1]?.[0]).toBe(0x01);
    for (const e of es) {
      expect(e[11]).toBe(0x0f);
      expect(e[13]).toBe(lfnChecksum(short));
    }
    const dv = new DataView((es[0] as Uint8Array).buffer);
    expect(dv.getUint16(1, true)).toBe("n".charCodeAt(0)); // unit 13
    expect(dv.getUint16(16, true)).toBe("t".charCodeAt(0)); // unit 19
    expect(dv.getUint16(18, true)).toBe(0); // unit 20: terminator
    expect(dv.getUint16(20, true)).toBe(0xffff);
    expect(dv.getUint16(30, true)).toBe(0xffff);
  });
});

test("FAT dates count years from 1980 and seconds in two-second steps", () => {
  const { date, time } = fatDateTime(Date.UTC(2024, 1, 29, 13, 45, 31));
  expect(date).toBe(((2024 - 1980) << 9) | (2 << 5) | 29);
  expect(time).toBe((13 << 11) | (45 << 5) | 15);
});
