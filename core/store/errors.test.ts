import { describe, expect, test } from "bun:test";
import { asStoreError, ioError, notFound, StoreError } from "./errors.ts";

describe("store errors", () => {
  test("a full disk becomes a clear store.io_failed naming the path", () => {
    const e = ioError("write", "/s/disk.qcow2", Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }));
    expect(e.toJSON()).toEqual({
      code: "store.io_failed",
      subject: "/s/disk.qcow2",
      detail: { path: "/s/disk.qcow2" },
      message: "cannot write /s/disk.qcow2: no space left on device",
      hint: expect.stringContaining("free some disk space"),
    });
  });

  test("store errors pass through asStoreError unchanged", () => {
    const e = notFound("x86_64/a@1", []);
    expect(asStoreError("read", "/x", e)).toBe(e);
    expect(asStoreError("read", "/x", new Error("boom"))).toBeInstanceOf(StoreError);
  });

  test("a missing template lists the versions that exist", () => {
    expect(notFound("x86_64/a@3", ["1", "2"]).message).toBe("template x86_64/a@3 is not in the store; versions in the store: 1, 2");
  });
});
