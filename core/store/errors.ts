/**
 * Errors a user can cause in the template store, as data (STYLE §8).
 *
 * Contract: every failure of a `TemplateStore` operation that the user can
 * act on is a `StoreError` with a literal `code` (dotted, in the same family
 * as the daemon's `template.not_found`), the offending reference and/or
 * path, a message that names it, and a hint saying what to do next. The CLI
 * renders them as `error[<code>]: message` + `hint: …`; the daemon can pass
 * them through unchanged. Bugs (programming errors) stay ordinary `Error`s.
 */
import { CodedError } from "../errors/mod.ts";

export type StoreErrorCode =
  | "template.invalid_ref"
  | "template.version_required"
  | "template.not_found"
  | "template.exists"
  | "template.in_use"
  | "template.corrupt"
  | "template.metadata_invalid"
  | "store.archive_invalid"
  | "store.archive_checksum"
  | "store.disk_invalid"
  | "store.source_missing"
  | "store.lock_timeout"
  | "store.io_failed"
  // image_safety.ts: why a disk from elsewhere is not adopted
  | "image.not_qcow2"
  | "image.backing_file"
  | "image.external_data_file"
  | "image.external_reference"
  | "image.encrypted"
  | "image.corrupt"
  | "image.unsupported";

export interface StoreErrorFields {
  readonly code: StoreErrorCode;
  readonly message: string;
  readonly hint: string;
  /** The template reference at fault, canonical `<arch>/<name>[@<version>]`. */
  readonly ref?: string;
  /** The file or directory at fault. */
  readonly path?: string;
  /** Linked clones involved (for `template.in_use`). */
  readonly clones?: readonly string[];
}

export class StoreError extends CodedError implements StoreErrorFields {
  override readonly name = "StoreError";
  declare readonly code: StoreErrorCode;
  declare readonly hint: string;
  readonly ref?: string;
  readonly path?: string;
  readonly clones?: readonly string[];

  constructor(f: StoreErrorFields, options?: { cause?: unknown }) {
    const subject = f.ref ?? f.path;
    const detail = {
      ...(f.ref === undefined ? {} : { ref: f.ref }),
      ...(f.path === undefined ? {} : { path: f.path }),
      ...(f.clones === undefined ? {} : { clones: [...f.clones] }),
    };
    super(f.code, f.message, {
      hint: f.hint,
      ...(subject === undefined ? {} : { subject }),
      ...(Object.keys(detail).length > 0 ? { detail } : {}),
      ...options,
    });
    if (f.ref !== undefined) this.ref = f.ref;
    if (f.path !== undefined) this.path = f.path;
    if (f.clones !== undefined) this.clones = f.clones;
  }
}

/** The hint every "template missing" error carries. */
export const HINT_GET_TEMPLATE = "build it with `vmlab template build` or pull it with `vmlab template pull`";

export function notFound(ref: string, available: readonly string[]): StoreError {
  const also = available.length > 0 ? `; versions in the store: ${available.join(", ")}` : "";
  return new StoreError({
    code: "template.not_found",
    ref,
    message: `template ${ref} is not in the store${also}`,
    hint: `${HINT_GET_TEMPLATE}, or import an archive with \`vmlab template import\``,
  });
}

/**
 * Map a Node file-system error to a store error naming `path` (a full disk
 * becomes a clear message instead of a bare `ENOSPC`).
 */
export function ioError(action: string, path: string, e: unknown): StoreError {
  const code = (e as { code?: unknown } | null)?.code;
  const detail =
    code === "ENOSPC" ? "no space left on device" : code === "EACCES" || code === "EPERM" ? "permission denied" : ((e as Error)?.message ?? String(e));
  const hint =
    code === "ENOSPC" ? "free some disk space (remove unused templates with `vmlab template rm`) and retry" : "check the path and its permissions, then retry";
  return new StoreError({ code: "store.io_failed", path, message: `cannot ${action} ${path}: ${detail}`, hint }, { cause: e });
}

/** Rethrow store errors unchanged; wrap anything else from the file system. */
export function asStoreError(action: string, path: string, e: unknown): StoreError {
  return e instanceof StoreError ? e : ioError(action, path, e);
}

export function versionRequired(text: string, what: string): StoreError {
  return new StoreError({
    code: "template.version_required",
    ref: text,
    message: `${what} needs an exact version: "${text}" has none`,
    hint: `write ${text}@<version>; \`vmlab template list\` shows the versions`,
  });
}

/** The clones are data (`clones`): the CLI lists them once, one per line, under the message. */
export function inUse(ref: string, clones: readonly string[], action: "remove" | "overwrite"): StoreError {
  const hint =
    action === "remove"
      ? `destroy those labs first (\`vmlab destroy\`), or pass --force to remove it anyway (the clones will stop working)`
      : "destroy the labs using it first, or import under another version";
  return new StoreError({ code: "template.in_use", ref, clones, message: `cannot ${action} ${ref}: ${clones.length} linked clone(s) are backed by it`, hint });
}
