/**
 * Media from folders through dist/vmlab on a real tiny guest (PRD §6.3):
 * a folder with nested folders, long and non-ASCII names, an empty file and
 * a 300 MiB file becomes an ISO (`media { kind = "iso" }`), FAT16 and FAT32
 * disks (`disk "x" { from = … }`) and a FAT12 floppy (`media { kind =
 * "floppy" }`); the guest mounts each and every file reads back with the
 * same sha256. A second `up` of the unchanged folder reuses the cached
 * images. A multi-extent ISO (extents lowered to 64 MiB so the 300 MiB file
 * spans five) is made in-process and read back the same way.
 *
 * The VM uses the i440fx machine (profile windows-legacy): the tiny guest's
 * cloud kernel drives PIIX IDE (ata_piix) but has no AHCI driver, so on q35
 * the CD-ROM would be invisible to it. The tiny guest's kernel has no floppy driver, so the floppy image the lab
 * daemon attached as drive A is also attached as a read-only virtio disk
 * (the test builds the same image into the lab's cache first — the daemon
 * then reuses it, which the log shows).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { buildMedium } from "../../core/media/mod.ts";
import { writeIso } from "../../core/media/iso.ts";
import { expectedListing, LONG_NAME, makePayload } from "../media_payload.ts";
import { TINY_REF, World } from "./_lab.ts";

const BIG = Number(process.env.VMLAB_MEDIA_TEST_BIG_MIB ?? 300) << 20;

let w: World;
let dir: string;
let files: Map<string, string>;
let floppyFiles: Map<string, string>;

function sh(cmd: string, timeoutSec = 600): string {
  const r = w.vmlab(["exec", "--timeout", String(timeoutSec), "g", "--", "/bin/sh", "-c", cmd], { cwd: dir });
  if (r.code !== 0) throw new Error(`guest command failed (${r.code}): ${cmd}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Mount `dev` read-only at `mnt` and list `sha256  ./path` for every file, sorted by path. */
function listing(dev: string, mnt: string, opts: string): string[] {
  const out = sh(
    `mkdir -p ${mnt} && mount -o ro${opts ? `,${opts}` : ""} ${dev} ${mnt} && cd ${mnt} && find . -type f | while IFS= read -r f; do sha256sum "$f"; done`,
  );
  return out.split("\n").filter(Boolean).sort();
}

/** The virtio disk whose serial is `serial` (set on the qemu_args disks). */
function bySerial(serial: string): string {
  const name = sh(`for b in /sys/block/vd*; do [ "$(cat $b/serial 2>/dev/null)" = ${serial} ] && echo \${b##*/}; done; true`).trim();
  expect(name).toMatch(/^vd[a-z]+$/);
  return `/dev/${name}`;
}

beforeAll(async () => {
  w = new World("vmlab-media-");
  await w.adoptTiny();
  dir = w.lab("media", "");
  files = makePayload(join(dir, "payload"), BIG);
  floppyFiles = makePayload(join(dir, "small"), 100_000);
  const multi = join(w.root, "multi.iso");
  await writeIso(join(dir, "payload"), multi, { label: "MULTI", maxExtentBytes: 64 << 20 });
  const floppy = await buildMedium(join(dir, ".vmlab", "media"), { kind: "floppy", from: join(dir, "small"), label: "DRV" });
  mkdirSync(join(dir, "scripts"), { recursive: true });
  w.lab(
    "media",
    `lab "media" {
  vm "g" {
    template = "${TINY_REF}"
    memory   = 256MiB
    cpus     = 1
    profile  = "windows-legacy"   // i440fx: its PIIX IDE is what the tiny kernel drives (it has no AHCI driver for q35's CD-ROM port)
    media { kind = "iso"    from = "./payload" label = "CIDATA" }
    media { kind = "floppy" from = "./small"   label = "DRV" }
    disk "fat16" { from = "./payload" }
    disk "fat32" { from = "./payload" size = 1GiB }
    qemu_args = ["-drive", "file=${floppy.path},format=raw,if=none,id=fdv,readonly=on", "-device", "virtio-blk-pci,drive=fdv,serial=vmlabfloppy",
                 "-drive", "file=${multi},format=raw,if=none,id=cdm,readonly=on", "-device", "virtio-blk-pci,drive=cdm,serial=vmlabmulti"]
  }
}
`,
  );
}, 300_000);

afterAll(() => w?.teardown());

describe("media from folders in a real guest", () => {
  test("up builds the ISO and FAT images and attaches them", () => {
    const r = w.vmlab(["up"], { cwd: dir });
    const out = r.stdout + r.stderr;
    expect({ code: r.code, out }).toMatchObject({ code: 0 });
    expect(out).toMatch(/iso from .*payload built in/);
    expect(out).toMatch(/floppy from .*small unchanged, reused/);
    expect(out).toContain('disk "fat16" made from');
  }, 600_000);

  test("the ISO reads back through Rock Ridge with identical sha256 for every file", () => {
    expect(listing("/dev/sr0", "/mnt/iso", "")).toEqual(expectedListing(files));
  }, 900_000);

  test("the multi-extent ISO (the 300 MiB file in five extents) reads back the same", () => {
    expect(listing(bySerial("vmlabmulti"), "/mnt/multi", "")).toEqual(expectedListing(files));
  }, 900_000);

  test("the ISO's Joliet tree carries the Unicode names (cut to 64) and the volume label", () => {
    const names = sh("mkdir -p /mnt/j && mount -o ro,norock,iocharset=utf8 /dev/sr0 /mnt/j && find /mnt/j");
    expect(names).toContain("日本語のファイル.md");
    expect(names).toContain(LONG_NAME.slice(0, 60));
    expect(sh("dd if=/dev/sr0 bs=1 skip=32808 count=6 2>/dev/null")).toBe("CIDATA");
  }, 120_000);

  test("the FAT16 and FAT32 disks read back with identical sha256 and their long names", () => {
    // The two partitioned virtio disks, in declaration order (fat16, then fat32); both hold the payload.
    const parts = sh("for p in /sys/block/vd*/vd*1; do echo ${p##*/}; done").split("\n").filter(Boolean);
    expect(parts.length).toBe(2);
    const want = expectedListing(files);
    for (const p of parts) expect(listing(`/dev/${p}`, `/mnt/${p}`, "iocharset=utf8")).toEqual(want);
    expect(sh(`grep -c ' vfat ' /proc/mounts`).trim()).toBe("2");
  }, 900_000);

  test("the FAT12 floppy image reads back with identical sha256", () => {
    expect(listing(bySerial("vmlabfloppy"), "/mnt/floppy", "iocharset=utf8")).toEqual(expectedListing(floppyFiles));
  }, 300_000);

  test("a second up of the unchanged folders reuses every cached image", () => {
    expect(w.vmlab(["down", "-q"], { cwd: dir }).code).toBe(0);
    const r = w.vmlab(["up"], { cwd: dir });
    const out = r.stdout + r.stderr;
    expect({ code: r.code, out }).toMatchObject({ code: 0 });
    expect(out).toMatch(/iso from .*payload unchanged, reused/);
    expect(out).toMatch(/floppy from .*small unchanged, reused/);
    expect(out).not.toContain("made from");
  }, 600_000);
});
