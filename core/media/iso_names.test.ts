import { describe, expect, test } from "bun:test";
import { IsoNamer, JolietNamer, compareIsoIds } from "./iso_names.ts";

describe("ISO 9660 identifiers", () => {
  test("files become upper-case d-characters with ;1, directories have no dot", () => {
    const n = new IsoNamer();
    expect(n.file("user-data")).toBe("USER_DATA.;1");
    expect(n.file("meta.data.json")).toBe("META_DATA.JSON;1");
    expect(n.dir("déjà vu")).toBe("D_J__VU");
  });
  test("clashes among siblings get a numeric tail within the length limit", () => {
    const n = new IsoNamer();
    const a = n.file(`${"a".repeat(40)}.txt`);
    const b = n.file(`${"a".repeat(40)}!.txt`);
    expect(a).not.toBe(b);
    // ECMA-119 §7.5.1: name + extension ≤ 30, the dot not counted.
    expect((b.split(";")[0]?.length ?? 99) - 1).toBeLessThanOrEqual(30);
  });
  test("records sort by name then extension, space padded (ECMA-119 §9.3)", () => {
    const ids = ["AB.;1", "A.B;1", "A_.;1", "A.;1"].sort(compareIsoIds);
    expect(ids).toEqual(["A.;1", "A.B;1", "AB.;1", "A_.;1"]);
  });
});

describe("Joliet names", () => {
  test("keeps Unicode, replaces forbidden characters, cuts at 64 keeping the extension", () => {
    const n = new JolietNamer();
    expect(n.name("Ünïcödé: a?b.txt")).toBe("Ünïcödé_ a_b.txt");
    const long = n.name(`${"x".repeat(100)}.txt`);
    expect(long.length).toBe(64);
    expect(long.endsWith(".txt")).toBe(true);
    expect(n.name(`${"x".repeat(100)}.txt`)).not.toBe(long);
  });
});
