/**
 * The guest-agent channel: one request at a time, guarded by `guest-sync-delimited`.
 *
 * Theory of operation: QEMU exposes the guest's virtio-serial port
 * `org.qemu.guest_agent.0` as a unix socket where QEMU listens and we connect.
 * Connecting succeeds even when no agent runs in the guest: writes are queued or
 * vanish and nothing answers. Replies to requests that already timed out can arrive
 * much later, and bytes left over from an earlier session may be on the channel. So:
 *
 * 1. Requests are strictly serialised (qemu-ga handles one at a time anyway).
 * 2. The channel starts *unsynced*, and becomes unsynced again after any timeout.
 *    Before the next request it syncs: send 0xFF (which makes the agent's JSON parser
 *    drop any partial input), then `guest-sync-delimited` with a random id; discard
 *    everything until the agent's 0xFF sentinel followed by `{"return": <that id>}`.
 *    Replies to older syncs (other ids), errors caused by our 0xFF, and garbage are
 *    skipped. (qemu-ga reference, "guest-sync-delimited".)
 * 3. Every request carries an `id`; a reply that echoes a different id is stale and
 *    skipped. Agents that do not echo ids are still served, relying on step 2.
 * 4. Every wait has a timeout; closing the socket rejects the current request with
 *    `qga.closed`.
 *
 * Commands without a reply (`guest-shutdown`) use `sendNoReply`: an error reply within
 * a grace period fails, silence or the connection dropping is success.
 */
import type { Clock } from "../clock/mod.ts";
import { JsonSocket, SocketConnectError } from "../qmp/json_socket.ts";
import type { JsonStreamItem } from "../qmp/json_stream.ts";
import { QgaError } from "./errors.ts";

/** Default timeout for one request/reply exchange. */
export const DEFAULT_QGA_COMMAND_TIMEOUT_MS = 30_000;
/** Upper bound for the sync that precedes a request on an unsynced channel. */
export const SYNC_TIMEOUT_MS = 5_000;
/** Largest sync id; kept within 31 bits so every agent parses it as an int. */
const SYNC_ID_LIMIT = 0x7fff_ffff;
const SENTINEL = new Uint8Array([0xff]);

/** Options for `QgaChannel.connect`. */
export interface QgaChannelOptions {
  clock: Clock;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** Source of sync ids; default `crypto.getRandomValues`. */
  randomId?: () => number;
  /** Called with every item skipped while waiting (garbage, stale replies). */
  onNoise?: (item: JsonStreamItem) => void;
}

interface Waiter {
  accept(item: JsonStreamItem): boolean;
  onClose(reason: string): void;
}

/** A serialised, sync-guarded guest-agent connection. */
export class QgaChannel {
  readonly path: string;
  readonly clock: Clock;
  readonly commandTimeoutMs: number;
  readonly #socket: JsonSocket;
  readonly #randomId: () => number;
  readonly #onNoise: ((item: JsonStreamItem) => void) | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #waiter: Waiter | undefined;
  #synced = false;
  #nextId = 1;
  #closeReason: string | undefined;
  readonly closed: Promise<{ reason: string }>;
  #resolveClosed!: (v: { reason: string }) => void;

