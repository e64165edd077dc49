/**
 * A unix-socket connection that carries QEMU's JSON messages (QMP or guest agent).
 *
 * Contract:
 * - `JsonSocket.connect(path)` retries while the socket does not exist yet or refuses
 *   (QEMU creates the listening socket a moment after it starts) until `timeoutMs`
 *   passes, then rejects with `SocketConnectError`. Other errors fail at once.
 * - Decoded items are delivered to the handler given to `attach()`; items that arrive
 *   before it are buffered and delivered on attach, in order.
 * - `onClose` is called exactly once, with a reason, whether the peer hung up, the
 *   socket failed, or `close()` was called.
 * - `write()` hands data to the kernel with Node's buffering; it never throws, and
 *   writing to a closed socket is a no-op (the caller's timeout reports it).
 *
 * Leaves out: TCP transports (vmlab only uses unix sockets for QEMU channels).
 */
import * as net from "node:net";
import type { Clock } from "../clock/mod.ts";
import { JsonStreamDecoder, type JsonStreamItem } from "./json_stream.ts";

/** Default time to wait for a QEMU socket to appear and accept. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Pause between connection attempts while the socket is missing or refusing. */
export const CONNECT_RETRY_INTERVAL_MS = 50;

/** Errors that mean "not there yet" and are worth retrying. */
const RETRYABLE = new Set(["ENOENT", "ECONNREFUSED", "EAGAIN"]);

/** The socket could not be connected. */
export class SocketConnectError extends Error {
  override readonly name = "SocketConnectError";
  constructor(
    readonly path: string,
    /** errno code of the last attempt (`ENOENT`, `EACCES`, …) or `ETIMEDOUT`. */
    readonly errno: string,
    detail: string,
  ) {
    super(`Cannot connect to ${path}: ${detail}`);
  }
}

/** What the owner of a `JsonSocket` receives. */
export interface JsonSocketHandler {
  onItem(item: JsonStreamItem): void;
  onClose(reason: string): void;
}

/** Options for `JsonSocket.connect`. */
export interface JsonSocketConnectOptions {
  timeoutMs?: number;
  clock: Clock;
}

/** A connected socket that yields decoded JSON stream items. */
export class JsonSocket {
  readonly path: string;
  readonly #socket: net.Socket;
  readonly #decoder = new JsonStreamDecoder();
  #handler: JsonSocketHandler | undefined;
  #buffered: JsonStreamItem[] = [];
  #closeReason: string | undefined;
  #closeNotified = false;
  #closeSeen = false;

  private constructor(path: string, socket: net.Socket) {
    this.path = path;
    this.#socket = socket;
    socket.on("data", (data: Buffer) => this.#onData(data));
    socket.on("error", (err: NodeJS.ErrnoException) => {
      const peerGone = err.code === "ECONNRESET" || err.code === "EPIPE";
      this.#closeReason ??= peerGone ? "connection closed by peer" : `socket error: ${err.code ?? err.message}`;
    });
    socket.on("close", () => {
      this.#closeReason ??= "connection closed by peer";
      this.#closeSeen = true;
      this.#notifyClose();
    });
  }

  /** Connects to the unix socket at `path`, retrying until it exists and accepts. */
  static connect(path: string, opts: JsonSocketConnectOptions): Promise<JsonSocket> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const deadline = opts.clock.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const socket = net.createConnection({ path });
        const onError = (err: NodeJS.ErrnoException) => {
          socket.destroy();
          const code = err.code ?? "EIO";
          if (!RETRYABLE.has(code)) {
            reject(new SocketConnectError(path, code, err.message));
          } else if (opts.clock.now() + CONNECT_RETRY_INTERVAL_MS > deadline) {
            reject(new SocketConnectError(path, code, `still ${code} after ${timeoutMs} ms`));
          } else {
            opts.clock.setTimer(CONNECT_RETRY_INTERVAL_MS, attempt);
          }
        };
        socket.once("error", onError);
        socket.once("connect", () => {
          socket.off("error", onError);
          resolve(new JsonSocket(path, socket));
        });
      };
      attempt();
    });
  }

  /** True once the socket is closed for any reason. */
  get isClosed(): boolean {
    return this.#closeReason !== undefined;
  }

  /** Starts delivering items (buffered ones first) and the close notification. */
  attach(handler: JsonSocketHandler): void {
    this.#handler = handler;
    const pending = this.#buffered;
    this.#buffered = [];
    for (const item of pending) handler.onItem(item);
    if (this.#closeSeen) this.#notifyClose();
  }

  /** Sends text (UTF-8) or raw bytes. */
  write(data: string | Uint8Array): void {
    if (this.#closeReason !== undefined || this.#socket.destroyed) return;
    this.#socket.write(data);
  }

  /** Closes the connection; `onClose` receives `reason`. */
  close(reason = "closed by client"): void {
    this.#closeReason ??= reason;
    this.#socket.destroy();
  }

  #onData(data: Buffer): void {
    const items = this.#decoder.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    for (const item of items) {
      if (this.#handler) this.#handler.onItem(item);
      else this.#buffered.push(item);
    }
  }

  #notifyClose(): void {
    if (this.#closeNotified || !this.#handler) return;
    this.#closeNotified = true;
    this.#handler.onClose(this.#closeReason ?? "connection closed");
  }
}
