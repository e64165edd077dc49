/**
 * Cross-checks of our ISO and FAT images with Debian's own tools (test time
 * only; vmlab never runs them): `isoinfo` (genisoimage) reads the Rock
 * Ridge and Joliet trees and the El Torito catalog, `xorriso -indev … -find`
 * lists the tree and extracts every file with the same sha256, `fsck.fat -n`
 * accepts FAT12/16/32 volumes and `mcopy` reads every file back.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFat } from "../../core/media/fat.ts";
import { writeIso } from "../../core/media/iso.ts";
import { LONG_NAME, makePayload, readSha } from "../media_payload.ts";

let root: string;
/** The payload plus symlinks (a relative one to a file, a dangling absolute one 400 bytes long) for the ISO tests. */
let src: string;
/** The payload alone for the FAT tests, plus one symlink to a file (stored as the file). */
let fatSrc: string;
let isoFiles: Map<string, string>;
let fatFiles: Map<string, string>;

function tool(cmd: string[]): string {
  const p = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")} exited ${p.exitCode}: ${p.stderr.toString()}`);
  return p.stdout.toString() + p.stderr.toString();
}

function checkExtracted(dir: string, files: Map<string, string>): void {
  for (const [rel, sha] of files) expect({ rel, sha: readSha(join(dir, rel)) }).toEqual({ rel, sha });
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "vmlab-media-tools-"));
  src = join(root, "src");
  isoFiles = makePayload(src, 20 << 20);
  symlinkSync("../README.TXT", join(src, "a", "link-to-readme"));
  symlinkSync(`/${"deep/".repeat(80)}target`, join(src, "a", "long-link"));
  fatSrc = join(root, "fatsrc");
  fatFiles = makePayload(fatSrc, 20 << 20);
  symlinkSync("../README.TXT", join(fatSrc, "a", "link-to-readme"));
  fatFiles.set("a/link-to-readme", fatFiles.get("README.TXT") as string);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("ISO images in isoinfo and xorriso", () => {
  test("isoinfo finds Joliet and Rock Ridge and lists long Unicode names, modes and symlinks", async () => {
    const iso = join(root, "a.iso");
    await writeIso(src, iso, { label: "CIDATA" });
    const d = tool(["isoinfo", "-d", "-i", iso]);
    expect(d).toContain("Volume id: CIDATA");
    expect(d).toContain("Joliet with UCS level 3 found");
    expect(d).toContain("Rock Ridge signatures version 1 found");
    const rr = tool(["isoinfo", "-R", "-l", "-i", iso]);
    expect(rr).toContain(LONG_NAME);
    expect(rr).toContain("link-to-readme -> ../README.TXT");
    expect(rr).toMatch(/-rw-r--r-- .* payload\.bin/);
    const joliet = tool(["isoinfo", "-J", "-l", "-i", iso]);
    expect(joliet).toContain("README.TXT");
  });

  test("xorriso lists the tree and extracts every file with identical sha256 (multi-extent too)", async () => {
    const iso = join(root, "multi.iso");
    await writeIso(src, iso, { label: "MULTI", maxExtentBytes: 4 << 20 });
    const list = tool(["xorriso", "-indev", iso, "-find", "/", "-exec", "lsdl"]);
    expect(list).toContain(`/déjà vu/${LONG_NAME}`);
    expect(list).toContain(`-> '/${"deep/".repeat(80)}target'`);
    expect(list).not.toMatch(/SORRY|FAILURE/);
    const out = join(root, "x-iso");
    tool(["xorriso", "-osirrox", "on", "-indev", iso, "-extract", "/", out]);
    checkExtracted(out, isoFiles);
  });

  test("xorriso reports the El Torito BIOS (boot info table) and EFI entries", async () => {
    const boot = join(root, "boot");
    mkdirSync(join(boot, "isolinux"), { recursive: true });
    writeFileSync(join(boot, "isolinux", "isolinux.bin"), Buffer.alloc(8192, 0x90));
    await writeFat(join(fatSrc, "a"), join(boot, "efiboot.img"), { format: "fat12" });
    const iso = join(root, "boot.iso");
    await writeIso(boot, iso, { label: "BOOT", boot: { bios: "isolinux/isolinux.bin", efi: "efiboot.img" } });
    const r = tool(["xorriso", "-indev", iso, "-report_el_torito", "plain"]);
    expect(r).toMatch(/El Torito boot img :\s+1\s+BIOS\s+y\s+none/);
    expect(r).toMatch(/El Torito boot img :\s+2\s+UEFI\s+y\s+none/);
    expect(r).toContain("boot-info-table");
    expect(r).toContain("/isolinux/isolinux.bin");
  });
});

describe("FAT images in fsck.fat and mtools", () => {
  for (const format of ["fat12", "fat16", "fat32"] as const) {
    test(`fsck.fat -n accepts a ${format} image and mcopy reads every file back`, async () => {
      const img = join(root, `${format}.img`);
      // FAT12 tops out at 4084 clusters: give it a smaller folder.
      const [from, files] = format === "fat12" ? [join(root, "fat12src"), makePayload(join(root, "fat12src"), 2 << 20)] : [fatSrc, fatFiles];
      const r = await writeFat(from, img, { format, label: "OEMDRV" });
      expect(String(r.fatType)).toBe(format.slice(3));
      tool(["fsck.fat", "-n", img]);
      const out = join(root, `x-${format}`);
      mkdirSync(out);
      tool(["mcopy", "-s", "-n", "-i", img, "::/", out]);
      checkExtracted(out, files);
      expect(tool(["mlabel", "-s", "-i", img, "::"])).toContain("OEMDRV");
    });
  }

  test("a dangling symlink cannot go on FAT: a coded error naming it", async () => {
    await expect(writeFat(src, join(root, "bad.img"))).rejects.toMatchObject({ code: "media.bad_source", subject: join(src, "a", "long-link") });
  });

  test("a 1.44 MB floppy passes fsck.fat; a partitioned disk reads back through its partition", async () => {
    const small = join(root, "small");
    makePayload(small, 50_000);
    const fl = join(root, "floppy.img");
    expect((await writeFat(small, fl, { format: "floppy", label: "DRV" })).bytes).toBe(1_474_560);
    tool(["fsck.fat", "-n", fl]);
    const disk = join(root, "disk.img");
    await writeFat(fatSrc, disk, { partitioned: true, sizeBytes: 600 << 20 });
    const out = join(root, "x-part");
    mkdirSync(out);
    tool(["mcopy", "-s", "-n", "-i", `${disk}@@1M`, "::/", out]);
    checkExtracted(out, fatFiles);
  });
});
