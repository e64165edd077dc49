import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cloneStatus, qcow2BackingFile, readClones, writeClones } from "./clones.ts";
import { patternBytes, qcow2With, tempDir } from "./testing/disks.ts";

const dir = tempDir("vmlab-clones-test-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const base = qcow2With(join(dir, "base.qcow2"), patternBytes(65536));

function clone(path: string, backing: string): string {
  const p = Bun.spawnSync(["qemu-img", "create", "-q", "-f", "qcow2", "-b", backing, "-F", "qcow2", path], { stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(p.stderr.toString());
  return path;
}

describe("qcow2 backing file header", () => {
  test("a standalone image has none", () => {
    expect(qcow2BackingFile(base)).toEqual({ ok: true, backing: undefined });
  });
  test("a clone names its base as written", () => {
    expect(qcow2BackingFile(clone(join(dir, "abs.qcow2"), base))).toEqual({ ok: true, backing: base });
  });
  test("missing files and non-qcow2 files are told apart", () => {
    writeFileSync(join(dir, "text"), "hello world, this is not qcow2");
    expect(qcow2BackingFile(join(dir, "nope"))).toEqual({ ok: false, reason: "missing" });
    expect(qcow2BackingFile(join(dir, "text"))).toEqual({ ok: false, reason: "not-qcow2" });
  });
});

describe("clone status", () => {
  const rec = (path: string) => ({ path, registered: "2025-01-01T00:00:00Z" });
  test("a relative backing name is resolved from the clone's directory", () => {
    mkdirSync(join(dir, "lab"));
    const c = clone(join(dir, "lab", "rel.qcow2"), "../base.qcow2");
    expect(cloneStatus(rec(c), base).live).toBe(true);
  });
  test("a backing path through a symlink still counts as this template", () => {
    symlinkSync(dir, join(dir, "link"));
    const c = clone(join(dir, "via-link.qcow2"), join(dir, "link", "base.qcow2"));
    expect(cloneStatus(rec(c), base).live).toBe(true);
  });
  test("a standalone image registered as a clone is stale", () => {
    expect(cloneStatus(rec(base), base)).toMatchObject({ live: false, reason: "other-backing" });
  });
});

describe("clones.json", () => {
  test("round-trips, and a damaged file reads as no clones", () => {
    const d = join(dir, "t");
    mkdirSync(d);
    expect(readClones(d)).toEqual([]);
    writeClones(d, [{ path: "/a.qcow2", registered: "x" }]);
    expect(readClones(d)).toEqual([{ path: "/a.qcow2", registered: "x" }]);
    writeFileSync(join(d, "clones.json"), "{ not json");
    expect(readClones(d)).toEqual([]);
  });
});
