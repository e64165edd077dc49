import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, ftruncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSourceFile, SOURCE_FILE_MAX_BYTES } from "./source_file.ts";

const dir = mkdtempSync(join(tmpdir(), "vmlab-src-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readSourceFile()", () => {
  test("reads a regular file", () => {
    writeFileSync(join(dir, "lab.wcl"), 'lab "x" {}\n');
    expect(readSourceFile(join(dir, "lab.wcl"))).toEqual({ text: 'lab "x" {}\n' });
  });

  test("refuses a symlink to /dev/zero at once instead of reading forever", () => {
    symlinkSync("/dev/zero", join(dir, "zero.wcl"));
    const t = performance.now();
    expect(readSourceFile(join(dir, "zero.wcl"))).toEqual({ problem: "is not a regular file (a device, FIFO or socket)" });
    expect(performance.now() - t).toBeLessThan(1_000);
  });

  test("refuses a FIFO without blocking on the open", () => {
    const fifo = join(dir, "fifo.wcl");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    expect(readSourceFile(fifo)).toEqual({ problem: "is not a regular file (a device, FIFO or socket)" });
  });

  test("refuses a directory and says so; an absent file does not exist", () => {
    mkdirSync(join(dir, "d.wcl"));
    expect(readSourceFile(join(dir, "d.wcl"))).toEqual({ problem: "is a directory" });
    expect(readSourceFile(join(dir, "absent.wcl"))).toEqual({ problem: "does not exist" });
  });

  test("refuses a file over the size cap, naming the limit", () => {
    const huge = join(dir, "huge.wcl");
    const fd = openSync(huge, "w");
    ftruncateSync(fd, SOURCE_FILE_MAX_BYTES + 1); // sparse: costs no disk
    closeSync(fd);
    const r = readSourceFile(huge);
    expect("problem" in r && r.problem).toBe(`is ${SOURCE_FILE_MAX_BYTES + 1} bytes, over the ${SOURCE_FILE_MAX_BYTES}-byte limit for source files`);
    expect(readSourceFile(huge, SOURCE_FILE_MAX_BYTES + 1)).toMatchObject({ text: expect.any(String) });
  });
});
