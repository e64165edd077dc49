/**
 * A template build from an installer ISO onto a blank disk (PRD §6.1): the
 * tiny kernel boots from an El Torito ISO written by core/media, the
 * provision installs the system onto the blank disk, and the sealed
 * template then boots from its own disk. A user profile picks the machine.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, cpSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tinyTemplatePath } from "../../core/machine/testing/tiny_guest.ts";
import type { RunResult } from "./_bin.ts";
import { World } from "./_lab.ts";

let w: World;
let dir: string;
let tiny: string;

interface StoreEntry {
  ref: string;
  hardware: Record<string, unknown>;
}

function ok(r: RunResult): RunResult {
  if (r.code !== 0) {
    cpSync(join(w.env.XDG_STATE_HOME as string, "vmlab"), "/tmp/build-iso-debug", { recursive: true });
    throw new Error(`vmlab exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return r;
}

beforeAll(async () => {
  w = new World("vmlab-ti-");
  tiny = await tinyTemplatePath();
  dir = w.lab("tpl", "");
});

afterAll(() => w.teardown());

describe("a build from an installer ISO onto a blank disk", () => {
  test("the tiny kernel boots from an El Torito ISO made by core/media, the provision installs the system, the sealed template boots from its own disk", async () => {
    const { writeIso } = await import("../../core/media/mod.ts");
    const cd = join(w.root, "cd");
    mkdirSync(join(cd, "isolinux"), { recursive: true });
    const raw = join(w.root, "tiny.raw");
    expect(Bun.spawnSync(["qemu-img", "convert", "-q", "-O", "raw", tiny, raw]).exitCode).toBe(0);
    for (const f of ["vmlinuz", "initrd.gz"]) {
      expect(Bun.spawnSync(["mcopy", "-i", raw, `::/${f}`, join(cd, f)], { env: { ...process.env, MTOOLS_SKIP_CHECK: "1" } }).exitCode).toBe(0);
    }
    copyFileSync("/usr/lib/ISOLINUX/isolinux.bin", join(cd, "isolinux", "isolinux.bin"));
    copyFileSync("/usr/lib/syslinux/modules/bios/ldlinux.c32", join(cd, "isolinux", "ldlinux.c32"));
    writeFileSync(
      join(cd, "isolinux", "isolinux.cfg"),
      "DEFAULT tiny\nPROMPT 0\nLABEL tiny\n  LINUX /vmlinuz\n  INITRD /initrd.gz\n  APPEND console=tty1 console=ttyS0,115200 quiet panic=-1 tsc=unstable\n",
    );
    renameSync(raw, join(cd, "system.img"));
    const iso = join(dir, "installer.iso");
    await writeIso(cd, iso, { label: "TINYCD", boot: { bios: "isolinux/isolinux.bin" } });
    // A user profile: the i440fx machine, whose IDE CD-ROM the tiny kernel reads (ata_piix).
    mkdirSync(join(w.env.XDG_CONFIG_HOME as string, "vmlab", "profiles"), { recursive: true });
    writeFileSync(
      join(w.env.XDG_CONFIG_HOME as string, "vmlab", "profiles", "tiny.wcl"),
      'profile "tiny-pc" { machine = "pc"  firmware = "seabios"  disk_bus = "virtio"  memory = 256MiB }\n',
    );
    writeFileSync(
      join(dir, "install.ws"),
      `use time
fn main(lab: Lab) -> Result[unit, string] {
    let b = lab.vm("build")?
    // The installer has no agent until it has booted: the build VM counts as ready once QEMU runs.
    let n = 0
    while !b.is_ready() {
        n = n + 1
        if n > 120 { return Err("the installer's agent never answered") }
        time::sleep(1000)
    }
    let r = b.exec("/bin/sh", ["-c", "mkdir -p /cd /mnt && mount -t iso9660 -o ro /dev/sr0 /cd && dd if=/cd/system.img of=/dev/vda bs=1M 2>/dev/null && sync && mount -t vfat /dev/vda /mnt && echo from-iso > /mnt/INSTALLED && umount /mnt && umount /cd && echo installed"])?
    if r.stdout.trim() != "installed" { return Err("install failed: " + r.stderr) }
    Ok(())
}
`,
    );
    writeFileSync(
      join(dir, "vmlab.wcl"),
      readFileSync(join(dir, "vmlab.wcl"), "utf8") +
        `template "installed" {
  arch    = "x86_64"
  version = "1.0"
  profile = "tiny-pc"
  disk    = 64MiB
  source "iso" { path = "installer.iso" }
  provision "install.ws" { }
}
`,
    );
    ok(w.vmlab(["template", "build", "installed"], { cwd: dir }));
    const entry = w.json<StoreEntry[]>(["template", "list", "--json"]).find((e) => e.ref === "x86_64/installed@1.0");
    expect(entry?.hardware).toMatchObject({ machine: "pc", memory: 256 * 1024 * 1024 });
    const lab = w.lab("installed", `lab "inst" {\n  vm "box" { template = "x86_64/installed@1.0" }\n}\n`);
    const hw = w.json<{ hardware: { machine: string }; from: { machine: string } }>(["vm", "hardware", "box", "--json"], { cwd: lab });
    expect(hw.hardware.machine).toBe("pc");
    expect(hw.from.machine).toBe("template");
    ok(w.vmlab(["up", "-q"], { cwd: lab }));
    const seen = w.vmlab(["exec", "box", "--", "/bin/sh", "-c", "mkdir -p /mnt && mount -t vfat -o ro /dev/vda /mnt && cat /mnt/INSTALLED"], { cwd: lab });
    expect(seen.stdout.trim()).toBe("from-iso");
    ok(w.vmlab(["destroy", "-q"], { cwd: lab }));
  });
});
