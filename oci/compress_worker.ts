/**
 * Worker-thread entry for push: reads a slice of the image file and
 * compresses it as one zstd frame, with buffers reused across jobs (see
 * zstd.ts for why). Messages in: `{ id, file, offset, length, level }`;
 * out: `{ id, bytes }` (the frame, its buffer transferred) or `{ id, error }`.
 * The main thread never touches raw image bytes when pushing.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { compressBound, compressInto } from "./zstd.ts";

declare const self: Worker;

interface Job {
  readonly id: number;
  readonly file: string;
  readonly offset: number;
  readonly length: number;
  readonly level: number;
}

let fd: { path: string; fd: number } | undefined;
let input = new Uint8Array(0);
let output = new Uint8Array(0);

self.onmessage = (ev: MessageEvent<Job | { close: true }>) => {
  const job = ev.data;
  if ("close" in job) {
    if (fd) closeSync(fd.fd);
    process.exit(0);
  }
  try {
    if (fd?.path !== job.file) {
      if (fd) closeSync(fd.fd);
      fd = { path: job.file, fd: openSync(job.file, "r") };
    }
    if (input.length < job.length) input = new Uint8Array(job.length);
    const bound = compressBound(job.length);
    if (output.length < bound) output = new Uint8Array(bound);
    let got = 0;
    while (got < job.length) {
      const n = readSync(fd.fd, input, got, job.length - got, job.offset + got);
      if (n === 0) throw new Error(`the image ended early at byte ${job.offset + got}`);
      got += n;
    }
    const n = compressInto(input.subarray(0, job.length), output, job.level);
    const bytes = output.slice(0, n);
    self.postMessage({ id: job.id, bytes }, [bytes.buffer]);
  } catch (e) {
    self.postMessage({ id: job.id, error: (e as Error).message });
  }
};
