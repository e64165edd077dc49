import { describe, expect, test } from "bun:test";
import { bootSector, floppyGeometry, geometry } from "./fat_geometry.ts";

describe("FAT geometry", () => {
  test("the cluster count decides the type: FAT16 needs 4085–65524 clusters", () => {
    expect(geometry(16, 16384, 512, 0)?.clusterCount).toBeGreaterThanOrEqual(4085);
    expect(geometry(16, 2048, 512, 0)).toBeUndefined();
    expect(geometry(32, 34 * 2048, 0, 0, 1)?.clusterCount).toBeGreaterThanOrEqual(65525);
  });
  test("the FATs are just large enough for every cluster plus the two reserved entries", () => {
    const g = geometry(32, 8 * 1024 * 2048, 0, 0);
    expect(g).toBeDefined();
    if (!g) return;
    expect((g.fatSectors * 512) / 4).toBeGreaterThanOrEqual(g.clusterCount + 2);
    expect(((g.fatSectors - 1) * 512) / 4).toBeLessThan(g.clusterCount + 2);
  });
  test("the floppy boot sector has the classic 1.44 MB BPB", () => {
    const b = bootSector(floppyGeometry(), new Uint8Array(11).fill(0x20), 1);
    const dv = new DataView(b.buffer);
    expect(dv.getUint16(11, true)).toBe(512);
    expect(dv.getUint16(19, true)).toBe(2880);
    expect(b[21]).toBe(0xf0);
    expect(dv.getUint16(22, true)).toBe(9);
    expect(dv.getUint16(24, true)).toBe(18);
    expect([b[510], b[511]]).toEqual([0x55, 0xaa]);
  });
});
