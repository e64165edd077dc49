import { describe, expect, test } from "bun:test";
import { compressBound, compressInto, decompressFrame, libzstd } from "./zstd.ts";

const sample = new Uint8Array(3_000_000).map((_, i) => (i % 251) ^ (i >> 12));

describe("zstd frames", () => {
  test("libzstd is found on a host with qemu-utils", () => {
    expect(libzstd()).toBeDefined();
  });
  test("compressInto() and decompressFrame() round-trip into reused buffers", () => {
    const out = new Uint8Array(compressBound(sample.length));
    const n = compressInto(sample, out, 3);
    expect(n).toBeLessThan(sample.length);
    const frame = out.slice(0, n);
    const dst = new Uint8Array(4 << 20);
    const back = decompressFrame(frame, dst, "d");
    expect(back.buffer).toBe(dst.buffer);
    expect(Buffer.from(back).equals(Buffer.from(sample))).toBe(true);
  });
  test("frames from Bun's own zstd decode too, and a frame larger than the buffer gets fresh memory", () => {
    const frame = Bun.zstdCompressSync(sample, { level: 3 });
    const small = new Uint8Array(1024);
    const back = decompressFrame(frame, small, "d");
    expect(back.buffer).not.toBe(small.buffer);
    expect(Buffer.from(back).equals(Buffer.from(sample))).toBe(true);
  });
  test("a corrupt frame is oci.blob_invalid naming the blob", () => {
    const frame = Bun.zstdCompressSync(sample, { level: 3 });
    frame[frame.length >> 1] = (frame[frame.length >> 1] ?? 0) ^ 0x55;
    frame[20] = (frame[20] ?? 0) ^ 0x55;
    let err: unknown;
    try {
      const out = decompressFrame(frame, new Uint8Array(4 << 20), "sha256:abc");
      // zstd without a checksum may decode garbage of the right size; then the layer digest catches it
      expect(out.length).toBe(sample.length);
    } catch (e) {
      err = e;
    }
    if (err !== undefined) expect(err).toMatchObject({ code: "oci.blob_invalid", subject: "sha256:abc" });
  });
});
