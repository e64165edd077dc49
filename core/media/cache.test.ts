import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildMedium } from "./cache.ts";

const root = mkdtempSync(join(tmpdir(), "vmlab-media-cache-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string): string {
  const d = join(root, name);
  mkdirSync(join(d, "sub"), { recursive: true });
  writeFileSync(join(d, "user-data"), "#cloud-config\n");
  writeFileSync(join(d, "sub", "big.bin"), Buffer.alloc(1 << 20, 7));
  return d;
}

describe("buildMedium()", () => {
  test("an unchanged folder is not rebuilt: same path, nothing written", async () => {
    const src = folder("same");
    const cache = join(root, "cache1");
    const t0 = performance.now();
    const a = await buildMedium(cache, { kind: "iso", from: src, label: "CIDATA" });
    const first = performance.now() - t0;
    const mtime = statSync(a.path).mtimeMs;
    const t1 = performance.now();
    const b = await buildMedium(cache, { kind: "iso", from: src, label: "CIDATA" });
    const second = performance.now() - t1;
    expect(a.reused).toBe(false);
    expect(b.reused).toBe(true);
    expect(b.path).toBe(a.path);
    expect(statSync(b.path).mtimeMs).toBe(mtime);
    console.log(`first build ${first.toFixed(1)} ms, cached ${second.toFixed(1)} ms`);
  });

  test("a changed content, mode, name or option gives a new image", async () => {
    const src = folder("changes");
    const cache = join(root, "cache2");
    const base = await buildMedium(cache, { kind: "floppy", from: src, label: "DRV" });
    writeFileSync(join(src, "user-data"), "#cloud-config\nhostname: x\n");
    const content = await buildMedium(cache, { kind: "floppy", from: src, label: "DRV" });
    chmodSync(join(src, "user-data"), 0o600);
    const mode = await buildMedium(cache, { kind: "floppy", from: src, label: "DRV" });
    writeFileSync(join(src, "meta-data"), "");
    const name = await buildMedium(cache, { kind: "floppy", from: src, label: "DRV" });
    const label = await buildMedium(cache, { kind: "floppy", from: src, label: "OTHER" });
    const paths = [base, content, mode, name, label].map((m) => m.path);
    expect(new Set(paths).size).toBe(5);
    expect([content, mode, name, label].every((m) => !m.reused)).toBe(true);
  });

  test("a failed build leaves no image and no temporary file", async () => {
    const src = folder("toolarge");
    writeFileSync(join(src, "huge.bin"), Buffer.alloc(2 << 20));
    const cache = join(root, "cache3");
    await expect(buildMedium(cache, { kind: "floppy", from: src })).rejects.toMatchObject({ code: "media.too_large" });
    expect(readdirSync(cache).filter((f) => f !== "hashes.json")).toEqual([]);
  });

  test("a missing folder is a coded error naming it", async () => {
    await expect(buildMedium(join(root, "c4"), { kind: "iso", from: join(root, "nope") })).rejects.toMatchObject({
      code: "media.source_not_found",
      subject: join(root, "nope"),
    });
  });
});
