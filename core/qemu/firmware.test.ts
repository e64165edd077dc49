import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { findOvmf, firmwareProblem } from "./firmware.ts";

describe("firmware discovery", () => {
  test("findOvmf() prefers the 4 MiB pair and falls back to the 2 MiB one", () => {
    const have = (files: string[]) => (p: string) => files.includes(p);
    expect(findOvmf(false, ["/fw"], have(["/fw/OVMF_CODE_4M.fd", "/fw/OVMF_VARS_4M.fd", "/fw/OVMF_CODE.fd", "/fw/OVMF_VARS.fd"]))?.code).toBe(
      "/fw/OVMF_CODE_4M.fd",
    );
    expect(findOvmf(false, ["/fw"], have(["/fw/OVMF_CODE.fd", "/fw/OVMF_VARS.fd"]))?.varsTemplate).toBe("/fw/OVMF_VARS.fd");
    expect(findOvmf(false, ["/fw"], have(["/fw/OVMF_CODE_4M.fd"]))).toBeUndefined();
  });

  test("secure boot uses the secboot code with the key-enrolled .ms variable store", () => {
    const have = (p: string) => ["/fw/OVMF_CODE_4M.secboot.fd", "/fw/OVMF_VARS_4M.ms.fd", "/fw/OVMF_CODE_4M.fd", "/fw/OVMF_VARS_4M.fd"].includes(p);
    expect(findOvmf(true, ["/fw"], have)).toEqual({ code: "/fw/OVMF_CODE_4M.secboot.fd", varsTemplate: "/fw/OVMF_VARS_4M.ms.fd" });
  });

  test("firmwareProblem() names the ovmf package when OVMF is missing, and refuses secure boot on seabios", () => {
    expect(firmwareProblem("ovmf", false, () => false)?.package).toBe("ovmf");
    expect(firmwareProblem("seabios", true, () => true)?.message).toContain("secure boot needs OVMF");
    expect(firmwareProblem("seabios", false, () => false)).toBeUndefined();
    expect(firmwareProblem("ovmf", true, () => true)).toBeUndefined();
  });

  test("the host's Debian ovmf package (installed by npm test) is found, secure-boot build included", () => {
    const pair = findOvmf(true);
    expect(pair).toBeDefined();
    expect(readFileSync(pair?.code as string).length).toBeGreaterThan(1024 * 1024);
  });
});
