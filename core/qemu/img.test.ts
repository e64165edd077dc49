import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertImage, createImage, createLinkedClone, imageInfo, ImgError, snapshots } from "./img.ts";

// These run the real qemu-img (a required host tool); they take milliseconds.
const dir = mkdtempSync(join(tmpdir(), "vmlab-img-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("qemu-img wrapper", () => {
  const base = join(dir, "base.qcow2");
  createImage(base, 64 * 2 ** 20);

  test("info reports format and virtual size", () => {
    const i = imageInfo(base);
    expect(i).toMatchObject({ format: "qcow2", virtualSize: 64 * 2 ** 20, snapshots: [] });
    expect(i.backingFile).toBeUndefined();
  });

  test("a linked clone records its backing file and format", () => {
    const clone = join(dir, "clone.qcow2");
    createLinkedClone(base, clone);
    expect(imageInfo(clone)).toMatchObject({ format: "qcow2", backingFile: base, backingFormat: "qcow2", virtualSize: 64 * 2 ** 20 });
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  test("a clone can be larger than its base", () => {
    const clone = join(dir, "big.qcow2");
    createLinkedClone(base, clone, { sizeBytes: 128 * 2 ** 20 });
    expect(imageInfo(clone).virtualSize).toBe(128 * 2 ** 20);
  });

  test("a clone of a missing base fails with qemu-img's reason and leaves nothing behind", () => {
    const clone = join(dir, "orphan.qcow2");
    let err: unknown;
    try {
      createLinkedClone(join(dir, "nope.qcow2"), clone);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ImgError);
    expect((err as ImgError).message).toContain("nope.qcow2");
    expect(existsSync(clone)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  test("convert flattens a clone into a standalone image", () => {
    const clone = join(dir, "c2.qcow2");
    createLinkedClone(base, clone);
    const flat = join(dir, "flat.qcow2");
    convertImage(clone, flat, "qcow2", { compress: true });
    expect(imageInfo(flat).backingFile).toBeUndefined();
  });

  test("internal snapshots can be created, listed, applied and deleted", () => {
    const img = join(dir, "snap.qcow2");
    createImage(img, 16 * 2 ** 20);
    snapshots.create(img, "clean");
    snapshots.create(img, "after-install");
    expect(snapshots.list(img).map((s) => s.name)).toEqual(["clean", "after-install"]);
    snapshots.apply(img, "clean");
    snapshots.delete(img, "after-install");
    expect(snapshots.list(img).map((s) => s.name)).toEqual(["clean"]);
    expect(() => snapshots.apply(img, "missing")).toThrow(ImgError);
  });
});
