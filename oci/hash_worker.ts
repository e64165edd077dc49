/**
 * Worker-thread entry for pull: hashes the image file being assembled, in
 * order, as far as the main thread says it is written — so the whole-image
 * SHA-256 is computed on another core while layers still stream in.
 * Messages in: `{ file }` once, then `{ upTo }` (bytes from 0 that are
 * final), then `{ finish: total }`; out: `{ digest }` or `{ error }`.
 */
import { closeSync, openSync, readSync } from "node:fs";

declare const self: Worker;

const SLICE = 16 * 1024 * 1024;
const h = new Bun.CryptoHasher("sha256");
const buf = new Uint8Array(SLICE);
let fd: number | undefined;
let hashed = 0;
let target = 0;
let total: number | undefined;

function pump(): void {
  try {
    while (fd !== undefined && hashed < target) {
      const n = readSync(fd, buf, 0, Math.min(SLICE, target - hashed), hashed);
      if (n === 0) throw new Error(`the image is shorter than ${target} bytes`);
      h.update(buf.subarray(0, n));
      hashed += n;
    }
    if (total !== undefined && hashed === total) {
      if (fd !== undefined) closeSync(fd);
      self.postMessage({ digest: `sha256:${h.digest("hex")}` });
    }
  } catch (e) {
    self.postMessage({ error: (e as Error).message });
  }
}

self.onmessage = (ev: MessageEvent<{ file?: string; upTo?: number; finish?: number }>) => {
  if (ev.data.file !== undefined) fd = openSync(ev.data.file, "r");
  if (ev.data.upTo !== undefined) target = Math.max(target, ev.data.upTo);
  if (ev.data.finish !== undefined) {
    total = ev.data.finish;
    target = total;
  }
  pump();
};
