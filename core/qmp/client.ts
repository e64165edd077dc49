/**
 * QMP client: one session with a QEMU monitor over a unix socket.
 *
 * Theory of operation: `QmpClient.connect()` opens the socket (retrying while QEMU is
 * still creating it), waits for the greeting, and enters command mode with
 * `qmp_capabilities` (QMP spec "Capabilities negotiation"). Every command carries a
 * fresh numeric `id`; replies are matched by `id`, so events and replies may interleave
 * freely and several commands may be in flight. Each command has its own timeout; a
 * reply arriving after its timeout is ignored. When the socket closes — `close()`, QEMU
 * exiting, or a socket error — every pending command is rejected with `qmp.closed`,
 * event streams finish and `closed` resolves; nothing is left hanging.
 *
 * Events: `on(name, cb)`, `events(filter?)` (async iterable) and `waitForEvent()`.
 * Events can arrive before the reply of the command that caused them (QEMU sends
 * SHUTDOWN before the reply to `quit`), so start waiting *before* sending:
 *
 * @example
 * const qmp = await QmpClient.connect("/run/vm/qmp.sock");
 * const stopped = qmp.waitForEvent("STOP", { timeoutMs: 5_000 });
 * await qmp.stop();
 * await stopped;
 *
 * Typed helpers (`queryStatus()`, `stop()`, `sendKey()`, `screendump()`, …) delegate to
 * `commands.ts`, where their wire shapes are documented.
 * Leaves out: out-of-band execution (`exec-oob`), which vmlab never needs.
 */
import { systemClock, type Clock, type Timer } from "../clock/mod.ts";
import * as cmd from "./commands.ts";
import { QmpError } from "./errors.ts";
import { EventHub, type QmpEventOf, type QmpEventStream } from "./events.ts";
import { JsonSocket, SocketConnectError } from "./json_socket.ts";
import type { JsonStreamItem } from "./json_stream.ts";
import type { InputEvent } from "./input.ts";
import type { QKeyCode } from "./keys.ts";
import { classifyQmpMessage, encodeQmpCommand, type QmpEvent, type QmpGreeting } from "./messages.ts";

/** Default per-command reply timeout. */
export const DEFAULT_QMP_COMMAND_TIMEOUT_MS = 30_000;
/** Default time from connect to a finished capabilities negotiation. */
export const DEFAULT_QMP_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Options for `QmpClient.connect`. */
export interface QmpConnectOptions {
  /** How long to wait for the socket to appear and accept (default 10 s). */
  connectTimeoutMs?: number;
  /** How long greeting + `qmp_capabilities` may take (default 10 s). */
  handshakeTimeoutMs?: number;
  /** Default timeout for `execute()` (default 30 s). */
  commandTimeoutMs?: number;
  /** Capabilities to enable in `qmp_capabilities` (none by default). */
  enable?: string[];
  /** Time source for all timeouts; tests pass a `ManualClock`. */
  clock?: Clock;
  /** Called with messages that are not replies, events or greeting, and with garbage. */
  onNoise?: (item: JsonStreamItem) => void;
}

/** Per-command options. */
export interface QmpExecuteOptions {
  timeoutMs?: number;
}

/** Options for `waitForEvent`. */
export interface QmpWaitOptions<E> {
  timeoutMs: number;
  /** Only an event for which this returns true satisfies the wait. */
  where?: (event: E) => boolean;
}

interface Pending {
  command: string;
  resolve(value: unknown): void;
  reject(err: QmpError): void;
  timer: Timer;
}

/** One QMP session. */
export class QmpClient {
  readonly path: string;
  readonly #socket: JsonSocket;
  readonly #clock: Clock;
  readonly #commandTimeoutMs: number;
  readonly #onNoise: ((item: JsonStreamItem) => void) | undefined;
  readonly #pending = new Map<number, Pending>();
  readonly #hub = new EventHub();
  readonly #closeWaiters = new Set<(reason: string) => void>();
  #nextId = 1;
  #greeting: QmpGreeting | undefined;
  #greetingWaiter: { resolve(g: QmpGreeting): void; reject(e: QmpError): void } | undefined;
  #closeReason: string | undefined;
  readonly closed: Promise<{ reason: string }>;
  #resolveClosed!: (v: { reason: string }) => void;

  private constructor(socket: JsonSocket, clock: Clock, opts: QmpConnectOptions) {
    this.path = socket.path;
    this.#socket = socket;
    this.#clock = clock;
    this.#commandTimeoutMs = opts.commandTimeoutMs ?? DEFAULT_QMP_COMMAND_TIMEOUT_MS;
    this.#onNoise = opts.onNoise;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    socket.attach({ onItem: (item) => this.#onItem(item), onClose: (reason) => this.#onClose(reason) });
  }

