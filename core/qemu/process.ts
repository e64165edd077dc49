/**
 * Supervision of one QEMU process.
 *
 * Contract: `QemuProcess.spawn(argv, opts)` starts QEMU with stdin closed,
 * stdout discarded and stderr appended, line by line, to the VM's JSON-line
 * log (`{ts, level, src: "qemu", msg}`), so a failing QEMU leaves its reason
 * behind. `exited` resolves once with the exit code or signal. `stop()` walks
 * the kill ladder: an optional graceful step supplied by the caller (usually
 * QMP `quit` or an ACPI powerdown), then SIGTERM, then SIGKILL, each with its
 * own deadline; it always resolves, never hangs.
 *
 * The last stderr lines are kept in memory (bounded) so a caller can put the
 * real cause into an error message when QEMU exits early.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

/** How long SIGTERM gets before SIGKILL. */
export const TERM_GRACE_MS = 5_000;
/** How long the caller's graceful step gets before SIGTERM. */
export const GRACEFUL_STOP_MS = 30_000;
/** Lines of stderr kept for error messages. */
export const STDERR_TAIL_LINES = 40;

export interface QemuExit {
  /** Exit code, or null when killed by a signal. */
  readonly code: number | null;
  readonly signal: string | null;
}

export interface SpawnOptions {
  /** JSON-line log file receiving QEMU's stderr. */
  readonly logFile?: string;
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
}

export interface StopOptions {
  /** A polite request to stop (QMP quit, system_powerdown, guest-shutdown). */
  readonly graceful?: () => Promise<unknown>;
  readonly gracefulMs?: number;
  readonly termMs?: number;
}

/** A running (or finished) QEMU child. */
export class QemuProcess {
  readonly pid: number;
  readonly argv: readonly string[];
  readonly exited: Promise<QemuExit>;
  #exit: QemuExit | undefined;
  #stderrTail: string[] = [];
  #proc: ReturnType<typeof Bun.spawn>;

  private constructor(argv: readonly string[], opts: SpawnOptions) {
    this.argv = argv;
    if (opts.logFile) mkdirSync(dirname(opts.logFile), { recursive: true });
    const proc = Bun.spawn([...argv], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
    });
    this.#proc = proc;
    this.pid = proc.pid;
    const drained = this.#drainStderr(opts.logFile);
    this.exited = (async (): Promise<QemuExit> => {
      const code = await proc.exited;
      await drained;
      const signal = proc.signalCode == null ? null : String(proc.signalCode);
      const exit: QemuExit = { code: signal ? null : code, signal };
      this.#exit = exit;
      return exit;
    })();
  }

  /** Start QEMU. Throws only if the binary cannot be executed at all. */
  static spawn(argv: readonly string[], opts: SpawnOptions = {}): QemuProcess {
    return new QemuProcess(argv, opts);
  }

  /** The exit status, once known. */
  get exit(): QemuExit | undefined {
    return this.#exit;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** The last lines QEMU wrote to stderr (for error messages). */
  stderrTail(): string {
    return this.#stderrTail.join("\n");
  }

  async #drainStderr(logFile: string | undefined): Promise<void> {
    const stream = this.#proc.stderr;
    if (!stream || typeof stream === "number") return;
    const decoder = new TextDecoder();
    let pending = "";
    const emit = (line: string): void => {
      if (!line) return;
      this.#stderrTail.push(line);
      if (this.#stderrTail.length > STDERR_TAIL_LINES) this.#stderrTail.shift();
      if (logFile) {
        const rec = { ts: new Date().toISOString(), level: "warn", src: "qemu", msg: line };
        try {
          appendFileSync(logFile, JSON.stringify(rec) + "\n", { mode: 0o600 });
        } catch {
          // A full or vanished log directory must not take supervision down.
        }
      }
    };
    for await (const chunk of stream as ReadableStream<Uint8Array>) {
      pending += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        emit(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    }
    emit(pending);
  }

  /** Send a signal if still running. */
  kill(signal: "SIGTERM" | "SIGKILL" | "SIGINT" = "SIGTERM"): void {
    if (this.running) this.#proc.kill(signal);
  }

  /**
   * Stop QEMU: graceful step (if given) → SIGTERM → SIGKILL. Resolves with
   * the exit status and which rung of the ladder ended it.
   */
  async stop(opts: StopOptions = {}): Promise<QemuExit & { readonly via: "graceful" | "term" | "kill" | "already" }> {
    if (!this.running) return { ...(this.#exit as QemuExit), via: "already" };
    if (opts.graceful) {
      opts.graceful().catch(() => undefined);
      const e = await withDeadline(this.exited, opts.gracefulMs ?? GRACEFUL_STOP_MS);
      if (e) return { ...e, via: "graceful" };
    }
    this.kill("SIGTERM");
    const t = await withDeadline(this.exited, opts.termMs ?? TERM_GRACE_MS);
    if (t) return { ...t, via: "term" };
    this.kill("SIGKILL");
    return { ...(await this.exited), via: "kill" };
  }
}

/** Resolve with the promise's value, or undefined after `ms`. */
export async function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
