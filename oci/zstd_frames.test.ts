import { describe, expect, test } from "bun:test";
import { FrameSplitter } from "./zstd_frames.ts";

function sample(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = i % 7 === 0 ? x >>> 24 : (i >> 5) & 0xff; // compressible with some noise
  }
  return out;
}

describe("FrameSplitter", () => {
  const parts = [sample(300_000, 1), new Uint8Array(200_000), sample(5, 3)];
  const frames = parts.map((p) => Bun.zstdCompressSync(p, { level: 3 }));
  const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let o = 0;
  for (const f of frames) {
    stream.set(f, o);
    o += f.length;
  }

  test("splits concatenated frames fed in odd-sized pieces, each decompressing on its own", () => {
    for (const step of [1, 7, 4096, stream.length]) {
      const s = new FrameSplitter("sha256:x");
      const got: Uint8Array[] = [];
      for (let i = 0; i < stream.length; i += step) got.push(...s.push(stream.subarray(i, i + step)));
      s.finish();
      expect(got.length).toBe(3);
      got.forEach((f, i) => expect(Buffer.from(Bun.zstdDecompressSync(f)).equals(Buffer.from(parts[i]!))).toBe(true));
    }
  });

  test("drops skippable frames", () => {
    const skip = new Uint8Array([0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 9, 9]);
    const s = new FrameSplitter("d");
    const got = [...s.push(skip), ...s.push(frames[2]!)];
    s.finish();
    expect(got.length).toBe(1);
  });

  test("reports a truncated stream and bad magic with the blob's name", () => {
    const s = new FrameSplitter("sha256:abc");
    s.push(stream.subarray(0, stream.length - 3));
    expect(() => s.finish()).toThrow(/sha256:abc.*ends inside a frame/);
    expect(() => new FrameSplitter("d").push(new Uint8Array(16).fill(1))).toThrow(/bad frame magic/);
  });

  test("never throws anything but a coded error on random bytes", () => {
    let seed = 7;
    for (let i = 0; i < 300; i++) {
      const junk = sample(64 + (i % 50), seed++);
      junk.set([0x28, 0xb5, 0x2f, 0xfd], 0);
      try {
        const s = new FrameSplitter("d", 1 << 20);
        s.push(junk);
        s.finish();
      } catch (e) {
        expect((e as { code?: string }).code).toBe("oci.blob_invalid");
      }
    }
  });
});
