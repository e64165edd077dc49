/**
 * Guest-agent client errors as data.
 *
 * Every failure is a `QgaError` whose `detail` is a union discriminated on a literal
 * `code`, naming the agent socket (`path`), the command or guest path involved, and a
 * `hint`. An agent that has not started yet or has gone away is an ordinary
 * `qga.timeout` / `qga.not_ready` / `qga.closed`, never a hang.
 */
import { CodedError } from "../errors/mod.ts";

/** Why a guest-agent operation failed. */
export type QgaErrorDetail =
  | { code: "qga.connect_failed"; path: string; errno: string; reason: string; hint: string }
  | { code: "qga.timeout"; path: string; command: string; timeoutMs: number; hint: string }
  | { code: "qga.not_ready"; path: string; timeoutMs: number; attempts: number; hint: string }
  | { code: "qga.closed"; path: string; command: string | undefined; reason: string; hint: string }
  | {
      code: "qga.command_failed";
      path: string;
      command: string;
      /** QAPI error class, usually `GenericError`. */
      errorClass: string;
      desc: string;
      hint: string;
    }
  | { code: "qga.unexpected_reply"; path: string; command: string; problem: string; hint: string }
  | { code: "qga.exec_timeout"; path: string; program: string; pid: number; timeoutMs: number; hint: string }
  | { code: "qga.exec_failed"; path: string; program: string; args: string[]; exitCode: number | null; signal: number | null; stderr: string; hint: string }
  | { code: "qga.short_write"; path: string; guestPath: string; expected: number; written: number; hint: string };

/** The literal codes of `QgaErrorDetail`. */
export type QgaErrorCode = QgaErrorDetail["code"];

/** The offending name: the guest path or program when there is one, else the agent socket. */
function subjectOf(d: QgaErrorDetail): string {
  switch (d.code) {
    case "qga.short_write":
      return d.guestPath;
    case "qga.exec_timeout":
    case "qga.exec_failed":
      return d.program;
    default:
      return d.path;
  }
}

function describe(d: QgaErrorDetail): string {
  switch (d.code) {
    case "qga.connect_failed":
      return `cannot connect to guest agent socket ${d.path}: ${d.reason}`;
    case "qga.timeout":
      return `guest agent did not answer '${d.command}' within ${d.timeoutMs} ms`;
    case "qga.not_ready":
      return `guest agent on ${d.path} did not become ready within ${d.timeoutMs} ms (${d.attempts} sync attempts)`;
    case "qga.closed":
      return d.command === undefined
        ? `guest agent connection ${d.path} closed: ${d.reason}`
        : `cannot complete guest agent command '${d.command}': connection closed (${d.reason})`;
    case "qga.command_failed":
      return `guest agent command '${d.command}' failed: ${d.desc}`;
    case "qga.unexpected_reply":
      return `guest agent command '${d.command}' returned an unexpected reply: ${d.problem}`;
    case "qga.exec_timeout":
      return `guest command '${d.program}' (pid ${d.pid}) did not finish within ${d.timeoutMs} ms`;
    case "qga.exec_failed":
      return `guest command '${[d.program, ...d.args].join(" ")}' failed (${d.signal !== null ? `signal ${d.signal}` : `exit code ${d.exitCode}`}): ${d.stderr.trim()}`;
    case "qga.short_write":
      return `cannot write ${d.guestPath} in the guest: agent wrote ${d.written} of ${d.expected} bytes`;
    default: {
      const never: never = d;
      return String(never);
    }
  }
}

/** A guest-agent failure; inspect `detail` (or `code`). A `CodedError`, so it reaches the CLI with its code and hint. */
export class QgaError extends CodedError {
  override readonly name = "QgaError";
  declare readonly code: QgaErrorCode;
  declare readonly hint: string;
  declare readonly detail: QgaErrorDetail;

  constructor(detail: QgaErrorDetail, options?: { cause?: unknown }) {
    super(detail.code, describe(detail), {
      subject: subjectOf(detail),
      hint: detail.hint,
      detail,
      ...(options?.cause === undefined ? {} : { cause: options.cause }),
    });
  }
}

/** True if `err` is a `QgaError` with the given code. */
export function isQgaError(err: unknown, code?: QgaErrorCode): err is QgaError {
  return err instanceof QgaError && (code === undefined || err.detail.code === code);
}
