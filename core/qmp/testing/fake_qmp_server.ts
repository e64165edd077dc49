/**
 * A fake QMP server on a real unix socket, for testing `QmpClient` without QEMU.
 *
 * It speaks the wire protocol the way QEMU 7.2 does (greeting, `\r\n`-terminated
 * replies echoing `id`, events with timestamps, SHUTDOWN before the reply to `quit`)
 * and keeps a tiny run state so `stop`/`cont`/`query-status` behave consistently.
 * Fault injection: split every write into small pieces (partial reads), inject raw
 * bytes, stall (read but never answer), per-command custom replies, and disconnect.
 *
 * One client at a time, like a QEMU monitor socket.
 */
import * as net from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonStreamDecoder } from "../json_stream.ts";

/** What a handler answers: a return value, an error, or nothing at all. */
export type FakeQmpReply = { return: unknown } | { error: { class: string; desc: string } } | { noReply: true };

/** A command as the fake received it. */
export interface ReceivedQmpCommand {
  execute: string;
  arguments: Record<string, unknown> | undefined;
  id: unknown;
}

type Handler = (args: Record<string, unknown> | undefined, server: FakeQmpServer) => FakeQmpReply;

/** Options for `FakeQmpServer.start`. */
export interface FakeQmpOptions {
  /** Send no greeting (a socket that is not a QMP monitor, or a busy one). */
  silent?: boolean;
  /** Write every outgoing message in pieces of this many bytes. */
  chunkBytes?: number;
}

/** Fake QEMU monitor. */
export class FakeQmpServer {
  readonly path: string;
  readonly received: ReceivedQmpCommand[] = [];
  readonly #dir: string;
  readonly #server: net.Server;
  readonly #handlers = new Map<string, Handler>();
  #client: net.Socket | undefined;
  #writeChain: Promise<void> = Promise.resolve();
  #chunkBytes: number | undefined;
  #stalled = false;
  #running = true;
  #silent: boolean;

  private constructor(dir: string, opts: FakeQmpOptions) {
    this.#dir = dir;
    this.path = join(dir, "qmp.sock");
    this.#chunkBytes = opts.chunkBytes;
    this.#silent = opts.silent ?? false;
    this.#server = net.createServer((socket) => this.#accept(socket));
    this.#installDefaults();
  }

  /** Starts listening on a fresh socket path. */
  static async start(opts: FakeQmpOptions = {}): Promise<FakeQmpServer> {
    const dir = mkdtempSync(join(tmpdir(), "vmlab-fake-qmp-"));
    const server = new FakeQmpServer(dir, opts);
    await new Promise<void>((resolve) => server.#server.listen(server.path, resolve));
    return server;
  }

  /** Replaces the behaviour of one command. */
  handle(command: string, handler: Handler): void {
    this.#handlers.set(command, handler);
  }

  /** Splits future writes into pieces of `bytes` (undefined: whole messages). */
  splitWrites(bytes: number | undefined): void {
    this.#chunkBytes = bytes;
  }

  /** While stalled, commands are recorded but never answered. */
  stall(on: boolean): void {
    this.#stalled = on;
  }

  /** Sends an event the way QEMU does. */
  emitEvent(event: string, data?: Record<string, unknown>): void {
    const now = Date.now();
    const msg: Record<string, unknown> = {
      timestamp: { seconds: Math.floor(now / 1000), microseconds: (now % 1000) * 1000 },
      event,
    };
    if (data !== undefined) msg["data"] = data;
    this.send(msg);
  }

  /** Sends one JSON message followed by CRLF. */
  send(msg: unknown): void {
    this.sendRaw(`${JSON.stringify(msg)}\r\n`);
  }

  /** Sends raw text or bytes, honouring `splitWrites`. */
  sendRaw(data: string | Uint8Array): void {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    const client = this.#client;
    if (!client) return;
    const step = this.#chunkBytes;
    this.#writeChain = this.#writeChain.then(async () => {
      if (client.destroyed) return;
      if (!step) {
        client.write(bytes);
        return;
      }
      for (let off = 0; off < bytes.length; off += step) {
        client.write(bytes.subarray(off, off + step));
        await new Promise((r) => setImmediate(r));
      }
    });
  }

  /** Waits until everything queued has been handed to the socket. */
  flush(): Promise<void> {
    return this.#writeChain;
  }

  /** Drops the client connection (QEMU crashing, from the client's view). */
  async disconnect(): Promise<void> {
    await this.#writeChain;
    this.#client?.destroy();
    this.#client = undefined;
  }

  /** Resolves when a command named `name` has been received. */
  async waitForCommand(name: string): Promise<ReceivedQmpCommand> {
    for (;;) {
      const found = this.received.find((c) => c.execute === name);
      if (found) return found;
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Stops listening, drops the client and removes the socket directory. */
  async stop(): Promise<void> {
    this.#client?.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #accept(socket: net.Socket): void {
    if (this.#client) {
      socket.destroy();
      return;
    }
    this.#client = socket;
    const decoder = new JsonStreamDecoder();
    socket.on("data", (data: Buffer) => {
      for (const item of decoder.push(new Uint8Array(data))) {
        if (item.kind === "message") this.#onCommand(item.value);
      }
    });
    socket.on("close", () => {
      if (this.#client === socket) this.#client = undefined;
    });
    socket.on("error", () => {});
    if (!this.#silent) {
      this.send({
        QMP: { version: { qemu: { micro: 0, minor: 2, major: 7 }, package: "fake" }, capabilities: ["oob"] },
      });
    }
  }

  #onCommand(value: Record<string, unknown>): void {
    const execute = typeof value["execute"] === "string" ? value["execute"] : "";
    const args = value["arguments"] as Record<string, unknown> | undefined;
    const cmd: ReceivedQmpCommand = { execute, arguments: args, id: value["id"] };
    this.received.push(cmd);
    if (this.#stalled) return;
    const handler = this.#handlers.get(execute);
    const reply: FakeQmpReply = handler ? handler(args, this) : { error: { class: "CommandNotFound", desc: `The command ${execute} has not been found` } };
    if ("noReply" in reply) return;
    const msg: Record<string, unknown> = { ...reply };
    if (cmd.id !== undefined) msg["id"] = cmd.id;
    this.send(msg);
  }

  #installDefaults(): void {
    this.handle("qmp_capabilities", () => ({ return: {} }));
    this.handle("query-status", () => ({
      return: { status: this.#running ? "running" : "paused", singlestep: false, running: this.#running },
    }));
    this.handle("stop", (_a, s) => {
      if (this.#running) s.emitEvent("STOP");
      this.#running = false;
      return { return: {} };
    });
    this.handle("cont", (_a, s) => {
      if (!this.#running) s.emitEvent("RESUME");
      this.#running = true;
      return { return: {} };
    });
    this.handle("system_powerdown", (_a, s) => {
      s.emitEvent("POWERDOWN");
      return { return: {} };
    });
    this.handle("system_reset", (_a, s) => {
      s.emitEvent("RESET", { guest: false, reason: "host-qmp-system-reset" });
      return { return: {} };
    });
    this.handle("quit", (_a, s) => {
      s.emitEvent("SHUTDOWN", { guest: false, reason: "host-qmp-quit" });
      queueMicrotask(() => void s.disconnect());
      return { return: {} };
    });
    this.handle("human-monitor-command", (args) => ({
      return: args?.["command-line"] === "info version" ? "7.2.0fake\r\n" : "",
    }));
    this.handle("query-vnc", () => ({ return: { enabled: false } }));
  }
}
