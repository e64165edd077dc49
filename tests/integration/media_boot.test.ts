/**
 * El Torito ISOs made by core/media boot real firmware under QEMU (TCG):
 * SeaBIOS loads a no-emulation BIOS image whose first bytes jump over the
 * boot info table we patch (as isolinux does) and prints on the serial
 * port; OVMF finds the EFI entry's FAT image, loads its
 * `EFI/BOOT/BOOTX64.EFI` (Debian's syslinux.efi) and starts it — BdsDxe says
 * so on the serial console, and would say "failed to load" for a catalog or
 * FAT image it could not use. (syslinux.efi itself then stops: it cannot run
 * from a CD; a real ISO carries GRUB or the OS's own EFI loader.)
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFat } from "../../core/media/fat.ts";
import { writeIso } from "../../core/media/iso.ts";
import { SECTOR } from "../../core/media/iso_records.ts";

const OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd";
const OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd";
const SYSLINUX_EFI = "/usr/lib/SYSLINUX.EFI/efi64/syslinux.efi";
const LDLINUX_E64 = "/usr/lib/syslinux/modules/efi64/ldlinux.e64";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "vmlab-media-boot-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Run QEMU until its serial log contains `want` (true) or `timeoutMs` passes (false). */
async function bootUntil(args: string[], serial: string, want: string, timeoutMs: number): Promise<boolean> {
  const p = Bun.spawn(["qemu-system-x86_64", "-accel", "tcg", "-nodefaults", "-display", "none", "-m", "256", "-serial", `file:${serial}`, ...args], {
    stdout: "ignore",
    stderr: "pipe",
  });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline && p.exitCode === null) {
      if (existsSync(serial) && readFileSync(serial, "latin1").includes(want)) return true;
      await Bun.sleep(200);
    }
    return existsSync(serial) && readFileSync(serial, "latin1").includes(want);
  } finally {
    p.kill(9);
    await p.exited;
  }
}

describe("El Torito boot in real firmware", () => {
  test("SeaBIOS boots the no-emulation BIOS image; its boot info table is patched", async () => {
    const dir = join(root, "bios");
    mkdirSync(join(dir, "boot"), { recursive: true });
    const img = Buffer.alloc(2048);
    img.set([0xeb, 0x3e], 0); // jmp short 0x40: over the boot info table (bytes 8–63)
    // mov dx,0x3f8; mov al,'O'; out dx,al; mov al,'K'; out dx,al; cli; hlt; jmp $-1
    img.set([0xba, 0xf8, 0x03, 0xb0, 0x4f, 0xee, 0xb0, 0x4b, 0xee, 0xfa, 0xf4, 0xeb, 0xfd], 0x40);
    img.fill(0xa5, 0x100); // something for the checksum
    writeFileSync(join(dir, "boot", "boot.bin"), img);
    writeFileSync(join(dir, "readme.txt"), "a bootable medium\n");
    const iso = join(root, "bios.iso");
    await writeIso(dir, iso, { label: "BIOSBOOT", boot: { bios: "boot/boot.bin" } });
    // The patched table: PVD at 16, the image's own LBA, its length, the checksum of words from byte 64.
    const data = readFileSync(iso);
    const catalogLba = data.readUInt32LE(17 * SECTOR + 71);
    const lba = data.readUInt32LE(catalogLba * SECTOR + 32 + 8);
    const table = data.subarray(lba * SECTOR, lba * SECTOR + 64);
    let sum = 0;
    for (let i = 64; i < 2048; i += 4) sum = (sum + img.readUInt32LE(i)) >>> 0;
    expect([table.readUInt32LE(8), table.readUInt32LE(12), table.readUInt32LE(16), table.readUInt32LE(20)]).toEqual([16, lba, 2048, sum]);
    const serial = join(root, "bios.serial");
    const ok = await bootUntil(
      ["-machine", "pc", "-drive", `file=${iso},format=raw,if=none,id=cd0,media=cdrom,readonly=on`, "-device", "ide-cd,drive=cd0,bootindex=0"],
      serial,
      "OK",
      60_000,
    );
    expect(ok).toBe(true);
  }, 90_000);

  test.skipIf(!existsSync(OVMF_CODE) || !existsSync(SYSLINUX_EFI))(
    "OVMF loads and starts BOOTX64.EFI from the EFI entry's FAT image",
    async () => {
      const efi = join(root, "efi-tree");
      mkdirSync(join(efi, "EFI", "BOOT"), { recursive: true });
      copyFileSync(SYSLINUX_EFI, join(efi, "EFI", "BOOT", "BOOTX64.EFI"));
      copyFileSync(LDLINUX_E64, join(efi, "EFI", "BOOT", "ldlinux.e64"));
      const dir = join(root, "uefi");
      mkdirSync(dir);
      await writeFat(efi, join(dir, "efiboot.img"), { format: "fat12", label: "EFIBOOT" });
      const iso = join(root, "uefi.iso");
      await writeIso(dir, iso, { label: "UEFIBOOT", boot: { efi: "efiboot.img" } });
      const vars = join(root, "vars.fd");
      copyFileSync(OVMF_VARS, vars);
      const serial = join(root, "uefi.serial");
      const ok = await bootUntil(
        [
          "-machine",
          "q35",
          "-drive",
          `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`,
          "-drive",
          `if=pflash,format=raw,unit=1,file=${vars}`,
          "-drive",
          `file=${iso},format=raw,if=none,id=cd0,media=cdrom,readonly=on`,
          "-device",
          "ide-cd,drive=cd0,bootindex=0",
        ],
        serial,
        "BdsDxe: starting Boot",
        150_000,
      );
      const log = readFileSync(serial, "latin1");
      expect({ ok, log: ok ? "" : log.slice(-2000) }).toEqual({ ok: true, log: "" });
      expect(log).toMatch(/BdsDxe: starting Boot[0-9A-F]+ "UEFI QEMU DVD-ROM/);
      expect(log).not.toMatch(/failed to load Boot[0-9A-F]+ "UEFI QEMU DVD-ROM/);
    },
    180_000,
  );
});
