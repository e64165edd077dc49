/**
 * File copy through the guest agent: `guest-file-open/read/write/close`.
 *
 * Contract: `readGuestFileChunks()` yields the guest file's bytes in order, in chunks
 * of at most `FILE_CHUNK_BYTES`; `writeGuestFile()` takes bytes or any (async)
 * iterable of byte chunks, re-chunks them and writes them in order. Content is
 * byte-exact (base64 on the wire). The guest handle is always closed, also when a
 * chunk fails or the consumer stops early. A short write is an error
 * (`qga.short_write`). `mode` is applied with `chmod` through `guest-exec` because
 * `guest-file-open` has no permission argument.
 *
 * Writes are atomic in the guest (issue #19 item 12): the bytes go to a temp name
 * beside the destination (`.<name>.vmlab-<random>.tmp`), `mode` is applied to it,
 * and it is renamed over the destination (`mv -f`, or `cmd /c move /y` where there
 * is no `mv`). A failed write (a full guest disk) removes the temp file and leaves
 * the destination as it was — never a partial file.
 *
 * Chunk size: 1 MiB raw (≈1.4 MB of base64 per message) keeps the number of round
 * trips low — they dominate under TCG — while staying far below qemu-ga's 64 MiB JSON
 * token limit and its 48 MiB read cap.
 */
import type { QgaChannel } from "./channel.ts";
import { QgaError } from "./errors.ts";
import { execInGuest } from "./exec.ts";
import { fromBase64, parseReply, toBase64 } from "./reply.ts";
import { fileHandleSchema, guestFileReadSchema, guestFileWriteSchema } from "./types.ts";

/** Raw bytes per `guest-file-read` / `guest-file-write`. */
export const FILE_CHUNK_BYTES = 1024 * 1024;
/** Default limit for one chunk's round trip. */
export const FILE_CHUNK_TIMEOUT_MS = 30_000;

/** Options for file transfers. */
export interface FileTransferOptions {
  /** Limit per chunk round trip (default 30 s). */
  chunkTimeoutMs?: number;
  /** Called after each chunk with the total bytes moved so far. */
  onProgress?: (bytes: number) => void;
}

/** Options for writing a guest file. */
export interface WriteFileOptions extends FileTransferOptions {
  /** Permission bits applied after writing (e.g. `0o755`), via `chmod` in the guest. */
  mode?: number;
}

/** Streams the guest file at `guestPath` in chunks. */
export async function* readGuestFileChunks(ch: QgaChannel, guestPath: string, opts: FileTransferOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const timeoutMs = opts.chunkTimeoutMs ?? FILE_CHUNK_TIMEOUT_MS;
  const handle = await openFile(ch, guestPath, "r", timeoutMs);
  let total = 0;
  let failed = false;
  try {
    for (;;) {
      const raw = await ch.request("guest-file-read", { handle, count: FILE_CHUNK_BYTES }, { timeoutMs });
      const r = parseReply(ch.path, "guest-file-read", guestFileReadSchema, raw);
      const bytes = fromBase64(r["buf-b64"]);
      total += bytes.length;
      if (bytes.length > 0) {
        opts.onProgress?.(total);
        yield bytes;
      }
      if (r.eof || bytes.length === 0) return;
    }
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    await closeFile(ch, handle, timeoutMs, failed);
  }
}

