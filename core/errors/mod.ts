/**
 * One coded-error model for every layer of vmlab (DESIGN §8, STYLE §8).
 *
 * An error a user can cause is data: a dotted `code` (`store.in_use`,
 * `config.invalid_cidr`; wscript's `E0201` codes stay as the language
 * defines them), a lower-case `message` that names the offending thing, the
 * offending `subject` (a lab, VM, template ref, path, share…), an optional
 * `location` (file:line:col for config and scripts), a `hint` that says what
 * to do, and optional structured `detail`. The HTTP status a control API
 * answers with follows from the code's family, so no call site maps codes by
 * hand. This module imports nothing, so the libraries at the bottom of the
 * dependency graph (wcl, net, oci, wscript, store, qmp, qga) may use it.
 */

export interface Location {
  readonly file: string;
  readonly line?: number;
  readonly col?: number;
}

export interface CodedErrorOptions {
  /** The offending name: lab, VM, template ref, path, share, peer… */
  readonly subject?: string;
  readonly location?: Location;
  /** What the user should do next. */
  readonly hint?: string;
  /** Structured extra data (e.g. the clones backing a template). JSON-serialisable. */
  readonly detail?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/** The wire/JSON shape of a coded error: `{"error": CodedErrorJson}`. */
export interface CodedErrorJson {
  code: string;
  message: string;
  subject?: string;
  location?: Location;
  hint?: string;
  detail?: Record<string, unknown>;
}

/**
 * HTTP status by code: an exact code first, then the last segment of the code
 * (`*.not_found` → 404), then the family (first segment), then 500.
 */
const STATUS_BY_CODE: Record<string, number> = {
  "disk.full": 507,
  "request.invalid": 400,
  "request.too_large": 413,
  "exec.timeout": 504,
  internal: 500,
};
const STATUS_BY_KIND: Record<string, number> = {
  not_found: 404,
  missing: 404,
  exists: 409,
  busy: 409,
  in_use: 409,
  not_up: 409,
  not_running: 409,
  paused: 409,
  name_taken: 409,
  port_taken: 409,
  conflict: 409,
  invalid: 422,
  bad_name: 400,
  unauthorized: 401,
  forbidden: 403,
  timeout: 504,
  unreachable: 503,
  too_large: 413,
  unsupported: 422,
};
const STATUS_BY_FAMILY: Record<string, number> = {
  config: 422,
  request: 400,
  script: 422,
  provision: 422,
  auth: 401,
};

export function statusForCode(code: string): number {
  const exact = STATUS_BY_CODE[code];
  if (exact !== undefined) return exact;
  const dot = code.indexOf(".");
  const kind = dot >= 0 ? code.slice(code.lastIndexOf(".") + 1) : code;
  for (const [suffix, status] of Object.entries(STATUS_BY_KIND)) {
    if (kind === suffix || kind.endsWith(`_${suffix}`)) return status;
  }
  const family = dot >= 0 ? code.slice(0, dot) : code;
  return STATUS_BY_FAMILY[family] ?? (code === "internal" ? 500 : 422);
}

export class CodedError extends Error {
  readonly code: string;
  readonly subject: string | undefined;
  readonly location: Location | undefined;
  readonly hint: string | undefined;
  readonly detail: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, opts: CodedErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "CodedError";
    this.code = code;
    this.subject = opts.subject;
    this.location = opts.location;
    this.hint = opts.hint;
    this.detail = opts.detail;
  }

  /** The HTTP status a control API answers this error with. */
  get status(): number {
    return statusForCode(this.code);
  }

  toJSON(): CodedErrorJson {
    return {
      code: this.code,
      message: this.message,
      ...(this.subject === undefined ? {} : { subject: this.subject }),
      ...(this.location === undefined ? {} : { location: this.location }),
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.detail === undefined ? {} : { detail: { ...this.detail } }),
    };
  }

  /** Rebuild an error from its wire shape (the client side of the control protocol). */
  static fromJSON(j: CodedErrorJson): CodedError {
    return new CodedError(j.code, j.message, {
      ...(j.subject === undefined ? {} : { subject: j.subject }),
      ...(j.location === undefined ? {} : { location: j.location }),
      ...(j.hint === undefined ? {} : { hint: j.hint }),
      ...(j.detail === undefined ? {} : { detail: j.detail }),
    });
  }

  /**
   * Re-frame an error under a message that names what the caller was doing
   * (`cannot write web:/etc/motd: <the error's message>`), keeping its code,
   * hint, location and detail — so a wrapper never loses the layer's own code.
   */
  static withContext(e: unknown, what: string, opts: { subject?: string } = {}): CodedError {
    const inner = CodedError.from(e);
    const subject = opts.subject ?? inner.subject;
    return new CodedError(inner.code, `${what}: ${inner.message}`, {
      ...(subject === undefined ? {} : { subject }),
      ...(inner.location === undefined ? {} : { location: inner.location }),
      ...(inner.hint === undefined ? {} : { hint: inner.hint }),
      ...(inner.detail === undefined ? {} : { detail: inner.detail }),
      cause: e,
    });
  }

  /**
   * Any thrown value as a coded error: coded errors pass through (any object
   * with a string `code` containing a dot and a string `message` counts, so
   * older error classes keep their code), a full disk becomes `disk.full`,
   * anything else is `internal` with its message.
   */
  static from(e: unknown): CodedError {
    if (e instanceof CodedError) return e;
    const err = e as { code?: unknown; message?: unknown; hint?: unknown; subject?: unknown } | null;
    if (err && typeof err.code === "string" && err.code.includes(".") && typeof err.message === "string") {
      return new CodedError(err.code, err.message, {
        ...(typeof err.hint === "string" ? { hint: err.hint } : {}),
        ...(typeof err.subject === "string" ? { subject: err.subject } : {}),
        cause: e,
      });
    }
    if (err && err.code === "ENOSPC") {
      return new CodedError("disk.full", `no space left on device: ${String(err.message)}`, {
        hint: "free disk space (old templates: `vmlab template list`) and try again",
        cause: e,
      });
    }
    return new CodedError("internal", e instanceof Error ? e.message : String(e), { cause: e });
  }
}