  private constructor(socket: JsonSocket, opts: QgaChannelOptions) {
    this.path = socket.path;
    this.clock = opts.clock;
    this.commandTimeoutMs = opts.commandTimeoutMs ?? DEFAULT_QGA_COMMAND_TIMEOUT_MS;
    this.#socket = socket;
    this.#randomId = opts.randomId ?? defaultRandomId;
    this.#onNoise = opts.onNoise;
    this.closed = new Promise((r) => (this.#resolveClosed = r));
    socket.attach({ onItem: (i) => this.#onItem(i), onClose: (r) => this.#onClose(r) });
  }

  /** Connects to the agent socket (retrying while QEMU creates it). Does not sync. */
  static async connect(path: string, opts: QgaChannelOptions): Promise<QgaChannel> {
    try {
      const socket = await JsonSocket.connect(path, { clock: opts.clock, timeoutMs: opts.connectTimeoutMs });
      return new QgaChannel(socket, opts);
    } catch (err) {
      const e = err instanceof SocketConnectError ? err : new SocketConnectError(path, "EIO", String(err));
      throw new QgaError({
        code: "qga.connect_failed",
        path,
        errno: e.errno,
        reason: e.message,
        hint: "check that QEMU runs with a virtserialport named org.qemu.guest_agent.0 on a unix chardev at this path",
      });
    }
  }

  /** True once the socket has closed. */
  get isClosed(): boolean {
    return this.#closeReason !== undefined;
  }

  /** True when the last sync succeeded and no request has timed out since. */
  get isSynced(): boolean {
    return this.#synced;
  }

  /** Performs a delimited sync now (queued behind running requests). */
  sync(timeoutMs: number = SYNC_TIMEOUT_MS): Promise<void> {
    return this.#exclusive(() => this.#sync(timeoutMs));
  }

  /** Sends `command` (syncing first if needed) and resolves with its `return` value. */
  request<T = unknown>(command: string, args?: Record<string, unknown>, opts: { timeoutMs?: number } = {}): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? this.commandTimeoutMs;
    return this.#exclusive(async () => {
      if (!this.#synced) await this.#sync(Math.min(timeoutMs, SYNC_TIMEOUT_MS));
      const id = this.#nextId++;
      const reply = await this.#exchange(command, timeoutMs, encode(command, args, id), (msg) => isReplyTo(msg, id));
      if (reply === undefined) throw new Error("unreachable: exchange without reply");
      return this.#unwrap<T>(command, reply);
    });
  }

  /**
   * Sends a command the agent normally does not answer (`guest-shutdown`). Resolves
   * after `graceMs` of silence, on a success reply, or when the connection drops;
   * rejects on an error reply. The channel is unsynced afterwards.
   */
  sendNoReply(command: string, args: Record<string, unknown> | undefined, graceMs: number): Promise<void> {
    return this.#exclusive(async () => {
      if (!this.#synced) await this.#sync(SYNC_TIMEOUT_MS);
      const id = this.#nextId++;
      this.#synced = false;
      let reply: Record<string, unknown> | undefined;
      try {
        reply = await this.#exchange(command, graceMs, encode(command, args, id), (msg) => isReplyTo(msg, id));
      } catch (err) {
        if (err instanceof QgaError && (err.code === "qga.timeout" || err.code === "qga.closed")) return;
        throw err;
      }
      if (reply) this.#unwrap(command, reply);
    });
  }

  /** Closes the connection; a running request fails with `qga.closed`. */
  async close(): Promise<void> {
    this.#socket.close("closed by client");
    await this.closed;
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #sync(timeoutMs: number): Promise<void> {
    const syncId = this.#randomId();
    const requestId = this.#nextId++;
    let sawSentinel = false;
    this.#socket.write(SENTINEL);
    const text = encode("guest-sync-delimited", { id: syncId }, requestId);
    await this.#exchange("guest-sync-delimited", timeoutMs, text, (msg) => {
      if (msg === "delimiter") {
        sawSentinel = true;
        return false;
      }
      return sawSentinel && msg["return"] === syncId;
    });
    this.#synced = true;
  }

  /**
   * Writes `text` and waits for the first item `match` accepts (`"delimiter"` is passed
   * for 0xFF); everything else is reported as noise. Resolves with the accepted message.
   */
  #exchange(
    command: string,
    timeoutMs: number,
    text: string,
    match: (msg: Record<string, unknown> | "delimiter") => boolean,
  ): Promise<Record<string, unknown> | undefined> {
    if (this.#closeReason !== undefined) return Promise.reject(this.#closedError(command, this.#closeReason));
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimer(timeoutMs, () => {
        this.#waiter = undefined;
        this.#synced = false;
        reject(
          new QgaError({
            code: "qga.timeout",
            path: this.path,
            command,
            timeoutMs,
            hint: "the guest agent may not be running yet (the guest is booting) or has stopped; waitReady() waits for it",
          }),
        );
      });
      this.#waiter = {
        accept: (item) => {
          const arg = item.kind === "delimiter" ? "delimiter" : item.kind === "message" ? item.value : undefined;
          if (arg === undefined) return false;
          // A sentinel is part of the handshake, never noise, even when it does not finish it.
          if (!match(arg)) return arg === "delimiter";
          timer.cancel();
          this.#waiter = undefined;
          resolve(arg === "delimiter" ? undefined : arg);
          return true;
        },
        onClose: (reason) => {
          timer.cancel();
          this.#waiter = undefined;
          reject(this.#closedError(command, reason));
        },
      };
      this.#socket.write(text);
    });
  }

  #unwrap<T>(command: string, reply: Record<string, unknown>): T {
    if ("return" in reply) return reply["return"] as T;
    const err = reply["error"];
    const e = err !== null && typeof err === "object" ? (err as Record<string, unknown>) : {};
    throw new QgaError({
      code: "qga.command_failed",
      path: this.path,
      command,
      errorClass: typeof e["class"] === "string" ? e["class"] : "GenericError",
      desc: typeof e["desc"] === "string" ? e["desc"] : JSON.stringify(err),
      hint: command === "guest-sync-delimited" ? "The agent is too old for delimited sync." : "See the error description from the guest agent.",
    });
  }

  #onItem(item: JsonStreamItem): void {
    if (this.#waiter?.accept(item)) return;
    this.#onNoise?.(item);
  }

  #onClose(reason: string): void {
    if (this.#closeReason !== undefined) return;
    this.#closeReason = reason;
    this.#synced = false;
    this.#waiter?.onClose(reason);
    this.#resolveClosed({ reason });
  }

  #closedError(command: string | undefined, reason: string): QgaError {
    return new QgaError({
      code: "qga.closed",
      path: this.path,
      command,
      reason,
      hint: "QEMU exited or the agent socket was closed; reconnect if the VM is still running",
    });
  }
}

/** True for a return/error message that carries `id` or no id at all. */
function isReplyTo(msg: Record<string, unknown> | "delimiter", id: number): boolean {
  if (msg === "delimiter" || (!("return" in msg) && !("error" in msg))) return false;
  return !("id" in msg) || msg["id"] === id;
}

function encode(command: string, args: Record<string, unknown> | undefined, id: number): string {
  const msg: Record<string, unknown> = { execute: command };
  if (args !== undefined) msg["arguments"] = args;
  msg["id"] = id;
  return `${JSON.stringify(msg)}\n`;
}

function defaultRandomId(): number {
  const buf = new Uint32Array(1);
  crypto.getRandomValues(buf);
  return (buf[0]! % SYNC_ID_LIMIT) + 1;
}
