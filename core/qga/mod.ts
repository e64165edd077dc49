/**
 * QEMU guest-agent client (issue 2 item 7): qemu-ga over the unix chardev QEMU exposes
 * for the virtio-serial port `org.qemu.guest_agent.0`.
 *
 * - `QgaClient.connect(path, opts)`; `sync()`; `waitReady(timeoutMs)`; `ping()`; `info()`.
 * - `exec(program, args, {input, env, captureOutput, timeoutMs})` → `ExecResult`
 *   (exit code or signal, stdout/stderr bytes, truncation flags).
 * - `readFile` / `readFileChunks` / `writeFile(path, bytes | stream, {mode})`: chunked,
 *   byte-exact copies (`FILE_CHUNK_BYTES`).
 * - `shutdown(mode)`, `networkInterfaces()`, `osInfo()`, `close()` / `closed`.
 * - Failures are `QgaError` with a literal `detail.code`; nothing waits without a timeout.
 *
 * Spec: qemu-ga QAPI schema (`qga/qapi-schema.json`), "guest-sync-delimited".
 */
export { QgaClient, READY_ATTEMPT_TIMEOUT_MS, SHUTDOWN_GRACE_MS } from "./client.ts";
export type { QgaConnectOptions } from "./client.ts";
export { QgaChannel, DEFAULT_QGA_COMMAND_TIMEOUT_MS, SYNC_TIMEOUT_MS } from "./channel.ts";
export type { QgaChannelOptions } from "./channel.ts";
export { QgaError, isQgaError } from "./errors.ts";
export type { QgaErrorCode, QgaErrorDetail } from "./errors.ts";
export { DEFAULT_EXEC_TIMEOUT_MS, EXEC_POLL_INITIAL_MS, EXEC_POLL_MAX_MS, execInGuest } from "./exec.ts";
export type { ExecOptions, ExecResult } from "./exec.ts";
export { FILE_CHUNK_BYTES, FILE_CHUNK_TIMEOUT_MS, readGuestFile, readGuestFileChunks, writeGuestFile } from "./files.ts";
export type { ByteSource, FileTransferOptions, WriteFileOptions } from "./files.ts";
export type { GuestAgentInfo, GuestIpAddress, GuestNetworkInterface, GuestOsInfo, GuestShutdownMode } from "./types.ts";
