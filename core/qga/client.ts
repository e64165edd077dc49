/**
 * Guest-agent client: the operations vmlab performs through qemu-ga.
 *
 * `QgaClient.connect(path)` only connects (no agent needs to be running); use
 * `waitReady(timeoutMs)` to wait until the guest has booted far enough for the agent to
 * answer. It retries `guest-sync-delimited` with short per-attempt timeouts, because
 * requests written before the agent starts are either lost or answered late.
 * Every other method syncs first when the channel is unsynced (see `channel.ts`).
 *
 * @example
 * const qga = await QgaClient.connect("/run/vm/qga.sock");
 * await qga.waitReady(60_000);
 * const r = await qga.exec("/bin/uname", ["-a"]);
 * console.log(new TextDecoder().decode(r.stdout));
 *
 * Leaves out: fsfreeze, users, vCPU/memory hot-plug and the other agent commands vmlab
 * does not use; `request()` reaches them untyped.
 */
import { systemClock, type Clock } from "../clock/mod.ts";
import type { JsonStreamItem } from "../qmp/json_stream.ts";
import { QgaChannel, SYNC_TIMEOUT_MS } from "./channel.ts";
import { QgaError, isQgaError } from "./errors.ts";
import { execInGuest, type ExecOptions, type ExecResult } from "./exec.ts";
import { readGuestFile, readGuestFileChunks, writeGuestFile, type ByteSource, type FileTransferOptions, type WriteFileOptions } from "./files.ts";
import { parseReply } from "./reply.ts";
import {
  guestAgentInfoSchema,
  guestNetworkInterfacesSchema,
  guestOsInfoSchema,
  type GuestAgentInfo,
  type GuestNetworkInterface,
  type GuestOsInfo,
  type GuestShutdownMode,
} from "./types.ts";

/** Per-attempt sync timeout while waiting for the agent to come up. */
export const READY_ATTEMPT_TIMEOUT_MS = 1_000;
/** How long `shutdown()` listens for an error reply before taking silence as success. */
export const SHUTDOWN_GRACE_MS = 2_000;

/** Options for `QgaClient.connect`. */
export interface QgaConnectOptions {
  /** How long to wait for the socket to appear and accept (default 10 s). */
  connectTimeoutMs?: number;
  /** Default per-request timeout (default 30 s). */
  commandTimeoutMs?: number;
  /** Time source for every timeout and poll; tests pass a `ManualClock`. */
  clock?: Clock;
  /** Source of sync ids (default: random). */
  randomId?: () => number;
  /** Receives garbage and stale replies skipped on the channel. */
  onNoise?: (item: JsonStreamItem) => void;
}

/** A guest-agent session. */
export class QgaClient {
  readonly #ch: QgaChannel;

  private constructor(ch: QgaChannel) {
    this.#ch = ch;
  }

  /** Connects to the agent's unix socket. Succeeds even if the agent is not running. */
  static async connect(path: string, opts: QgaConnectOptions = {}): Promise<QgaClient> {
    const ch = await QgaChannel.connect(path, {
      clock: opts.clock ?? systemClock(),
      connectTimeoutMs: opts.connectTimeoutMs,
      commandTimeoutMs: opts.commandTimeoutMs,
      randomId: opts.randomId,
      onNoise: opts.onNoise,
    });
    return new QgaClient(ch);
  }

  /** The agent socket path. */
  get path(): string {
    return this.#ch.path;
  }

  /** Resolves when the connection closes (QEMU exited, `close()`). */
  get closed(): Promise<{ reason: string }> {
    return this.#ch.closed;
  }

  /** True once the connection has closed. */
  get isClosed(): boolean {
    return this.#ch.isClosed;
  }

  /** One `guest-sync-delimited` handshake; rejects with `qga.timeout` if unanswered. */
  sync(timeoutMs: number = SYNC_TIMEOUT_MS): Promise<void> {
    return this.#ch.sync(timeoutMs);
  }

  /**
   * Waits until the agent answers a sync, retrying with short attempts. Rejects with
   * `qga.not_ready` after `timeoutMs`, or `qga.closed` as soon as the socket closes.
   */
  async waitReady(timeoutMs: number, attemptTimeoutMs: number = READY_ATTEMPT_TIMEOUT_MS): Promise<void> {
    const clock = this.#ch.clock;
    const deadline = clock.now() + timeoutMs;
    let attempts = 0;
    for (;;) {
      const remaining = deadline - clock.now();
      if (remaining <= 0) {
        throw new QgaError({
          code: "qga.not_ready",
          path: this.path,
          timeoutMs,
          attempts,
          hint: "the guest may still be booting, or has no agent running on org.qemu.guest_agent.0",
        });
      }
      attempts++;
      try {
        await this.#ch.sync(Math.min(attemptTimeoutMs, remaining));
        return;
      } catch (err) {
        if (!isQgaError(err, "qga.timeout")) throw err;
      }
    }
  }