/** Reads the whole guest file at `guestPath`. */
export async function readGuestFile(ch: QgaChannel, guestPath: string, opts: FileTransferOptions = {}): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of readGuestFileChunks(ch, guestPath, opts)) {
    parts.push(part);
    size += part.length;
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Byte sources accepted by `writeGuestFile`. */
export type ByteSource = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** The temp name a write goes to before it is renamed over `guestPath` (same directory, so the rename is atomic). */
export function guestTempPath(guestPath: string, token = Math.random().toString(36).slice(2, 10)): string {
  const cut = Math.max(guestPath.lastIndexOf("/"), guestPath.lastIndexOf("\\"));
  return `${guestPath.slice(0, cut + 1)}.${guestPath.slice(cut + 1)}.vmlab-${token}.tmp`;
}

/** Writes `data` to the guest file at `guestPath` atomically (temp name, then rename); creates or replaces it. */
export async function writeGuestFile(ch: QgaChannel, guestPath: string, data: ByteSource, opts: WriteFileOptions = {}): Promise<void> {
  const timeoutMs = opts.chunkTimeoutMs ?? FILE_CHUNK_TIMEOUT_MS;
  // A device or FIFO (`/dev/null`, a named pipe) is written as it is: renaming a
  // regular temp file over it would replace the device node in the guest.
  if (await isSpecialFile(ch, guestPath, timeoutMs)) {
    await writeInPlace(ch, guestPath, data, opts, timeoutMs);
    return;
  }
  const tmp = guestTempPath(guestPath);
  try {
    await writeInPlace(ch, tmp, data, opts, timeoutMs);
    if (opts.mode !== undefined) await chmodInGuest(ch, tmp, opts.mode, timeoutMs);
    await renameInGuest(ch, tmp, guestPath, timeoutMs);
  } catch (err) {
    if (!ch.isClosed) await removeInGuest(ch, tmp, timeoutMs).catch(() => undefined);
    throw err;
  }
}

/** Whether `guestPath` exists and is neither a regular file nor a directory (POSIX guests; false where `sh` is missing). */
async function isSpecialFile(ch: QgaChannel, guestPath: string, timeoutMs: number): Promise<boolean> {
  try {
    const r = await execInGuest(ch, "sh", ["-c", 'test -e "$1" && ! test -f "$1" && ! test -d "$1"', "sh", guestPath], { timeoutMs });
    return r.exitCode === 0;
  } catch {
    return false;
  }
}

async function writeInPlace(ch: QgaChannel, guestPath: string, data: ByteSource, opts: WriteFileOptions, timeoutMs: number): Promise<void> {
  const handle = await openFile(ch, guestPath, "w", timeoutMs);
  let total = 0;
  let failed = false;
  try {
    for await (const chunk of rechunk(data, FILE_CHUNK_BYTES)) {
      const raw = await ch.request("guest-file-write", { handle, "buf-b64": toBase64(chunk) }, { timeoutMs });
      const r = parseReply(ch.path, "guest-file-write", guestFileWriteSchema, raw);
      if (r.count !== chunk.length) {
        throw new QgaError({
          code: "qga.short_write",
          path: ch.path,
          guestPath,
          expected: total + chunk.length,
          written: total + r.count,
          hint: "The guest file system may be full or read-only.",
        });
      }
      total += chunk.length;
      opts.onProgress?.(total);
    }
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    await closeFile(ch, handle, timeoutMs, failed);
  }
}

/** Runs one guest program; a non-zero exit is a `qga.exec_failed` with `hint`. */
async function runOrFail(ch: QgaChannel, program: string, args: string[], timeoutMs: number, hint: string): Promise<void> {
  const r = await execInGuest(ch, program, args, { timeoutMs });
  if (r.exitCode !== 0) {
    throw new QgaError({
      code: "qga.exec_failed",
      path: ch.path,
      program,
      args,
      exitCode: r.exitCode,
      signal: r.signal,
      stderr: new TextDecoder().decode(r.stderr),
      hint,
    });
  }
}

async function chmodInGuest(ch: QgaChannel, guestPath: string, mode: number, timeoutMs: number): Promise<void> {
  await runOrFail(ch, "chmod", [mode.toString(8), guestPath], timeoutMs, "Setting the mode needs a chmod binary on the guest's PATH.");
}

/** `mv -f` (POSIX guests), else `cmd /c move /y` (Windows guests have no mv). */
async function renameInGuest(ch: QgaChannel, from: string, to: string, timeoutMs: number): Promise<void> {
  try {
    await runOrFail(ch, "mv", ["-f", from, to], timeoutMs, "Replacing the file needs mv on the guest's PATH.");
  } catch (err) {
    if (!(err instanceof QgaError) || err.detail.code !== "qga.command_failed") throw err;
    await runOrFail(ch, "cmd.exe", ["/c", "move", "/y", from, to], timeoutMs, "Replacing the file needs mv (or cmd.exe's move) in the guest.");
  }
}

/** Best-effort removal of a temp file left by a failed write. */
async function removeInGuest(ch: QgaChannel, guestPath: string, timeoutMs: number): Promise<void> {
  try {
    await execInGuest(ch, "rm", ["-f", guestPath], { timeoutMs });
  } catch {
    await execInGuest(ch, "cmd.exe", ["/c", "del", "/f", "/q", guestPath], { timeoutMs });
  }
}

async function openFile(ch: QgaChannel, guestPath: string, mode: "r" | "w", timeoutMs: number): Promise<number> {
  const raw = await ch.request("guest-file-open", { path: guestPath, mode }, { timeoutMs });
  return parseReply(ch.path, "guest-file-open", fileHandleSchema, raw);
}

/** Closes a guest handle; when the transfer already failed, a close failure is ignored. */
async function closeFile(ch: QgaChannel, handle: number, timeoutMs: number, afterFailure: boolean): Promise<void> {
  if (ch.isClosed) return;
  try {
    await ch.request("guest-file-close", { handle }, { timeoutMs });
  } catch (err) {
    if (!afterFailure) throw err;
  }
}

/** Yields `source` as chunks of exactly `size` bytes (the last may be shorter). */
async function* rechunk(source: ByteSource, size: number): AsyncGenerator<Uint8Array, void, undefined> {
  if (source instanceof Uint8Array) {
    for (let off = 0; off < source.length; off += size) yield source.subarray(off, off + size);
    return;
  }
  let pending = new Uint8Array(size);
  let fill = 0;
  for await (const part of source as AsyncIterable<Uint8Array>) {
    let off = 0;
    while (off < part.length) {
      const n = Math.min(size - fill, part.length - off);
      pending.set(part.subarray(off, off + n), fill);
      fill += n;
      off += n;
      if (fill === size) {
        yield pending;
        pending = new Uint8Array(size);
        fill = 0;
      }
    }
  }
  if (fill > 0) yield pending.subarray(0, fill);
}
