import { describe, expect, test } from "bun:test";
import { compareVersions, highestVersion, parseTemplateRef } from "./ref.ts";

describe("parseTemplateRef()", () => {
  test("parses arch, name and optional version", () => {
    expect(parseTemplateRef("x86_64/windows-11@26100.1")).toEqual({ ok: true, ref: { kind: "store", arch: "x86_64", name: "windows-11", version: "26100.1" } });
    expect(parseTemplateRef("aarch64/linux-router")).toEqual({ ok: true, ref: { kind: "store", arch: "aarch64", name: "linux-router", version: undefined } });
  });
  test("recognises scratch and registry references", () => {
    expect(parseTemplateRef("scratch")).toEqual({ ok: true, ref: { kind: "scratch" } });
    expect(parseTemplateRef("ghcr.io/acme/win11:1.0")).toEqual({ ok: true, ref: { kind: "registry", reference: "ghcr.io/acme/win11:1.0" } });
    expect(parseTemplateRef("localhost:5000/t:1").ok).toBe(true);
  });
  test("rejects archless, unknown-arch and malformed references with a reason", () => {
    const r = parseTemplateRef("linux-modern");
    expect(r.ok === false && r.code).toBe("config.archless_template_ref");
    expect(r.ok === false && r.hint).toContain("x86_64/linux-modern");
    const u = parseTemplateRef("x64/linux");
    expect(u.ok === false && u.code).toBe("config.unknown_arch");
    for (const bad of ["x86_64/", "x86_64/a@", "x86_64/a@1@2", "x86_64/a/b", "x86_64/-a"]) expect(parseTemplateRef(bad).ok).toBe(false);
  });
});

describe("compareVersions()", () => {
  test("orders numeric parts numerically so 1.10 is newer than 1.9", () => {
    expect(compareVersions("1.10", "1.9")).toBe(1);
    expect(compareVersions("1.2", "1.2.1")).toBe(-1);
    expect(compareVersions("2.0", "2.0")).toBe(0);
    expect(highestVersion(["1.9", "1.10", "1.2", "1.10-rc1"])).toBe("1.10-rc1");
    expect(highestVersion([])).toBeUndefined();
  });
});
