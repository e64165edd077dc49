/**
 * Firmware and TPM through dist/vmlab on the real tiny guest (PRD §5.2):
 * the guest boots under OVMF (its EFI path, `/sys/firmware/efi` present)
 * with a per-VM variable store in `.vmlab/`, a swtpm gives it a TPM 2.0
 * (`/sys/class/tpm/tpm0`) and stops with the VM; a SeaBIOS VM of the same
 * lab sees no EFI. Validation names the package when swtpm is missing.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { TINY_REF, World } from "./_lab.ts";

let w: World;
let dir: string;

const LAB = `lab "fw" {
  vm "uefi" {
    template = "${TINY_REF}"
    memory   = 256MiB
    firmware = "ovmf"
    tpm      = true
  }
  vm "bios" {
    template = "${TINY_REF}"
    memory   = 256MiB
    firmware = "seabios"
  }
}
`;

beforeAll(async () => {
  w = new World();
  await w.adoptTiny();
  dir = w.lab("fw", LAB);
});

afterAll(() => w.teardown());

function swtpmPids(): number[] {
  const p = Bun.spawnSync(["pgrep", "-f", `swtpm socket.*${w.root}`]);
  return p.stdout.toString().split("\n").filter(Boolean).map(Number);
}

describe("firmware and TPM", () => {
  test("the tiny guest boots under OVMF with a TPM 2.0 and under SeaBIOS", () => {
    const up = w.vmlab(["up", "-q"], { cwd: dir });
    expect(up.stderr).toBe("");
    expect(up.code).toBe(0);
    const efi = w.vmlab(["exec", "uefi", "--", "/bin/sh", "-c", "test -d /sys/firmware/efi && echo efi; cat /sys/class/tpm/tpm0/tpm_version_major"], {
      cwd: dir,
    });
    expect(efi.stdout.trim().split("\n")).toEqual(["efi", "2"]);
    const bios = w.vmlab(["exec", "bios", "--", "/bin/sh", "-c", "test -d /sys/firmware/efi && echo efi; ls /sys/class/tpm 2>/dev/null | wc -l"], { cwd: dir });
    expect(bios.stdout.trim()).toBe("0");
    // Per-VM writable variable store and TPM state in .vmlab/; the socket is private.
    expect(existsSync(join(dir, ".vmlab", "vms", "uefi", "OVMF_VARS.fd"))).toBe(true);
    expect(existsSync(join(dir, ".vmlab", "vms", "uefi", "tpm"))).toBe(true);
    expect(swtpmPids().length).toBe(1);
    const sock = join(w.env.XDG_RUNTIME_DIR as string, "vmlab", "labs", "fw", "uefi.tpm");
    expect(statSync(sock).mode & 0o777).toBe(0o600);
    expect(w.vmlab(["down", "-q"], { cwd: dir }).code).toBe(0);
    expect(swtpmPids()).toEqual([]);
  });
});
