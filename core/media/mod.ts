/**
 * `core/media` — ISO 9660 and FAT images built from folders, in-process
 * (PRD §6.3). No xorriso, genisoimage, mtools or mkfs at run time.
 *
 * Public API (what the lab daemon and template builds use):
 *
 * ```ts
 * import { buildMedium, writeIso, writeFat } from "../media/mod.ts";
 *
 * // Cached (content-addressed under `<lab>/.vmlab/media/`): returns the same
 * // path while the folder's names, modes and contents are unchanged.
 * const m = await buildMedium(join(labDir, ".vmlab", "media"), { kind: "iso", from: "/abs/unattend", label: "CIDATA" });
 * m.path; m.reused; // attach m.path as a raw CD-ROM
 *
 * // An El Torito bootable ISO (no emulation); paths inside the folder:
 * await buildMedium(dir, { kind: "iso", from: "/abs/cd", label: "BOOT",
 *   boot: { bios: "isolinux/isolinux.bin", efi: "efiboot.img" } });
 * //  bios: boot info table patched by default (bootInfoTable: false to skip),
 * //        4 × 512-byte sectors loaded (biosLoadSectors to change)
 * //  efi:  a FAT image holding EFI/BOOT/BOOTX64.EFI (make one with writeFat)
 *
 * // 1.44 MB FAT12 floppy; a partitioned FAT16/32 disk (sized to the content or sizeBytes):
 * await buildMedium(dir, { kind: "floppy", from: "/abs/drivers", label: "DRV" });
 * await buildMedium(dir, { kind: "disk", from: "/abs/payload", sizeBytes: 2 << 30 });
 *
 * // Uncached writers (e.g. an EFI image to put inside an ISO folder):
 * await writeIso(folder, "/abs/out.iso", { label, boot });
 * await writeFat(folder, "/abs/efiboot.img", { format: "fat12" | "fat16" | "fat32" | "floppy" | "auto", label, sizeBytes, partitioned });
 * ```
 *
 * Errors are `CodedError`s: `media.source_not_found`, `media.bad_source`,
 * `media.too_large`, `media.bad_size`, `media.boot_image_missing`,
 * `media.boot_image_too_large`, `media.source_changed`.
 *
 * Images: ISO 9660 level 3 + Joliet + Rock Ridge (iso.ts); FAT12/16/32 with
 * VFAT long names (fat.ts). Both stream file data (sink.ts), so memory
 * stays flat for any folder size.
 */
export { buildMedium, mediaKey, MEDIA_FORMAT_VERSION, type BuiltMedium, type MediaRequest } from "./cache.ts";
export { writeFat, type FatFormat, type FatOptions } from "./fat.ts";
export { writeIso, MAX_EXTENT_BYTES, type ImageResult, type IsoBootOptions, type IsoOptions } from "./iso.ts";
