import { describe, expect, test } from "bun:test";
import { bootInfoChecksum, encodeBootCatalog, patchBootInfoTable, PLATFORM_EFI, PLATFORM_X86 } from "./el_torito.ts";

describe("El Torito", () => {
  test("the validation entry's 16-bit words sum to zero and end in 55 AA", () => {
    const c = encodeBootCatalog([{ platform: PLATFORM_X86, lba: 30, sectors: 4 }]);
    let sum = 0;
    for (let i = 0; i < 32; i += 2) sum = (sum + (c[i] as number) + ((c[i + 1] as number) << 8)) & 0xffff;
    expect(sum).toBe(0);
    expect([c[30], c[31]]).toEqual([0x55, 0xaa]);
    expect(c[32]).toBe(0x88);
    expect(new DataView(c.buffer).getUint16(38, true)).toBe(4);
    expect(new DataView(c.buffer).getUint32(40, true)).toBe(30);
  });
  test("a second platform gets a final section header (0x91, EFI) and its entry", () => {
    const c = encodeBootCatalog([
      { platform: PLATFORM_X86, lba: 30, sectors: 4 },
      { platform: PLATFORM_EFI, lba: 40, sectors: 2880 },
    ]);
    expect([c[64], c[65], c[66]]).toEqual([0x91, 0xef, 1]);
    expect(c[96]).toBe(0x88);
    expect(new DataView(c.buffer).getUint32(104, true)).toBe(40);
  });
  test("the boot info table holds PVD, image LBA, length and the checksum of words from byte 64", () => {
    const img = new Uint8Array(128);
    img[64] = 1;
    img[68] = 2;
    img[127] = 0x80;
    const sum = bootInfoChecksum(img);
    expect(sum).toBe((1 + 2 + 0x80000000) >>> 0);
    patchBootInfoTable(img, 16, 99, sum);
    const dv = new DataView(img.buffer);
    expect([dv.getUint32(8, true), dv.getUint32(12, true), dv.getUint32(16, true), dv.getUint32(20, true)]).toEqual([16, 99, 128, sum]);
  });
});