  /** Sends any agent command (syncing first if needed) and returns its raw `return` value. */
  request<T = unknown>(command: string, args?: Record<string, unknown>, opts?: { timeoutMs?: number }): Promise<T> {
    return this.#ch.request<T>(command, args, opts);
  }

  /** `guest-ping`. */
  async ping(opts?: { timeoutMs?: number }): Promise<void> {
    await this.#ch.request("guest-ping", undefined, opts);
  }

  /** `guest-info`: agent version and supported commands. */
  async info(): Promise<GuestAgentInfo> {
    const r = parseReply(this.path, "guest-info", guestAgentInfoSchema, await this.#ch.request("guest-info"));
    return {
      version: r.version,
      commands: r.supported_commands.map((c) => ({ name: c.name, enabled: c.enabled, successResponse: c["success-response"] })),
    };
  }

  /** Runs `program args…` in the guest and waits for it (`guest-exec` + status polling). */
  exec(program: string, args: readonly string[] = [], opts?: ExecOptions): Promise<ExecResult> {
    return execInGuest(this.#ch, program, args, opts);
  }

  /** Reads a whole guest file. */
  readFile(guestPath: string, opts?: FileTransferOptions): Promise<Uint8Array> {
    return readGuestFile(this.#ch, guestPath, opts);
  }

  /** Streams a guest file chunk by chunk (for large files). */
  readFileChunks(guestPath: string, opts?: FileTransferOptions): AsyncGenerator<Uint8Array, void, undefined> {
    return readGuestFileChunks(this.#ch, guestPath, opts);
  }

  /** Creates or replaces a guest file with `data` (bytes or a stream of chunks). */
  writeFile(guestPath: string, data: ByteSource, opts?: WriteFileOptions): Promise<void> {
    return writeGuestFile(this.#ch, guestPath, data, opts);
  }

  /**
   * `guest-shutdown`. The agent does not reply on success; silence for `graceMs` or the
   * connection dropping counts as success, an error reply rejects.
   */
  shutdown(mode: GuestShutdownMode = "powerdown", graceMs: number = SHUTDOWN_GRACE_MS): Promise<void> {
    return this.#ch.sendNoReply("guest-shutdown", { mode }, graceMs);
  }

  /** `guest-network-get-interfaces`. */
  async networkInterfaces(): Promise<GuestNetworkInterface[]> {
    const raw = await this.#ch.request("guest-network-get-interfaces");
    const list = parseReply(this.path, "guest-network-get-interfaces", guestNetworkInterfacesSchema, raw);
    return list.map((i) => ({
      name: i.name,
      hardwareAddress: i["hardware-address"],
      addresses: (i["ip-addresses"] ?? []).map((a) => ({ type: a["ip-address-type"], address: a["ip-address"], prefix: a.prefix })),
      statistics: i.statistics,
    }));
  }

  /** `guest-get-osinfo`. */
  async osInfo(): Promise<GuestOsInfo> {
    const r = parseReply(this.path, "guest-get-osinfo", guestOsInfoSchema, await this.#ch.request("guest-get-osinfo"));
    const out: GuestOsInfo = {};
    if (r["kernel-release"] !== undefined) out.kernelRelease = r["kernel-release"];
    if (r["kernel-version"] !== undefined) out.kernelVersion = r["kernel-version"];
    if (r.machine !== undefined) out.machine = r.machine;
    if (r.id !== undefined) out.id = r.id;
    if (r.name !== undefined) out.name = r.name;
    if (r["pretty-name"] !== undefined) out.prettyName = r["pretty-name"];
    if (r.version !== undefined) out.version = r.version;
    if (r["version-id"] !== undefined) out.versionId = r["version-id"];
    if (r.variant !== undefined) out.variant = r.variant;
    if (r["variant-id"] !== undefined) out.variantId = r["variant-id"];
    return out;
  }

  /** Closes the connection; a running request fails with `qga.closed`. */
  close(): Promise<void> {
    return this.#ch.close();
  }
}
