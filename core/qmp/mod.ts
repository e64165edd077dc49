/**
 * QMP client (issue 2 item 6): talks to a QEMU monitor over a unix socket.
 *
 * - `QmpClient.connect(path, opts)` → greeting + `qmp_capabilities`; `execute(cmd, args,
 *   {timeoutMs})`; events via `on()`, `events()` (async iterable) and `waitForEvent()`;
 *   `close()` / `closed`. Failures are `QmpError` with a literal `detail.code`.
 * - Typed helpers: queryStatus, systemPowerdown, systemReset, quit, stop, cont, sendKey,
 *   inputSendEvent, screendump, queryVnc, humanMonitorCommand.
 * - `keys.ts`: QKeyCode names, `parseKeyChord("ctrl-alt-del")`, `keysForText()`.
 * - `input.ts`: `input-send-event` builders (`keyEvent`, `absMove`, `click`, …).
 * - `JsonStreamDecoder` / `JsonSocket`: the framing shared with the guest-agent client.
 *
 * Spec: QMP specification (docs/interop/qmp-spec), QAPI schema of QEMU 7.2.
 */
export { QmpClient, DEFAULT_QMP_COMMAND_TIMEOUT_MS, DEFAULT_QMP_HANDSHAKE_TIMEOUT_MS } from "./client.ts";
export type { QmpConnectOptions, QmpExecuteOptions, QmpWaitOptions } from "./client.ts";
export * from "./commands.ts";
export { QmpError, isQmpError } from "./errors.ts";
export type { QmpErrorCode, QmpErrorDetail } from "./errors.ts";
export { EVENT_QUEUE_LIMIT } from "./events.ts";
export type { KnownQmpEventName, QmpEventMap, QmpEventOf, QmpEventStream, ShutdownCause } from "./events.ts";
export * from "./input.ts";
export * from "./keys.ts";
export { CONNECT_RETRY_INTERVAL_MS, DEFAULT_CONNECT_TIMEOUT_MS, JsonSocket, SocketConnectError } from "./json_socket.ts";
export type { JsonSocketConnectOptions, JsonSocketHandler } from "./json_socket.ts";
export { GARBAGE_SAMPLE_CHARS, JsonStreamDecoder, MAX_MESSAGE_BYTES } from "./json_stream.ts";
export type { JsonStreamItem } from "./json_stream.ts";
export { classifyQmpMessage, encodeQmpCommand } from "./messages.ts";
export type { QmpEvent, QmpGreeting, QmpMessage } from "./messages.ts";
