/**
 * El Torito bootable CD-ROM structures (El Torito 1.0, Phoenix/IBM 1995):
 * the boot catalog and isolinux's boot info table.
 *
 * Catalog (§2.x): a validation entry (header id 1, platform, id string,
 * checksum making the 16-bit little-endian words sum to zero, key 55 AA),
 * the initial/default entry (bootable 0x88, no emulation, load segment 0 =
 * 0x7C0, sector count in 512-byte virtual sectors, image LBA), then for a
 * second platform a section header (0x91 final, platform 0xEF = EFI) and its
 * one entry. No-emulation only: floppy/hard-disk emulation is left out.
 *
 * Boot info table (isolinux/mkisofs `-boot-info-table`): 56 bytes at offset 8
 * of the boot image — LBA of the primary volume descriptor, LBA of the image,
 * its length, and the 32-bit sum of its little-endian words from offset 64.
 */
import { le16, le32 } from "./bytes.ts";
import { SECTOR } from "./iso_records.ts";

export const PLATFORM_X86 = 0;
export const PLATFORM_EFI = 0xef;
/** Default BIOS load size: 4 virtual sectors = one CD block, as isolinux expects. */
export const DEFAULT_BIOS_LOAD_SECTORS = 4;

export interface CatalogEntry {
  readonly platform: number;
  readonly lba: number;
  /** Sectors of 512 bytes the firmware loads. */
  readonly sectors: number;
}

function entry(b: Uint8Array, off: number, e: CatalogEntry): void {
  b[off] = 0x88; // bootable
  b[off + 1] = 0; // no emulation
  le16(b, off + 2, 0); // load segment: default 0x7C0
  b[off + 4] = 0; // system type
  le16(b, off + 6, Math.min(e.sectors, 0xffff));
  le32(b, off + 8, e.lba);
}

/** Encode the boot catalog block: the first entry is the default, any second one gets its own section. */
export function encodeBootCatalog(entries: readonly CatalogEntry[]): Uint8Array {
  const b = new Uint8Array(SECTOR);
  const first = entries[0];
  if (!first) throw new Error("boot catalog needs at least one entry");
  b[0] = 1;
  b[1] = first.platform;
  const id = "VMLAB";
  for (let i = 0; i < id.length; i++) b[4 + i] = id.charCodeAt(i);
  b[30] = 0x55;
  b[31] = 0xaa;
  let sum = 0;
  for (let i = 0; i < 32; i += 2) sum = (sum + (b[i] as number) + ((b[i + 1] as number) << 8)) & 0xffff;
  le16(b, 28, (0x10000 - sum) & 0xffff);
  entry(b, 32, first);
  let off = 64;
  entries.slice(1).forEach((e, i, rest) => {
    b[off] = i === rest.length - 1 ? 0x91 : 0x90;
    b[off + 1] = e.platform;
    le16(b, off + 2, 1);
    entry(b, off + 32, e);
    off += 64;
  });
  return b;
}

/** The 32-bit sum of the little-endian words of `image` from byte 64 (the boot info table checksum). */
export function bootInfoChecksum(image: Uint8Array): number {
  let sum = 0;
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  let i = 64;
  for (; i + 4 <= image.length; i += 4) sum = (sum + dv.getUint32(i, true)) >>> 0;
  if (i < image.length) {
    let last = 0;
    for (let k = 0; i + k < image.length; k++) last |= (image[i + k] as number) << (8 * k);
    sum = (sum + (last >>> 0)) >>> 0;
  }
  return sum;
}

/** Patch the boot info table into the first bytes of a boot image (in place). */
export function patchBootInfoTable(image: Uint8Array, pvdLba: number, imageLba: number, checksum: number): void {
  if (image.length < 64) throw new Error("boot image shorter than its boot info table");
  le32(image, 8, pvdLba);
  le32(image, 12, imageLba);
  le32(image, 16, image.length);
  le32(image, 20, checksum);
  image.fill(0, 24, 64);
}
