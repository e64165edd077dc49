/**
 * A fake qemu-ga behind a real unix socket, for testing `QgaClient` without a guest.
 *
 * It behaves like QEMU's chardev plus qemu-ga 7.2: connecting always succeeds; while
 * the agent is "not started" every byte written is queued (like a virtio-serial port
 * the guest has not opened) and processed once `setRunning(true)` is called, so stale
 * sync requests get answered late, exactly as on a booting guest. Replies echo `id`
 * (switchable), `guest-sync-delimited` replies are prefixed with 0xFF, and
 * `guest-shutdown` gets no reply.
 *
 * State: an in-memory file system (`files`), programs registered with `program()`.
 * Faults: bytes injected before the next sync reply (garbage, stale replies, partial
 * objects), writes split into small pieces, stalls, and disconnects.
 */
import * as net from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonStreamDecoder } from "../../qmp/json_stream.ts";

/** What a fake program does when `guest-exec` runs it. */
export interface FakeProgramResult {
  exitCode?: number;
  signal?: number;
  stdout?: Uint8Array | string;
  stderr?: Uint8Array | string;
  /** Number of `guest-exec-status` polls that report it still running. */
  runningPolls?: number;
  outTruncated?: boolean;
}

/** A fake program: gets argv, stdin bytes and env strings. */
export type FakeProgram = (args: string[], stdin: Uint8Array, env: string[] | undefined) => FakeProgramResult;

/** What the fake does on `guest-shutdown`. */
export type FakeShutdownAction = "disconnect" | "silent" | "error";

/** A command as the fake received it. */
export interface ReceivedAgentCommand {
  execute: string;
  arguments: Record<string, unknown> | undefined;
}

/** Options for `FakeAgent.start`. */
export interface FakeAgentOptions {
  /** Whether the agent is running from the start (default true). */
  running?: boolean;
  /** Echo request ids in replies (default true, like qemu-ga 7.2). */
  echoIds?: boolean;
  /** Split each write into pieces of this many bytes. */
  chunkBytes?: number;
  /** Bytes the fake file system holds in all; writes past it are short (a full guest disk). */
  diskBytes?: number;
}

interface OpenFile {
  path: string;
  mode: string;
  data: Uint8Array;
  pos: number;
  endless: boolean;
}

const enc = new TextEncoder();
const toBytes = (d: Uint8Array | string | undefined) => (typeof d === "string" ? enc.encode(d) : (d ?? new Uint8Array(0)));
const b64 = (d: Uint8Array) => Buffer.from(d).toString("base64");

/** Fake guest agent. */
export class FakeAgent {
  readonly path: string;
  readonly files = new Map<string, Uint8Array>();
  /** Paths that read like `/dev/zero`: zeros without end. */
  readonly endless = new Set<string>();
  readonly received: ReceivedAgentCommand[] = [];
  readonly shutdowns: string[] = [];
  shutdownAction: FakeShutdownAction = "disconnect";
  readonly #dir: string;
  readonly #server: net.Server;
  readonly #programs = new Map<string, FakeProgram>();
  readonly #processes = new Map<number, { result: FakeProgramResult; polls: number }>();
  readonly #handles = new Map<number, OpenFile>();
  #client: net.Socket | undefined;
  #decoder = new JsonStreamDecoder();
  #queued: Uint8Array[] = [];
  #running: boolean;
  #echoIds: boolean;
  #chunkBytes: number | undefined;
  #beforeNextSync: (string | Uint8Array)[] = [];
  #diskBytes: number | undefined;
  #nextPid = 4000;
  #nextHandle = 1000;
  #writeChain: Promise<void> = Promise.resolve();

  private constructor(dir: string, opts: FakeAgentOptions) {
    this.#dir = dir;
    this.path = join(dir, "qga.sock");
    this.#running = opts.running ?? true;
    this.#echoIds = opts.echoIds ?? true;
    this.#chunkBytes = opts.chunkBytes;
    this.#diskBytes = opts.diskBytes;
    // `mv` and `rm` act on the in-memory files, as busybox's would (tests may override them).
    this.program("mv", (args) => {
      const [from, to] = args.filter((a) => a !== "-f" && a !== "--");
      const data = from === undefined ? undefined : this.files.get(from);
      if (data === undefined || to === undefined) return { exitCode: 1, stderr: `mv: can't rename '${from}': No such file or directory\n` };
      this.files.delete(from as string);
      this.files.set(to, data);
      return { exitCode: 0 };
    });
    this.program("rm", (args) => {
      for (const a of args) if (!a.startsWith("-")) this.files.delete(a);
      return { exitCode: 0 };
    });
    this.#server = net.createServer((s) => this.#accept(s));
  }

