/**
 * Errors users can cause, as data (STYLE §8): a literal `code`, a message
 * naming the offending thing, an optional hint, and the HTTP status the
 * control API answers with. One class travels from daemon to CLI: the daemon
 * serialises it as `{error: {code, message, hint, subject}}`, the client
 * rebuilds it, and the CLI renders it in one place.
 */

import { CodedError } from "../errors/mod.ts";

export type ErrorCode =
  | "lab.not_found"
  | "lab.not_up"
  | "lab.busy"
  | "lab.invalid"
  | "lab.daemon_failed"
  | "lab.name_taken"
  | "vm.not_found"
  | "vm.not_running"
  | "vm.start_failed"
  | "vm.not_ready"
  | "vm.agent_unavailable"
  | "exec.timeout"
  | "exec.failed"
  | "cp.failed"
  | "network.port_taken"
  | "network.not_found"
  | "network.invalid"
  | "provision.failed"
  | "provision.skipped"
  | "script.invalid"
  | "snapshot.bad_name"
  | "snapshot.not_found"
  | "snapshot.exists"
  | "snapshot.no_disk"
  | "snapshot.disk_only"
  | "snapshot.failed"
  | "template.not_found"
  | "disk.full"
  | "daemon.unreachable"
  | "daemon.already_running"
  | "request.invalid"
  | "internal";

/** HTTP status per error class. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  "lab.not_found": 404,
  "vm.not_found": 404,
  "template.not_found": 404,
  "lab.not_up": 409,
  "lab.busy": 409,
  "lab.name_taken": 409,
  "vm.not_running": 409,
  "request.invalid": 400,
  "lab.invalid": 422,
  "exec.timeout": 504,
  "exec.failed": 422,
  "network.port_taken": 409,
  "network.not_found": 404,
  "network.invalid": 422,
  "provision.failed": 422,
  "script.invalid": 422,
  "snapshot.bad_name": 400,
  "snapshot.not_found": 404,
  "snapshot.exists": 409,
  "snapshot.no_disk": 409,
  "snapshot.disk_only": 409,
  "disk.full": 507,
};

export class VmlabError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  /** The offending name (lab, VM, template ref, path). */
  readonly subject: string | undefined;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; subject?: string } = {}) {
    super(message);
    this.name = "VmlabError";
    this.code = code;
    this.hint = opts.hint;
    this.subject = opts.subject;
  }

  get status(): number {
    return STATUS[this.code] ?? 500;
  }

  toJSON(): { code: ErrorCode; message: string; hint?: string; subject?: string } {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}), ...(this.subject ? { subject: this.subject } : {}) };
  }

  static from(e: unknown): VmlabError {
    if (e instanceof VmlabError) return e;
    // Layers below the daemon throw the shared CodedError (core/errors); keep its code and hint.
    if (e instanceof CodedError) return new VmlabError(e.code as ErrorCode, e.message, { ...(e.hint === undefined ? {} : { hint: e.hint }), ...(e.subject === undefined ? {} : { subject: e.subject }) });
    const err = e as { code?: unknown; message?: unknown };
    if (err && err.code === "ENOSPC") return new VmlabError("disk.full", `No space left on device: ${String(err.message)}`, { hint: "Free disk space (old templates: `vmlab template list`) and try again." });
    return new VmlabError("internal", e instanceof Error ? e.message : String(e));
  }
}
