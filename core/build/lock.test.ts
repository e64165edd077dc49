import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CodedError } from "../errors/mod.ts";
import { acquireBuildLock, BUILDS_DIR } from "./lock.ts";

describe("acquireBuildLock()", () => {
  test("a second build of the same ref is refused with build.busy naming the holder", () => {
    const root = mkdtempSync(join(tmpdir(), "bl-"));
    const a = acquireBuildLock(root, "x86_64", "t", "1");
    let err: unknown;
    try {
      acquireBuildLock(root, "x86_64", "t", "1");
    } catch (e) {
      err = e;
    }
    expect((err as CodedError).code).toBe("build.busy");
    expect((err as CodedError).message).toContain(`pid ${process.pid}`);
    const other = acquireBuildLock(root, "x86_64", "t", "2");
    other.release();
    a.release();
    expect(existsSync(a.path)).toBe(false);
    acquireBuildLock(root, "x86_64", "t", "1").release();
  });

  test("a lock left by a dead builder is taken over", () => {
    const root = mkdtempSync(join(tmpdir(), "bl-"));
    const dead = Bun.spawnSync(["true"]).pid;
    acquireBuildLock(root, "x86_64", "t", "1", dead).release();
    const l = acquireBuildLock(root, "x86_64", "t", "1", dead);
    // The file holds a dead pid: the next builder takes it over.
    writeFileSync(join(root, BUILDS_DIR, "x86_64_t_1.lock"), `${dead}\n`);
    const m = acquireBuildLock(root, "x86_64", "t", "1");
    expect(m.path).toBe(l.path);
    m.release();
  });
});
