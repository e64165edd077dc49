/**
 * Portable template archives: one `.tar.zst` holding `template.wcl` then
 * `disk.qcow2` (PRD §6.2, the offline/sneakernet sharing path).
 *
 * Contract: both directions stream — the disk passes through in
 * `ARCHIVE_CHUNK` pieces and memory stays flat however large it is.
 * `writeArchive` hashes the disk as it reads it and refuses to finish when
 * the hash differs from the metadata (`template.corrupt`); the output
 * appears under its final name only when complete (temp + rename).
 * `readArchive` unpacks into a caller-owned staging directory, checks the
 * entry order and names, that the disk size and SHA-256 match the metadata,
 * and reports every problem as a `StoreError` (`store.archive_invalid`,
 * `store.archive_checksum`, `store.io_failed`); cleaning the staging
 * directory is the caller's job.
 *
 * Compression: zstd from `node:zlib` (in Bun), in-process, with the frame
 * checksum on. Chosen over the `zstd` binary so that vmlab keeps to "the
 * binary plus QEMU" (DESIGN §2) and a missing tool cannot break export; it is
 * slower than multi-threaded `zstd` (~200 MB/s here) but never the
 * bottleneck next to hashing and disk I/O. Any `zstd`/`tar --zstd` reads the
 * archives we write. A truncated zstd stream does not raise an error in the
 * decoder, so truncation is caught by the tar layer and the size/hash checks.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, rmSync, renameSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { constants, createZstdCompress, createZstdDecompress } from "node:zlib";
import { CodedError } from "../errors/mod.ts";
import { assertReplaceable } from "../fs/replace.ts";
import { asStoreError, ioError, StoreError } from "./errors.ts";
import { parseMetadata, type TemplateMetadata } from "./metadata.ts";
import { TEMPLATE_DISK, TEMPLATE_METADATA } from "./paths.ts";
import { endOfArchive, fileHeader, paddingFor, TarReader } from "./tar.ts";

/** Bytes read from the disk per step. */
export const ARCHIVE_CHUNK = 1 << 20;
/** zstd level: 3 is zstd's own default, a good speed/size balance for disk images. */
export const ARCHIVE_ZSTD_LEVEL = 3;
/** Largest `template.wcl` accepted from an archive. */
export const MAX_METADATA_BYTES = 1 << 20;

/** Progress callback: bytes done of total. */
export type Progress = (done: number, total: number) => void;

export interface WriteArchiveInput {
  readonly metadataText: string;
  readonly metadata: TemplateMetadata;
  readonly diskPath: string;
}

/** Export a template (metadata + disk) to `out` (`.tar.zst`). */
export async function writeArchive(input: WriteArchiveInput, out: string, onProgress?: Progress): Promise<void> {
  const { metadata, diskPath } = input;
  const ref = `${metadata.arch}/${metadata.name}@${metadata.version}`;
  const meta = new TextEncoder().encode(input.metadataText);
  assertReplaceable(out, "export destination");
  const tmp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}`);
  let size: number;
  try {
    size = statSync(diskPath).size;
  } catch (e) {
    throw ioError("read", diskPath, e);
  }
  const hash = createHash("sha256");
  let done = 0;
  const mtime = Math.floor(Date.parse(metadata.created) / 1000);
  async function* tarStream(): AsyncGenerator<Uint8Array> {
    yield fileHeader(TEMPLATE_METADATA, meta.length, mtime);
    yield meta;
    yield new Uint8Array(paddingFor(meta.length));
    yield fileHeader(TEMPLATE_DISK, size, mtime);
    const fh = await open(diskPath, "r");
    try {
      while (done < size) {
        // A fresh buffer per chunk: downstream stages may still hold the previous one.
        const buf = Buffer.allocUnsafe(Math.min(ARCHIVE_CHUNK, size - done));
        const { bytesRead } = await fh.read(buf, 0, buf.length, done);
        if (bytesRead === 0)
          throw new StoreError({
            code: "template.corrupt",
            ref,
            path: diskPath,
            message: `${diskPath} shrank while it was being exported`,
            hint: "templates must not change in the store; re-import or rebuild it",
          });
        const chunk = buf.subarray(0, bytesRead);
        hash.update(chunk);
        done += bytesRead;
        onProgress?.(done, size);
        yield chunk;
      }
    } finally {
      await fh.close();
    }
    yield new Uint8Array(paddingFor(size));
    yield endOfArchive();
  }
  try {
    await pipeline(
      Readable.from(tarStream()),
      createZstdCompress({ params: { [constants.ZSTD_c_compressionLevel]: ARCHIVE_ZSTD_LEVEL, [constants.ZSTD_c_checksumFlag]: 1 } }),
      createWriteStream(tmp, { mode: 0o644 }),
    );
    if (size !== metadata.disk.size || hash.digest("hex") !== metadata.disk.sha256) {
      throw new StoreError({
        code: "template.corrupt",
        ref,
        path: diskPath,
        message: `${ref} is corrupt: its disk no longer matches the SHA-256 recorded in its metadata`,
        hint: `remove it with \`vmlab template rm ${ref}\` and import or build it again`,
      });
    }
    // Checked again just before the rename: the export may have taken minutes.
    assertReplaceable(out, "export destination");
    renameSync(tmp, out);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e instanceof CodedError) throw e;
    throw asStoreError("write", out, e);
  }
}

