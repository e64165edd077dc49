/**
 * QMP client errors as data.
 *
 * Every failure of the QMP client is a `QmpError` whose `detail` is a union
 * discriminated on a literal `code`, naming the command and the socket (`path`) and
 * carrying a `hint`. Callers branch on `err.detail.code`; the CLI renders `message`
 * and `hint`.
 */
import { CodedError } from "../errors/mod.ts";

/** Why a QMP operation failed. */
export type QmpErrorDetail =
  | { code: "qmp.connect_failed"; path: string; errno: string; reason: string; hint: string }
  | { code: "qmp.handshake_failed"; path: string; reason: string; hint: string }
  | {
      code: "qmp.command_failed";
      path: string;
      command: string;
      /** QMP error class, e.g. `GenericError`, `CommandNotFound`, `DeviceNotFound`. */
      errorClass: string;
      desc: string;
      hint: string;
    }
  | { code: "qmp.timeout"; path: string; command: string; timeoutMs: number; hint: string }
  | { code: "qmp.closed"; path: string; command: string | undefined; reason: string; hint: string }
  | { code: "qmp.event_timeout"; path: string; event: string; timeoutMs: number; hint: string }
  | { code: "qmp.unexpected_reply"; path: string; command: string; problem: string; hint: string };

/** The literal codes of `QmpErrorDetail`. */
export type QmpErrorCode = QmpErrorDetail["code"];

/** The offending name: the QMP socket. */
function subjectOf(d: QmpErrorDetail): string {
  return d.path;
}

function describe(d: QmpErrorDetail): string {
  switch (d.code) {
    case "qmp.connect_failed":
      return `cannot connect to QMP socket ${d.path}: ${d.reason}`;
    case "qmp.handshake_failed":
      return `cannot start QMP session on ${d.path}: ${d.reason}`;
    case "qmp.command_failed":
      return `QMP command '${d.command}' failed: ${d.errorClass}: ${d.desc}`;
    case "qmp.timeout":
      return `QMP command '${d.command}' got no reply within ${d.timeoutMs} ms`;
    case "qmp.closed":
      return d.command === undefined
        ? `QMP connection ${d.path} closed: ${d.reason}`
        : `cannot complete QMP command '${d.command}': connection closed (${d.reason})`;
    case "qmp.event_timeout":
      return `QMP event ${d.event} did not arrive within ${d.timeoutMs} ms`;
    case "qmp.unexpected_reply":
      return `QMP command '${d.command}' returned an unexpected reply: ${d.problem}`;
    default: {
      const never: never = d;
      return String(never);
    }
  }
}

/** A QMP failure; inspect `detail` (or `code`). A `CodedError`, so it reaches the CLI with its code and hint. */
export class QmpError extends CodedError {
  override readonly name = "QmpError";
  declare readonly code: QmpErrorCode;
  declare readonly hint: string;
  declare readonly detail: QmpErrorDetail;

  constructor(detail: QmpErrorDetail, options?: { cause?: unknown }) {
    super(detail.code, describe(detail), {
      subject: subjectOf(detail),
      hint: detail.hint,
      detail,
      ...(options?.cause === undefined ? {} : { cause: options.cause }),
    });
  }
}

/** True if `err` is a `QmpError` with the given code. */
export function isQmpError(err: unknown, code?: QmpErrorCode): err is QmpError {
  return err instanceof QmpError && (code === undefined || err.detail.code === code);
}
