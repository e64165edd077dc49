/**
 * The output side of every writer: an image file written at explicit offsets,
 * with file contents streamed from the source through one reusable buffer.
 *
 * Memory stays flat whatever the folder size: at most `COPY_CHUNK_BYTES` of
 * file data is held at a time. Regions never written (padding, free space)
 * stay holes of the sparse output file and read back as zeros, so writers
 * only write what is not zero.
 */
import { open, type FileHandle } from "node:fs/promises";
import { CodedError } from "../errors/mod.ts";

/** Bytes read from a source file per read/write round. */
export const COPY_CHUNK_BYTES = 8 << 20;

export class ImageSink {
  #buf: Buffer | undefined;
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

  /**
   * Copy `size` bytes of the host file `src` to `pos`. The file must still
   * have exactly `size` bytes: a file that changed while the image was being
   * written fails the build rather than producing a torn image.
   */
  async copyFile(src: string, pos: number, size: number, patch?: (chunk: Buffer, offset: number) => void): Promise<void> {
    if (size === 0) return;
    this.#buf ??= Buffer.allocUnsafe(COPY_CHUNK_BYTES);
    const buf = this.#buf;
    const fh = await open(src, "r");
    try {
      let off = 0;
      while (off < size) {
        const want = Math.min(buf.length, size - off);
        const { bytesRead } = await fh.read(buf, 0, want, off);
        if (bytesRead === 0) break;
        const chunk = buf.subarray(0, bytesRead);
        patch?.(chunk, off);
        await this.writeAt(pos + off, chunk);
        off += bytesRead;
      }
      const { bytesRead: extra } = await fh.read(buf, 0, 1, off);
      if (off !== size || extra !== 0) {
        throw new CodedError("media.source_changed", `${src} changed size while the image was being written`, { subject: src, hint: "Build the medium again once nothing writes to its folder." });
      }
      this.copied += size;
    } finally {
      await fh.close();
    }
  }

  /** Set the image's final length (extending with a hole) and close it. Durability (fsync) is the caller's choice. */
  async finish(length: number): Promise<void> {
    await this.fh.truncate(length);
    await this.fh.close();
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}