export interface ReadArchiveResult {
  readonly metadata: TemplateMetadata;
  readonly metadataText: string;
}

function invalid(path: string, reason: string): StoreError {
  return new StoreError({
    code: "store.archive_invalid",
    path,
    message: `${path} is not a usable template archive: ${reason}`,
    hint: "make sure the file was copied completely; re-create it with `vmlab template export`",
  });
}

/**
 * Unpack the archive `file` into `stageDir` (which must exist and be empty):
 * afterwards it holds `template.wcl` and `disk.qcow2`, verified.
 */
export async function readArchive(file: string, stageDir: string, onProgress?: Progress): Promise<ReadArchiveResult> {
  let total: number;
  try {
    const st = statSync(file);
    // A FIFO would block the import and a device (/dev/zero) would stream forever: archives are files.
    if (!st.isFile()) throw invalid(file, "it is not a regular file");
    total = st.size;
  } catch (e) {
    if (e instanceof StoreError) throw e;
    if ((e as { code?: string }).code === "ENOENT")
      throw new StoreError({ code: "store.source_missing", path: file, message: `archive ${file} does not exist`, hint: "check the path" });
    throw ioError("read", file, e);
  }
  let read = 0;
  async function* counted(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const c of src) {
      read += c.length;
      onProgress?.(read, total);
      yield c;
    }
  }
  let result: ReadArchiveResult | undefined;
  const unpack = async (src: AsyncIterable<Uint8Array>): Promise<void> => {
    const tar = new TarReader(src);
    const first = await tar.next();
    if (!first.ok) throw invalid(file, first.reason);
    if (first.header === undefined || first.header.name.replace(/^\.\//, "") !== TEMPLATE_METADATA)
      throw invalid(file, `expected ${TEMPLATE_METADATA} as its first entry`);
    if (first.header.size > MAX_METADATA_BYTES) throw invalid(file, `${TEMPLATE_METADATA} is implausibly large`);
    const parts: Uint8Array[] = [];
    const mb = await tar.body((c) => {
      parts.push(c.slice());
    });
    if (!mb.ok) throw invalid(file, mb.reason);
    const metadataText = new TextDecoder().decode(Buffer.concat(parts));
    const parsed = parseMetadata(metadataText, `${file}:${TEMPLATE_METADATA}`);
    if (!parsed.ok) throw invalid(file, parsed.reason);
    const metadata = parsed.metadata;
    const second = await tar.next();
    if (!second.ok) throw invalid(file, second.reason);
    if (second.header === undefined || second.header.name.replace(/^\.\//, "") !== TEMPLATE_DISK)
      throw invalid(file, `expected ${TEMPLATE_DISK} as its second entry`);
    if (second.header.size !== metadata.disk.size)
      throw invalid(file, `${TEMPLATE_DISK} is ${second.header.size} bytes but the metadata says ${metadata.disk.size}`);
    const diskPath = join(stageDir, TEMPLATE_DISK);
    const hash = createHash("sha256");
    const fh = await open(diskPath, "wx", 0o644).catch((e: unknown) => {
      throw ioError("create", diskPath, e);
    });
    try {
      const db = await tar.body(async (c) => {
        hash.update(c);
        try {
          await fh.write(c);
        } catch (e) {
          throw ioError("write", diskPath, e);
        }
      });
      if (!db.ok) throw invalid(file, db.reason);
    } finally {
      await fh.close();
    }
    const end = await tar.next();
    if (!end.ok) throw invalid(file, end.reason);
    if (end.header !== undefined) throw invalid(file, `unexpected extra entry ${end.header.name}`);
    if (hash.digest("hex") !== metadata.disk.sha256) {
      throw new StoreError({
        code: "store.archive_checksum",
        path: file,
        message: `${file}: the disk's SHA-256 does not match its metadata (the archive is damaged)`,
        hint: "copy the archive again, or re-create it with `vmlab template export`",
      });
    }
    try {
      await Bun.write(join(stageDir, TEMPLATE_METADATA), metadataText);
    } catch (e) {
      throw ioError("write", join(stageDir, TEMPLATE_METADATA), e);
    }
    result = { metadata, metadataText };
  };
  try {
    await pipeline(createReadStream(file), counted, createZstdDecompress(), unpack);
  } catch (e) {
    if (e instanceof StoreError) throw e;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (code.startsWith("ZSTD") || code.startsWith("ERR_ZSTD") || code.startsWith("Z_") || code === "ERR__ZLIB"))
      throw invalid(file, `zstd: ${(e as Error).message}`);
    if (typeof code === "string" && code.startsWith("E") && !code.startsWith("ERR")) throw ioError("read", file, e);
    throw invalid(file, (e as Error).message);
  }
  if (result === undefined) throw invalid(file, "archive ended early");
  return result;
}