  /** Starts listening on a fresh socket path. */
  static async start(opts: FakeAgentOptions = {}): Promise<FakeAgent> {
    const agent = new FakeAgent(mkdtempSync(join(tmpdir(), "vmlab-fake-qga-")), opts);
    await new Promise<void>((resolve) => agent.#server.listen(agent.path, resolve));
    return agent;
  }

  /** Registers a program for `guest-exec` by path. */
  program(path: string, fn: FakeProgram): void {
    this.#programs.set(path, fn);
  }

  /** Starts (true) or stops (false) the agent; queued input is processed on start. */
  setRunning(on: boolean): void {
    this.#running = on;
    if (!on) return;
    const queued = this.#queued;
    this.#queued = [];
    for (const q of queued) this.#consume(q);
  }

  /** Sends these raw pieces just before the 0xFF of the next sync reply. */
  injectBeforeNextSync(...pieces: (string | Uint8Array)[]): void {
    this.#beforeNextSync.push(...pieces);
  }

  /** Sends raw bytes now. */
  sendRaw(data: string | Uint8Array): void {
    const client = this.#client;
    if (!client) return;
    const bytes = toBytes(data);
    const step = this.#chunkBytes;
    this.#writeChain = this.#writeChain.then(async () => {
      if (client.destroyed) return;
      if (!step) return void client.write(bytes);
      for (let off = 0; off < bytes.length; off += step) {
        client.write(bytes.subarray(off, off + step));
        await new Promise((r) => setImmediate(r));
      }
    });
  }

  /** Drops the connection (QEMU exiting). */
  async disconnect(): Promise<void> {
    await this.#writeChain;
    this.#client?.destroy();
    this.#client = undefined;
  }

  /** Resolves once `n` commands named `name` have been received and handled. */
  async waitForCommand(name: string, n = 1): Promise<void> {
    while (this.received.filter((c) => c.execute === name).length < n) await new Promise((r) => setImmediate(r));
  }

  /** Stops listening and removes the socket directory. */
  async stop(): Promise<void> {
    this.#client?.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #accept(socket: net.Socket): void {
    this.#client?.destroy();
    this.#client = socket;
    this.#decoder = new JsonStreamDecoder();
    socket.on("data", (d: Buffer) => {
      const bytes = new Uint8Array(d);
      if (this.#running) this.#consume(bytes);
      else this.#queued.push(bytes);
    });
    socket.on("error", () => {});
  }

  #consume(bytes: Uint8Array): void {
    for (const item of this.#decoder.push(bytes)) {
      if (item.kind === "message") this.#dispatch(item.value);
    }
  }

  #reply(body: Record<string, unknown>, id: unknown, delimited = false): void {
    const msg = { ...body };
    if (this.#echoIds && id !== undefined) msg["id"] = id;
    if (delimited) {
      for (const piece of this.#beforeNextSync.splice(0)) this.sendRaw(piece);
      this.sendRaw(new Uint8Array([0xff]));
    }
    this.sendRaw(`${JSON.stringify(msg)}\n`);
  }

  #error(desc: string, id: unknown, cls = "GenericError"): void {
    this.#reply({ error: { class: cls, desc } }, id);
  }

  #dispatch(msg: Record<string, unknown>): void {
    const execute = String(msg["execute"] ?? "");
    const args = (msg["arguments"] ?? {}) as Record<string, unknown>;
    const id = msg["id"];
    this.received.push({ execute, arguments: msg["arguments"] as Record<string, unknown> | undefined });
    switch (execute) {
      case "guest-sync-delimited":
        return this.#reply({ return: args["id"] }, id, true);
      case "guest-sync":
        return this.#reply({ return: args["id"] }, id);
      case "guest-ping":
        return this.#reply({ return: {} }, id);
      case "guest-info":
        return this.#reply(
          {
            return: {
              version: "7.2.0",
              supported_commands: [
                { name: "guest-ping", enabled: true, "success-response": true },
                { name: "guest-shutdown", enabled: true, "success-response": false },
              ],
            },
          },
          id,
        );
      case "guest-get-osinfo":
        return this.#reply(
          {
            return: {
              "kernel-release": "6.1.0-fake-cloud-amd64",
              "kernel-version": "#1 SMP",
              machine: "x86_64",
              id: "vmlab-tiny",
              name: "vmlab tiny",
              "pretty-name": "vmlab tiny guest",
            },
          },
          id,
        );
      case "guest-network-get-interfaces":
        return this.#reply(
          {
            return: [
              { name: "lo", "hardware-address": "00:00:00:00:00:00", "ip-addresses": [{ "ip-address-type": "ipv4", "ip-address": "127.0.0.1", prefix: 8 }] },
              {
                name: "eth0",
                "hardware-address": "52:54:00:12:34:56",
                "ip-addresses": [
                  { "ip-address-type": "ipv4", "ip-address": "10.0.2.15", prefix: 24 },
                  { "ip-address-type": "ipv6", "ip-address": "fe80::5054:ff:fe12:3456", prefix: 64 },
                ],
                statistics: { "rx-bytes": 1, "rx-packets": 1, "rx-errs": 0, "rx-dropped": 0, "tx-bytes": 2, "tx-packets": 2, "tx-errs": 0, "tx-dropped": 0 },
              },
            ],
          },
          id,
        );
      case "guest-exec":
        return this.#exec(args, id);
      case "guest-exec-status":
        return this.#execStatus(args, id);
      case "guest-file-open":
        return this.#open(args, id);
      case "guest-file-read":
        return this.#read(args, id);
      case "guest-file-write":
        return this.#write(args, id);
      case "guest-file-close":
        return this.#close(args, id);
      case "guest-shutdown":
        this.shutdowns.push(String(args["mode"] ?? "powerdown"));
        if (this.shutdownAction === "error") return this.#error("failed to execute child process", id);
        if (this.shutdownAction === "disconnect") void this.disconnect();
        return;
      default:
        return this.#error(`The command ${execute} has not been found`, id, "CommandNotFound");
    }
  }

  #exec(args: Record<string, unknown>, id: unknown): void {
    const path = String(args["path"]);
    const program = this.#programs.get(path);
    if (!program) return this.#error(`Guest agent command failed, error was 'Failed to execute child process “${path}” (No such file or directory)'`, id);
    const stdin = typeof args["input-data"] === "string" ? new Uint8Array(Buffer.from(args["input-data"], "base64")) : new Uint8Array(0);
    const result = program((args["arg"] as string[] | undefined) ?? [], stdin, args["env"] as string[] | undefined);
    const pid = this.#nextPid++;
    this.#processes.set(pid, {
      result: args["capture-output"] === true ? result : { ...result, stdout: undefined, stderr: undefined },
      polls: result.runningPolls ?? 0,
    });
    this.#reply({ return: { pid } }, id);
  }

  #execStatus(args: Record<string, unknown>, id: unknown): void {
    const pid = Number(args["pid"]);
    const p = this.#processes.get(pid);
    if (!p) return this.#error(`Invalid parameter 'pid'`, id);
    if (p.polls > 0) {
      p.polls--;
      return this.#reply({ return: { exited: false } }, id);
    }
    this.#processes.delete(pid);
    const r = p.result;
    const status: Record<string, unknown> = { exited: true };
    if (r.signal !== undefined) status["signal"] = r.signal;
    else status["exitcode"] = r.exitCode ?? 0;
    if (r.stdout !== undefined) status["out-data"] = b64(toBytes(r.stdout));
    if (r.stderr !== undefined) status["err-data"] = b64(toBytes(r.stderr));
    if (r.outTruncated) status["out-truncated"] = true;
    this.#reply({ return: status }, id);
  }

  #open(args: Record<string, unknown>, id: unknown): void {
    const path = String(args["path"]);
    const mode = String(args["mode"] ?? "r");
    const endless = mode === "r" && this.endless.has(path);
    const existing = endless ? new Uint8Array(0) : this.files.get(path);
    if (mode === "r" && !existing) return this.#error(`failed to open file '${path}' (mode: 'r'): No such file or directory`, id);
    const handle = this.#nextHandle++;
    this.#handles.set(handle, { path, mode, data: mode === "r" ? existing! : new Uint8Array(0), pos: 0, endless });
    this.#reply({ return: handle }, id);
  }

  #read(args: Record<string, unknown>, id: unknown): void {
    const f = this.#handles.get(Number(args["handle"]));
    if (!f) return this.#error("handle does not exist", id);
    const count = Number(args["count"] ?? 4096);
    if (f.endless) {
      f.pos += count;
      return this.#reply({ return: { count, "buf-b64": b64(new Uint8Array(count)), eof: false } }, id);
    }
    const part = f.data.subarray(f.pos, f.pos + count);
    f.pos += part.length;
    this.#reply({ return: { count: part.length, "buf-b64": b64(part), eof: part.length < count } }, id);
  }

  #write(args: Record<string, unknown>, id: unknown): void {
    const f = this.#handles.get(Number(args["handle"]));
    if (!f) return this.#error("handle does not exist", id);
    let bytes = new Uint8Array(Buffer.from(String(args["buf-b64"]), "base64"));
    if (this.#diskBytes !== undefined) {
      // Everything written so far, open files included, counts against the disk.
      let used = [...this.files.values()].reduce((n, d) => n + d.length, 0);
      for (const h of this.#handles.values()) if (h.mode !== "r") used += h.data.length;
      bytes = bytes.subarray(0, Math.max(0, this.#diskBytes - used));
    }
    const grown = new Uint8Array(f.data.length + bytes.length);
    grown.set(f.data);
    grown.set(bytes, f.data.length);
    f.data = grown;
    this.#reply({ return: { count: bytes.length, eof: false } }, id);
  }

  #close(args: Record<string, unknown>, id: unknown): void {
    const handle = Number(args["handle"]);
    const f = this.#handles.get(handle);
    if (!f) return this.#error("handle does not exist", id);
    this.#handles.delete(handle);
    if (f.mode !== "r") this.files.set(f.path, f.data);
    this.#reply({ return: {} }, id);
  }

  /** Number of guest file handles still open. */
  get openHandles(): number {
    return this.#handles.size;
  }
}
