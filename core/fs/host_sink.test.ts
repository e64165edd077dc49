import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeHostFile } from "./host_sink.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), "vmlab-host-sink-"));
  dirs.push(d);
  return d;
}

/** An endless source like a guest's /dev/zero; records whether it was cancelled. */
function endless(chunk = 1 << 20) {
  const state = { chunks: 0, returned: false };
  const it: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]() {
      return {
        async next() {
          state.chunks++;
          return { done: false, value: new Uint8Array(chunk) };
        },
        async return() {
          state.returned = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
  return { it, state };
}

describe("writeHostFile()", () => {
  test("an endless guest file stops at the free space with cp.no_space, cancels the source and leaves no file", async () => {
    const d = scratch();
    const target = join(d, "zero");
    const src = endless();
    // A 100 MiB file system: what is free shrinks as the copy writes.
    const used = () => readdirSync(d).reduce((n, f) => n + statSync(join(d, f)).size, 0);
    const p = writeHostFile(target, src.it, { freeBytes: () => 100 * 1048576 - used(), reserveBytes: 64 * 1048576 });
    await expect(p).rejects.toMatchObject({ code: "cp.no_space", subject: target });
    expect(src.state.returned).toBe(true);
    expect(src.state.chunks).toBeLessThanOrEqual(37);
    expect(readdirSync(d)).toEqual([]);
  });

  test("streams a file larger than any buffer chunk by chunk and renames it into place", async () => {
    const d = scratch();
    const target = join(d, "big");
    async function* src() {
      for (let i = 0; i < 300; i++) yield new Uint8Array(1 << 20).fill(i & 0xff);
    }
    expect(await writeHostFile(target, src())).toBe(300 << 20);
    expect(statSync(target).size).toBe(300 << 20);
    expect(readdirSync(d)).toEqual(["big"]);
    rmSync(target);
  });

  test("refuses a symlink at the target (fs.not_regular_file) and never writes through it", async () => {
    const d = scratch();
    writeFileSync(join(d, "victim"), "original");
    symlinkSync(join(d, "victim"), join(d, "out"));
    async function* src() {
      yield new TextEncoder().encode("new");
    }
    await expect(writeHostFile(join(d, "out"), src())).rejects.toMatchObject({ code: "fs.not_regular_file" });
    expect(readFileSync(join(d, "victim"), "utf8")).toBe("original");
  });

  test("a source that fails midway leaves the old file untouched and no temp file", async () => {
    const d = scratch();
    writeFileSync(join(d, "f"), "old");
    async function* src() {
      yield new Uint8Array(10);
      throw new Error("connection reset");
    }
    await expect(writeHostFile(join(d, "f"), src())).rejects.toThrow("connection reset");
    expect(readFileSync(join(d, "f"), "utf8")).toBe("old");
    expect(readdirSync(d)).toEqual(["f"]);
    expect(existsSync(join(d, "f"))).toBe(true);
  });
});
