/**
 * A running virtual machine: the QEMU process, its QMP session, and its
 * guest agent, started and stopped as one unit.
 *
 * Contract: `Machine.start(spec)` spawns QEMU from `buildArgv(spec)`, waits
 * for the QMP socket and negotiates capabilities; if QEMU dies first the
 * error carries QEMU's own stderr. `agent()` connects the guest-agent channel
 * (lazily; QEMU accepts the connection at once, the agent answers only when
 * the guest has booted, so callers use `waitForAgent`). `powerdown()` asks
 * the guest to shut down through ACPI and waits for QEMU to exit; `stop()` is
 * the kill ladder (QMP quit → SIGTERM → SIGKILL) and always ends the process.
 *
 * The lab daemon owns many machines; this type owns no global state.
 */
import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { QgaClient } from "../qga/mod.ts";
import { QmpClient } from "../qmp/mod.ts";
import { buildArgv } from "../qemu/argv.ts";
import { CodedError } from "../errors/mod.ts";
import { QemuProcess, withDeadline, type QemuExit } from "../qemu/process.ts";
import type { QemuVmSpec } from "../qemu/spec.ts";

/** How long QEMU gets to create its QMP socket. */
export const QMP_STARTUP_TIMEOUT_MS = 15_000;
/** Default wait for the guest agent after boot (TCG boots take seconds). */
export const AGENT_READY_TIMEOUT_MS = 120_000;
/** Default wait for an ACPI power-off to finish. */
export const POWERDOWN_TIMEOUT_MS = 60_000;

export class MachineError extends CodedError {
  override readonly name = "MachineError";
  declare readonly code: "machine.start_failed" | "machine.agent_timeout" | "machine.powerdown_timeout";
  constructor(
    code: "machine.start_failed" | "machine.agent_timeout" | "machine.powerdown_timeout",
    readonly vm: string,
    message: string,
    hint?: string,
  ) {
    super(code, message, { subject: vm, ...(hint === undefined ? {} : { hint }) });
  }
}

export interface MachineStartOptions {
  /** JSON-line log receiving QEMU's stderr. */
  readonly logFile?: string;
  /** Override the binary path (argv[0]). */
  readonly qemuBinary?: string;
  /**
   * Programs to run QEMU through, e.g. `["setpriv", "--pdeathsig", "KILL", "--"]`
   * so QEMU dies with the daemon that owns it instead of lingering as an orphan.
   */
  readonly wrapper?: readonly string[];
}

export class Machine {
  readonly spec: QemuVmSpec;
  readonly process: QemuProcess;
  readonly qmp: QmpClient;
  #agent: QgaClient | undefined;

  private constructor(spec: QemuVmSpec, process: QemuProcess, qmp: QmpClient) {
    this.spec = spec;
    this.process = process;
    this.qmp = qmp;
  }

  /** Spawn QEMU and connect QMP. */
  static async start(spec: QemuVmSpec, opts: MachineStartOptions = {}): Promise<Machine> {
    for (const p of [spec.paths.qmpSocket, spec.paths.agentSocket, spec.paths.serialLog]) mkdirSync(dirname(p), { recursive: true });
    // QEMU creates the serial log with the umask's mode; it holds console output, so it is private (0600).
    closeSync(openSync(spec.paths.serialLog, "a", 0o600));
    chmodSync(spec.paths.serialLog, 0o600);
    const argv = buildArgv(spec);
    if (opts.qemuBinary) argv[0] = opts.qemuBinary;
    const proc = QemuProcess.spawn([...(opts.wrapper ?? []), ...argv], opts.logFile ? { logFile: opts.logFile } : {});
    const connecting = QmpClient.connect(spec.paths.qmpSocket, { connectTimeoutMs: QMP_STARTUP_TIMEOUT_MS });
    const first = await Promise.race([
      connecting.then((qmp) => ({ kind: "qmp" as const, qmp })).catch((err: unknown) => ({ kind: "error" as const, err })),
      proc.exited.then((exit) => ({ kind: "exit" as const, exit })),
    ]);
    if (first.kind === "qmp") return new Machine(spec, proc, first.qmp);
    // QEMU exited or QMP never came up: report QEMU's own words.
    if (first.kind === "error") await proc.stop({ termMs: 2_000 });
    else connecting.then((q) => q.close()).catch(() => undefined);
    const exit = first.kind === "exit" ? first.exit : proc.exit;
    const why = proc.stderrTail() || (first.kind === "error" ? String((first.err as Error).message) : `exit ${describeExit(exit)}`);
    throw new MachineError(
      "machine.start_failed",
      spec.name,
      `cannot start VM ${spec.name}: QEMU ${first.kind === "exit" ? `exited (${describeExit(exit)})` : "did not open its monitor"}: ${why}`,
      "run `vmlab doctor` to check the QEMU installation; `vmlab logs` shows QEMU's full output",
    );
  }

  /** The guest-agent client (connected on first use). */
  async agent(): Promise<QgaClient> {
    if (!this.#agent || this.#agent.isClosed) this.#agent = await QgaClient.connect(this.spec.paths.agentSocket);
    return this.#agent;
  }

  /** Wait until the guest agent answers a sync; fails early if QEMU exits. */
  async waitForAgent(timeoutMs = AGENT_READY_TIMEOUT_MS): Promise<QgaClient> {
    const agent = await this.agent();
    const ready = agent.waitReady(timeoutMs);
    const r = await Promise.race([ready.then(() => "ready" as const), this.process.exited.then(() => "exited" as const)]);
    if (r === "exited") {
      throw new MachineError(
        "machine.agent_timeout",
        this.spec.name,
        `VM ${this.spec.name} exited (${describeExit(this.process.exit)}) before its guest agent answered`,
      );
    }
    return agent;
  }

  /** ACPI power button; resolves with QEMU's exit once the guest has powered off. */
  async powerdown(timeoutMs = POWERDOWN_TIMEOUT_MS): Promise<QemuExit> {
    await this.qmp.execute("system_powerdown");
    const exit = await withDeadline(this.process.exited, timeoutMs);
    if (!exit) {
      throw new MachineError(
        "machine.powerdown_timeout",
        this.spec.name,
        `VM ${this.spec.name} did not power off within ${Math.round(timeoutMs / 1000)} s of the ACPI power button`,
        "the guest may ignore ACPI: stop it with `vmlab vm stop --force`",
      );
    }
    await this.close();
    return exit;
  }

  /** End QEMU for sure: QMP quit, then SIGTERM, then SIGKILL. */
  async stop(opts: { gracefulMs?: number } = {}): Promise<QemuExit> {
    const exit = await this.process.stop({
      graceful: () => this.qmp.execute("quit"),
      gracefulMs: opts.gracefulMs ?? 5_000,
    });
    await this.close();
    return exit;
  }

  /** Close the control channels (does not stop QEMU). */
  async close(): Promise<void> {
    await Promise.allSettled([this.qmp.close(), this.#agent?.close()]);
  }
}

function describeExit(e: QemuExit | undefined): string {
  if (!e) return "still running";
  return e.signal ? `signal ${e.signal}` : `status ${e.code}`;
}
