/**
 * Worker-thread entry for pull: one layer's compressed bytes in, the image
 * region written out. Cuts the stream into zstd frames (`zstd_frames.ts`),
 * decodes each into a reused buffer (`zstd.ts`) and writes it at its place
 * in the image, leaving all-zero blocks as holes unless `dense`. The main
 * thread only reads the network and hashes, so decoding and writing run on
 * another core.
 *
 * Messages in: `{ start: { file, base, rawSize, dense, subject } }`, then
 * `{ bytes }` pieces (transferred), then `{ end: true }`. Out: `{ written }`
 * after each frame, `{ done: written }` at the end, or `{ error: { code,
 * message } }` (the worker then ignores further input).
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { FrameSplitter } from "./zstd_frames.ts";
import { decompressFrame } from "./zstd.ts";

declare const self: Worker;

/** Granularity of hole detection. */
const SPARSE_BLOCK = 64 * 1024;
const FRAME_OUT_BYTES = 16 * 1024 * 1024;
const ZERO = new Uint8Array(SPARSE_BLOCK);

interface Start {
  readonly file: string;
  readonly base: number;
  readonly rawSize: number;
  readonly dense: boolean;
  readonly subject: string;
}

let job: { s: Start; fd: number; splitter: FrameSplitter; written: number } | undefined;
let failed = false;
const out = new Uint8Array(FRAME_OUT_BYTES);

const ZERO_BUF = Buffer.from(ZERO.buffer);

function isZero(b: Uint8Array): boolean {
  return b.length === SPARSE_BLOCK ? ZERO_BUF.equals(b) : b.every((x) => x === 0);
}

function writeAll(fd: number, data: Uint8Array, pos: number): void {
  let w = 0;
  while (w < data.length) w += writeSync(fd, data, w, data.length - w, pos + w);
}

function place(j: NonNullable<typeof job>, data: Uint8Array): void {
  const pos = j.s.base + j.written;
  if (j.s.dense) writeAll(j.fd, data, pos);
  else {
    let run = -1;
    for (let off = 0; off < data.length; off += SPARSE_BLOCK) {
      const end = Math.min(off + SPARSE_BLOCK, data.length);
      if (isZero(data.subarray(off, end))) {
        if (run >= 0) writeAll(j.fd, data.subarray(run, off), pos + run);
        run = -1;
      } else if (run < 0) run = off;
    }
    if (run >= 0) writeAll(j.fd, data.subarray(run), pos + run);
  }
  j.written += data.length;
}

function fail(e: unknown): void {
  failed = true;
  const err = e as { code?: string; message?: string };
  self.postMessage({
    error: { code: typeof err.code === "string" && err.code.includes(".") ? err.code : "oci.write_failed", message: err.message ?? String(e) },
  });
}

self.onmessage = (ev: MessageEvent<{ start?: Start; bytes?: Uint8Array; end?: boolean }>) => {
  if (failed) return;
  try {
    const m = ev.data;
    if (m.start) {
      job = { s: m.start, fd: openSync(m.start.file, "r+"), splitter: new FrameSplitter(m.start.subject, undefined, true), written: 0 };
      return;
    }
    const j = job;
    if (!j) return;
    if (m.bytes) {
      for (const frame of j.splitter.push(m.bytes)) {
        const data = decompressFrame(frame, out, j.s.subject);
        if (j.written + data.length > j.s.rawSize)
          throw Object.assign(new Error(`layer ${j.s.subject} decompresses to more than its ${j.s.rawSize} bytes`), { code: "oci.digest_mismatch" });
        place(j, data);
        self.postMessage({ written: j.written });
      }
    }
    if (m.end) {
      j.splitter.finish();
      closeSync(j.fd);
      self.postMessage({ done: j.written });
    }
  } catch (e) {
    fail(e);
  }
};
