/**
 * Running a program in the guest: `guest-exec`, then `guest-exec-status` polling.
 *
 * Contract: `execInGuest()` starts `program` with `args` (no shell), optional stdin
 * (`input-data`, base64) and environment (`env`, `NAME=value` strings; note qemu-ga
 * then replaces the whole environment), and polls until the process exits or
 * `timeoutMs` passes. Polling starts fast and backs off (`EXEC_POLL_*`), sleeping on the
 * injected clock. Captured output comes back once the process has exited; qemu-ga caps
 * each stream at 16 MiB and reports truncation. On timeout the error names the pid:
 * the agent has no way to kill it, so it keeps running in the guest.
 *
 * A non-zero exit code is a result, not an error (`ExecResult.exitCode`).
 */
import type { QgaChannel } from "./channel.ts";
import { QgaError } from "./errors.ts";
import { fromBase64, parseReply, toBase64 } from "./reply.ts";
import { guestExecSchema, guestExecStatusSchema } from "./types.ts";

/** Default limit for one guest command (the reference's `vm.exec`: 120 s). */
export const DEFAULT_EXEC_TIMEOUT_MS = 120_000;
/** First pause between `guest-exec-status` polls. */
export const EXEC_POLL_INITIAL_MS = 5;
/** Longest pause between polls (the backoff doubles up to this). */
export const EXEC_POLL_MAX_MS = 200;

/** Options for `exec`. */
export interface ExecOptions {
  /** Bytes (or UTF-8 text) fed to stdin; stdin is closed after them. */
  input?: Uint8Array | string;
  /** Environment as a record or `NAME=value` strings (replaces the agent's environment). */
  env?: Record<string, string> | readonly string[];
  /** Capture stdout/stderr (default true). */
  captureOutput?: boolean;
  /** Overall limit from start to exit (default 120 s). */
  timeoutMs?: number;
}

/** Outcome of a guest command. */
export interface ExecResult {
  pid: number;
  /** Exit status, or null when the process was killed by a signal. */
  exitCode: number | null;
  /** Terminating signal number, or null. */
  signal: number | null;
  stdout: Uint8Array;
  stderr: Uint8Array;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** Either stream was truncated by the agent's output cap. */
  truncated: boolean;
}

/** Runs `program args…` in the guest and waits for it to exit. */
export async function execInGuest(ch: QgaChannel, program: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  const deadline = ch.clock.now() + timeoutMs;
  const request: Record<string, unknown> = {
    path: program,
    arg: [...args],
    "capture-output": opts.captureOutput ?? true,
  };
  if (opts.env !== undefined) {
    request["env"] = Array.isArray(opts.env) ? [...opts.env] : Object.entries(opts.env as Record<string, string>).map(([k, v]) => `${k}=${v}`);
  }
  if (opts.input !== undefined) {
    const bytes = typeof opts.input === "string" ? new TextEncoder().encode(opts.input) : opts.input;
    request["input-data"] = toBase64(bytes);
  }
  const started = parseReply(
    ch.path,
    "guest-exec",
    guestExecSchema,
    await ch.request("guest-exec", request, { timeoutMs: Math.min(timeoutMs, ch.commandTimeoutMs) }),
  );
  const pid = started.pid;
  let pause = EXEC_POLL_INITIAL_MS;
  for (;;) {
    const remaining = deadline - ch.clock.now();
    const status = parseReply(
      ch.path,
      "guest-exec-status",
      guestExecStatusSchema,
      await ch.request("guest-exec-status", { pid }, { timeoutMs: Math.max(1, Math.min(remaining, ch.commandTimeoutMs)) }),
    );
    if (status.exited) {
      const stdoutTruncated = status["out-truncated"] ?? false;
      const stderrTruncated = status["err-truncated"] ?? false;
      return {
        pid,
        exitCode: status.exitcode ?? null,
        signal: status.signal ?? null,
        stdout: fromBase64(status["out-data"] ?? ""),
        stderr: fromBase64(status["err-data"] ?? ""),
        stdoutTruncated,
        stderrTruncated,
        truncated: stdoutTruncated || stderrTruncated,
      };
    }
    if (ch.clock.now() + pause > deadline) {
      throw new QgaError({
        code: "qga.exec_timeout",
        path: ch.path,
        program,
        pid,
        timeoutMs,
        hint: "The process keeps running in the guest; the agent cannot kill it. Raise the timeout or kill it from the guest.",
      });
    }
    await sleep(ch, pause);
    pause = Math.min(pause * 2, EXEC_POLL_MAX_MS);
  }
}

function sleep(ch: QgaChannel, ms: number): Promise<void> {
  return new Promise((resolve) => ch.clock.setTimer(ms, resolve));
}
