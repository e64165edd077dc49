import { describe, expect, test } from "bun:test";
import { loadProfiles } from "./profiles.ts";
import { DEFAULT_HARDWARE, resolveHardware } from "./resolve.ts";

const shipped = loadProfiles([]);

describe("loadProfiles()", () => {
  test("ships the profile table without diagnostics", () => {
    expect(shipped.diagnostics).toEqual([]);
    expect([...shipped.profiles.keys()]).toEqual(["windows-11", "windows-server", "windows-legacy", "linux-modern", "linux-generic", "custom"]);
    expect(shipped.profiles.get("windows-legacy")).toMatchObject({
      machine: "pc",
      firmware: "seabios",
      diskBus: "ide",
      nic: "e1000",
      display: "std",
      cpus: 2,
      memory: 2 ** 31,
    });
    expect(shipped.profiles.get("windows-11")).toMatchObject({ secureBoot: true, tpm: true, firmware: "ovmf", memory: 8 * 2 ** 30 });
  });
  test("user files override attribute by attribute and add new profiles", () => {
    const p = loadProfiles([{ path: "/p/a.wcl", text: 'profile "windows-11" { memory = 16GiB }\nprofile "router" { machine = "virt" }' }]);
    expect(p.profiles.get("windows-11")).toMatchObject({ memory: 16 * 2 ** 30, firmware: "ovmf", tpm: true });
    expect(p.profiles.get("router")?.machine).toBe("virt");
  });
  test("a broken user profile file is diagnosed, not thrown", () => {
    const p = loadProfiles([{ path: "/p/b.wcl", text: 'profile "x" { firmware = "uefi" colour = 1 }' }]);
    expect(p.diagnostics.map((d) => d.code)).toEqual(["config.invalid_value", "config.unknown_attribute"]);
  });
});

describe("resolveHardware()", () => {
  test("takes each setting from the VM, then the template, then the profile, then defaults", () => {
    const r = resolveHardware({ cpus: 8 }, { cpus: 2, memory: 1024, firmware: "seabios" }, shipped.profiles.get("windows-11"));
    expect(r.hardware).toMatchObject({ cpus: 8, memory: 1024, firmware: "seabios", secureBoot: true, machine: "q35", display: "qxl" });
    expect(r.from).toMatchObject({ cpus: "vm", memory: "template", firmware: "template", secureBoot: "profile" });
  });
  test("falls back to the defaults with no layers (custom profile, scratch VM)", () => {
    const r = resolveHardware({}, undefined, shipped.profiles.get("custom"));
    expect(r.hardware).toEqual(DEFAULT_HARDWARE);
    expect(Object.values(r.from).every((l) => l === "default")).toBe(true);
  });
  test("an explicit false on the VM beats true from the profile", () => {
    expect(resolveHardware({ secureBoot: false }, undefined, shipped.profiles.get("windows-11")).hardware.secureBoot).toBe(false);
  });
});