  /** Connects, reads the greeting and negotiates capabilities. */
  static async connect(path: string, opts: QmpConnectOptions = {}): Promise<QmpClient> {
    const clock = opts.clock ?? systemClock();
    let socket: JsonSocket;
    try {
      socket = await JsonSocket.connect(path, { clock, timeoutMs: opts.connectTimeoutMs });
    } catch (err) {
      const e = err instanceof SocketConnectError ? err : new SocketConnectError(path, "EIO", String(err));
      throw new QmpError({
        code: "qmp.connect_failed",
        path,
        errno: e.errno,
        reason: e.message,
        hint: "check that QEMU is running and was started with -qmp unix:<path>,server=on,wait=off",
      });
    }
    const client = new QmpClient(socket, clock, opts);
    const handshakeMs = opts.handshakeTimeoutMs ?? DEFAULT_QMP_HANDSHAKE_TIMEOUT_MS;
    try {
      await client.#handshake(handshakeMs, opts.enable ?? []);
    } catch (err) {
      client.#socket.close("handshake failed");
      if (err instanceof QmpError && err.code === "qmp.handshake_failed") throw err;
      throw new QmpError({
        code: "qmp.handshake_failed",
        path,
        reason: err instanceof Error ? err.message : String(err),
        hint: "another client may hold the monitor socket, or this is not a QMP socket",
      });
    }
    return client;
  }

