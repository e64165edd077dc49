/**
 * The output side of every writer: an image file written at explicit offsets,
 * with file contents streamed from the source.
 *
 * Memory stays flat whatever the folder size: large files are copied
 * through two `COPY_CHUNK_BYTES` buffers (the next chunk is read while the
 * previous one is written); small files are read straight into one
 * `COALESCE_BYTES` write-behind buffer, so a thousand small files that lie
 * next to each other in the image cost a few large writes instead of a
 * thousand small ones. The padding between such files is zero-filled in the
 * buffer; regions never written stay holes of the sparse output file and
 * read back as zeros, so writers only write what is not zero.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { CodedError } from "../errors/mod.ts";

/** Bytes read from a large source file per round (two such buffers). */
export const COPY_CHUNK_BYTES = 8 << 20;
/** Size of the write-behind buffer for small files. */
export const COALESCE_BYTES = 8 << 20;
/** Files up to this size go through the write-behind buffer (read synchronously: microseconds each). */
export const SMALL_FILE_BYTES = 1 << 20;
/** Largest gap between buffered files that is zero-filled rather than flushed. */
const MAX_GAP_BYTES = 64 << 10;

function changed(src: string): CodedError {
  return new CodedError("media.source_changed", `${src} changed size while the image was being written`, {
    subject: src,
    hint: "Build the medium again once nothing writes to its folder.",
  });
}

export class ImageSink {
  #bufs: [Buffer, Buffer] | undefined;
  #pend: Buffer | undefined;
  #pendPos = 0;
  #pendLen = 0;
  /** Bytes of file content copied so far (for progress and benchmarks). */
  copied = 0;

  private constructor(readonly fh: FileHandle) {}

  /** Create (truncate) the image file at `path`. */
  static async create(path: string): Promise<ImageSink> {
    return new ImageSink(await open(path, "w", 0o644));
  }

  async writeAt(pos: number, data: Uint8Array): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, pos + done);
      done += bytesWritten;
    }
  }

  async #flush(): Promise<void> {
    if (this.#pend && this.#pendLen > 0) await this.writeAt(this.#pendPos, this.#pend.subarray(0, this.#pendLen));
    this.#pendLen = 0;
  }

  /**
   * Copy `size` bytes of the host file `src` to `pos`. The file must still
   * have exactly `size` bytes: a file that changed while the image was being
   * written fails the build rather than producing a torn image.
   */
  async copyFile(src: string, pos: number, size: number): Promise<void> {
    if (size === 0) return;
    if (size <= SMALL_FILE_BYTES) await this.#copySmall(src, pos, size);
    else {
      await this.#flush();
      await this.#copyLarge(src, pos, size);
    }
    this.copied += size;
  }

  async #copySmall(src: string, pos: number, size: number): Promise<void> {
    this.#pend ??= Buffer.alloc(COALESCE_BYTES);
    const end = this.#pendPos + this.#pendLen;
    const gap = pos - end;
    if (this.#pendLen === 0 || gap < 0 || gap > MAX_GAP_BYTES || this.#pendLen + gap + size > COALESCE_BYTES) {
      await this.#flush();
      this.#pendPos = pos;
    } else {
      this.#pend.fill(0, this.#pendLen, this.#pendLen + gap);
      this.#pendLen += gap;
    }
    const fd = openSync(src, "r");
    try {
      if (fstatSync(fd).size !== size) throw changed(src);
      let got = 0;
      while (got < size) {
        const n = readSync(fd, this.#pend, this.#pendLen + got, size - got, got);
        if (n === 0) throw changed(src);
        got += n;
      }
    } finally {
      closeSync(fd);
    }
    this.#pendLen += size;
  }

  async #copyLarge(src: string, pos: number, size: number): Promise<void> {
    this.#bufs ??= [Buffer.allocUnsafe(COPY_CHUNK_BYTES), Buffer.allocUnsafe(COPY_CHUNK_BYTES)];
    const bufs = this.#bufs;
    const fh = await open(src, "r");
    let writing: Promise<void> = Promise.resolve();
    try {
      let off = 0;
      for (let i = 0; off < size; i++) {
        const buf = bufs[i % 2] as Buffer;
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - off), off);
        if (bytesRead === 0) break;
        await writing; // the write of the other buffer
        writing = this.writeAt(pos + off, buf.subarray(0, bytesRead));
        off += bytesRead;
      }
      await writing;
      const { bytesRead: extra } = await fh.read(bufs[0], 0, 1, off);
      if (off !== size || extra !== 0) throw changed(src);
    } finally {
      await writing.catch(() => undefined);
      await fh.close();
    }
  }

  /** Flush, set the image's final length (extending with a hole) and close it. Durability (fsync) is the caller's choice. */
  async finish(length: number): Promise<void> {
    await this.#flush();
    await this.fh.truncate(length);
    await this.fh.close();
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}
