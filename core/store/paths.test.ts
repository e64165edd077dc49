import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "bun:test";
import { templateDir, vmlabPaths } from "./paths.ts";
import { directoryStore, lookupTemplate, memoryStore } from "./lookup.ts";

describe("vmlabPaths()", () => {
  test("uses XDG variables when absolute and defaults otherwise", () => {
    const p = vmlabPaths({ XDG_DATA_HOME: "/d", XDG_CONFIG_HOME: "relative", XDG_RUNTIME_DIR: "/run/user/7" }, "/home/u", 7);
    expect(p.templates).toBe("/d/vmlab/templates");
    expect(p.hostConfig).toBe("/home/u/.config/vmlab/config.wcl");
    expect(p.profiles).toBe("/home/u/.config/vmlab/profiles");
    expect(p.runtime).toBe("/run/user/7/vmlab");
    expect(vmlabPaths({}, "/h", 7).runtime).toBe("/tmp/vmlab-7");
    expect(templateDir(p, "x86_64", "linux", "1.0")).toBe("/d/vmlab/templates/x86_64/linux/1.0");
  });
});

describe("lookupTemplate()", () => {
  test("picks the highest version when none is pinned", () => {
    const s = memoryStore({ "x86_64/linux": ["1.9", "1.10"] });
    expect(lookupTemplate(s, { kind: "store", arch: "x86_64", name: "linux", version: undefined })).toEqual({ found: true, version: "1.10" });
    expect(lookupTemplate(s, { kind: "store", arch: "x86_64", name: "linux", version: "2.0" })).toEqual({ found: false, available: ["1.9", "1.10"] });
  });
  test("a directory store only counts versions that hold a disk", () => {
    const root = mkdtempSync(join(tmpdir(), "vmlab-store-"));
    mkdirSync(join(root, "x86_64/t/1.0"), { recursive: true });
    mkdirSync(join(root, "x86_64/t/2.0"), { recursive: true });
    writeFileSync(join(root, "x86_64/t/1.0/disk.qcow2"), "");
    expect(directoryStore(root).versions("x86_64", "t")).toEqual(["1.0"]);
    expect(directoryStore(root).versions("x86_64", "none")).toEqual([]);
  });
});