  /** The greeting QEMU sent (version and capabilities). */
  get greeting(): QmpGreeting {
    if (!this.#greeting) throw new Error("Cannot read greeting: handshake not finished");
    return this.#greeting;
  }

  /** True once the connection is closed. */
  get isClosed(): boolean {
    return this.#closeReason !== undefined;
  }

  /** Runs `command` and resolves with its `return` value; rejects with `QmpError`. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, opts: QmpExecuteOptions = {}): Promise<T> {
    if (this.#closeReason !== undefined) {
      return Promise.reject(this.#closedError(command, this.#closeReason));
    }
    const id = this.#nextId++;
    const timeoutMs = opts.timeoutMs ?? this.#commandTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = this.#clock.setTimer(timeoutMs, () => {
        if (!this.#pending.delete(id)) return;
        reject(
          new QmpError({
            code: "qmp.timeout",
            path: this.path,
            command,
            timeoutMs,
            hint: "QEMU may be hung or busy; a late reply is discarded",
          }),
        );
      });
      this.#pending.set(id, { command, resolve: (v) => resolve(v as T), reject, timer });
      this.#socket.write(encodeQmpCommand(command, args, id));
    });
  }

  /** Calls `cb` for each event named `name` (`"*"` for all); returns an unsubscribe function. */
  on<N extends string>(name: N, cb: (event: QmpEventOf<N>) => void): () => void {
    return this.#hub.on(name, cb as (event: QmpEvent) => void);
  }

  /** An async-iterable stream of events from now on; ends when the connection closes. */
  events(filter?: (event: QmpEvent) => boolean): QmpEventStream {
    return this.#hub.stream(filter);
  }

  /** Resolves with the next event named `name`; rejects on timeout or close. */
  waitForEvent<N extends string>(name: N, opts: QmpWaitOptions<QmpEventOf<N>>): Promise<QmpEventOf<N>> {
    return new Promise((resolve, reject) => {
      if (this.#closeReason !== undefined) {
        reject(this.#closedError(undefined, this.#closeReason));
        return;
      }
      const finish = () => {
        off();
        offClose();
        timer.cancel();
      };
      const off = this.on(name, (event) => {
        if (opts.where && !opts.where(event)) return;
        finish();
        resolve(event);
      });
      const onClosed = (reason: string) => {
        finish();
        reject(this.#closedError(undefined, `${reason} (while waiting for ${name})`));
      };
      this.#closeWaiters.add(onClosed);
      const offClose = () => void this.#closeWaiters.delete(onClosed);
      const timer = this.#clock.setTimer(opts.timeoutMs, () => {
        finish();
        reject(
          new QmpError({
            code: "qmp.event_timeout",
            path: this.path,
            event: name,
            timeoutMs: opts.timeoutMs,
            hint: "start waiting before sending the command that causes the event",
          }),
        );
      });
    });
  }

  /** Closes the session; pending commands are rejected with `qmp.closed`. */
  async close(): Promise<void> {
    this.#socket.close("closed by client");
    await this.closed;
  }

  // Typed helpers (see commands.ts).

  /** `query-status`. */
  queryStatus(): Promise<cmd.StatusInfo> {
    return cmd.queryStatus(this);
  }
  /** `system_powerdown` (ACPI power button). */
  systemPowerdown(): Promise<void> {
    return cmd.systemPowerdown(this);
  }
  /** `system_reset`. */
  systemReset(): Promise<void> {
    return cmd.systemReset(this);
  }
  /** `stop` (pause vCPUs). */
  stop(): Promise<void> {
    return cmd.stop(this);
  }
  /** `cont` (resume vCPUs). */
  cont(): Promise<void> {
    return cmd.cont(this);
  }
  /** `quit`; the connection closing counts as success. */
  quit(opts?: { timeoutMs?: number }): Promise<void> {
    return cmd.quit(this, opts);
  }
  /** `send-key` with a chord of QKeyCodes. */
  sendKey(keys: readonly QKeyCode[], opts?: { holdTimeMs?: number }): Promise<void> {
    return cmd.sendKey(this, keys, opts);
  }
  /** `input-send-event`. */
  inputSendEvent(events: readonly InputEvent[], opts?: { device?: string; head?: number }): Promise<void> {
    return cmd.inputSendEvent(this, events, opts);
  }
  /** `screendump` to a file QEMU can write. */
  screendump(filename: string, opts?: cmd.ScreendumpOptions): Promise<void> {
    return cmd.screendump(this, filename, opts);
  }
  /** `query-vnc`. */
  queryVnc(): Promise<cmd.VncInfo> {
    return cmd.queryVnc(this);
  }
  /** `human-monitor-command`; returns HMP's text output. */
  humanMonitorCommand(commandLine: string, opts?: { timeoutMs?: number }): Promise<string> {
    return cmd.humanMonitorCommand(this, commandLine, opts);
  }

  async #handshake(timeoutMs: number, enable: string[]): Promise<void> {
    const greeting = await new Promise<QmpGreeting>((resolve, reject) => {
      if (this.#greeting) return resolve(this.#greeting);
      const timer = this.#clock.setTimer(timeoutMs, () => {
        this.#greetingWaiter = undefined;
        reject(
          new QmpError({
            code: "qmp.handshake_failed",
            path: this.path,
            reason: `no greeting within ${timeoutMs} ms`,
            hint: "another client may hold the monitor socket (QEMU serves one QMP client per socket)",
          }),
        );
      });
      this.#greetingWaiter = {
        resolve: (g) => (timer.cancel(), resolve(g)),
        reject: (e) => (timer.cancel(), reject(e)),
      };
    });
    this.#greeting = greeting;
    await this.execute("qmp_capabilities", enable.length > 0 ? { enable } : undefined, { timeoutMs });
  }

  #onItem(item: JsonStreamItem): void {
    if (item.kind !== "message") {
      this.#onNoise?.(item);
      return;
    }
    const msg = classifyQmpMessage(item.value);
    switch (msg.kind) {
      case "greeting":
        if (this.#greetingWaiter) {
          const w = this.#greetingWaiter;
          this.#greetingWaiter = undefined;
          w.resolve(msg.greeting);
        } else this.#greeting ??= msg.greeting;
        return;
      case "event":
        this.#hub.emit(msg.event);
        return;
      case "return":
      case "error": {
        const pending = typeof msg.id === "number" ? this.#pending.get(msg.id) : undefined;
        if (!pending || typeof msg.id !== "number") {
          this.#onNoise?.(item);
          return;
        }
        this.#pending.delete(msg.id);
        pending.timer.cancel();
        if (msg.kind === "return") pending.resolve(msg.value);
        else {
          pending.reject(
            new QmpError({
              code: "qmp.command_failed",
              path: this.path,
              command: pending.command,
              errorClass: msg.errorClass,
              desc: msg.desc,
              hint: hintForClass(msg.errorClass),
            }),
          );
        }
        return;
      }
      case "unknown":
        this.#onNoise?.(item);
        return;
      default: {
        const never: never = msg;
        return never;
      }
    }
  }

  #onClose(reason: string): void {
    if (this.#closeReason !== undefined) return;
    this.#closeReason = reason;
    if (this.#greetingWaiter) {
      const w = this.#greetingWaiter;
      this.#greetingWaiter = undefined;
      w.reject(
        new QmpError({
          code: "qmp.handshake_failed",
          path: this.path,
          reason: `connection closed before the greeting (${reason})`,
          hint: "QEMU may have exited; check its log",
        }),
      );
    }
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) {
      p.timer.cancel();
      p.reject(this.#closedError(p.command, reason));
    }
    for (const w of [...this.#closeWaiters]) w(reason);
    this.#hub.end();
    this.#resolveClosed({ reason });
  }

  #closedError(command: string | undefined, reason: string): QmpError {
    return new QmpError({
      code: "qmp.closed",
      path: this.path,
      command,
      reason,
      hint: "QEMU exited or the monitor connection was closed; reconnect if QEMU is still running",
    });
  }
}

function hintForClass(errorClass: string): string {
  switch (errorClass) {
    case "CommandNotFound":
      return "This QEMU does not know the command; check the QEMU version.";
    case "DeviceNotFound":
      return "The named device does not exist in this VM.";
    case "DeviceNotActive":
      return "The device exists but is not active.";
    case "KVMMissingCap":
      return "The host's KVM lacks a needed capability.";
    default:
      return "See the error description from QEMU.";
  }
}
