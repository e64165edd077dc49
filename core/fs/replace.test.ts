import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CodedError } from "../errors/mod.ts";
import { assertReplaceable } from "./replace.ts";

const dir = mkdtempSync(join(tmpdir(), "vmlab-replace-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(CodedError);
    return (e as CodedError).code;
  }
}

describe("assertReplaceable()", () => {
  test("accepts an absent path and a regular file", () => {
    expect(codeOf(() => assertReplaceable(join(dir, "absent"), "output"))).toBeUndefined();
    writeFileSync(join(dir, "plain"), "x");
    expect(codeOf(() => assertReplaceable(join(dir, "plain"), "output"))).toBeUndefined();
  });

  test("refuses a symlink, even to a regular file, and names it", () => {
    writeFileSync(join(dir, "target"), "x");
    symlinkSync(join(dir, "target"), join(dir, "link"));
    expect(codeOf(() => assertReplaceable(join(dir, "link"), "export destination"))).toBe("fs.not_regular_file");
    try {
      assertReplaceable(join(dir, "link"), "export destination");
    } catch (e) {
      expect((e as Error).message).toBe(`export destination ${join(dir, "link")} is a symbolic link; refusing to replace it`);
    }
  });

  test("refuses a device node, a FIFO and a directory", () => {
    expect(codeOf(() => assertReplaceable("/dev/null", "output"))).toBe("fs.not_regular_file");
    const fifo = join(dir, "fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    expect(codeOf(() => assertReplaceable(fifo, "output"))).toBe("fs.not_regular_file");
    mkdirSync(join(dir, "sub"));
    expect(codeOf(() => assertReplaceable(join(dir, "sub"), "output"))).toBe("fs.not_regular_file");
  });
});
