/**
 * Errors of the screen-and-input automation on a running VM, as data.
 *
 * Three classes, one per concern — `InputError` (keyboard, mouse), `ScreenError`
 * (screenshots, matching, OCR, waits) and `SnapshotError` — each carrying a `detail`
 * union discriminated on a literal `code`, the VM's name, and a `hint`. `message` is
 * one line naming the VM and the offending thing; the script layer renders
 * `message` (+ hint) as the `Err` string of `Result[…, string]`. Failures of the QMP
 * channel underneath are wrapped (`*.qmp_failed`) with the QMP error as `cause`, so a
 * caller never has to know about `QmpError` to explain what went wrong.
 */
import { CodedError } from "../errors/mod.ts";
import type { Rect, VisionError } from "../vision/mod.ts";

/** A best-effort image hit recorded for timeout diagnostics. */
export interface BestSeen {
  readonly x: number;
  readonly y: number;
  readonly score: number;
}

/** Why a keyboard or mouse operation failed. */
export type InputErrorDetail =
  | { code: "input.bad_chord"; chord: string; name: string; hint: string }
  | { code: "input.untypeable_char"; char: string; index: number; hint: string }
  | { code: "input.bad_button"; button: string; hint: string }
  | { code: "input.bad_coordinates"; x: number; y: number; width: number; height: number; hint: string }
  | { code: "input.bad_option"; option: string; value: number; hint: string }
  | { code: "input.no_tablet"; hint: string }
  | { code: "input.qmp_failed"; operation: string; reason: string; hint: string };

/** Why a screenshot, match, OCR or wait failed. */
export type ScreenErrorDetail =
  | { code: "screen.capture_failed"; reason: string; hint: string }
  | { code: "screen.vision"; error: VisionError; hint: string }
  | { code: "screen.bad_pattern"; pattern: string; reason: string; hint: string }
  | { code: "screen.bad_option"; option: string; value: number; hint: string }
  | { code: "screen.save_failed"; path: string; reason: string; hint: string }
  | {
      code: "screen.timeout";
      /** What was awaited: reference image names or the text pattern. */
      target: string;
      kind: "image" | "text";
      timeoutMs: number;
      /** Screens examined before giving up. */
      polls: number;
      /** Last OCR text (text waits). */
      lastText?: string;
      /** Best score and place seen on the last screen (image waits). */
      best?: BestSeen;
      /** A screenshot saved at the moment of the timeout, when a folder was configured. */
      screenshot?: string;
      hint: string;
    };

/** Why a snapshot operation failed. */
export type SnapshotErrorDetail =
  | { code: "snapshot.bad_name"; name: string; reason: string; hint: string }
  | { code: "snapshot.not_found"; name: string; available: readonly string[]; hint: string }
  | { code: "snapshot.exists"; name: string; hint: string }
  | { code: "snapshot.no_disk"; hint: string }
  | { code: "snapshot.disk_only"; name: string; hint: string }
  | { code: "snapshot.job_failed"; operation: SnapshotOperation; name: string; reason: string; hint: string }
  | { code: "snapshot.timeout"; operation: SnapshotOperation; name: string; timeoutMs: number; hint: string }
  | { code: "snapshot.qmp_failed"; operation: SnapshotOperation; name: string; reason: string; hint: string }
  | { code: "snapshot.img_failed"; operation: SnapshotOperation; name: string; reason: string; hint: string };

/** The snapshot verbs, named in errors. */
export type SnapshotOperation = "save" | "load" | "delete" | "list";

function shorten(s: string, max = 200): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

function describeInput(vm: string, d: InputErrorDetail): string {
  switch (d.code) {
    case "input.bad_chord":
      return `cannot send keys '${d.chord}' to VM ${vm}: unknown key name '${d.name}'`;
    case "input.untypeable_char":
      return `cannot type text on VM ${vm}: character ${JSON.stringify(d.char)} at index ${d.index} is not printable US-ASCII`;
    case "input.bad_button":
      return `cannot click on VM ${vm}: unknown mouse button '${d.button}'`;
    case "input.bad_coordinates":
      return `cannot move the mouse on VM ${vm} to (${d.x}, ${d.y}): outside the ${d.width}×${d.height} screen`;
    case "input.bad_option":
      return `cannot send input to VM ${vm}: ${d.option} = ${d.value} is out of range`;
    case "input.no_tablet":
      return `cannot move the mouse on VM ${vm}: it has no absolute pointer (usb-tablet or virtio-tablet)`;
    case "input.qmp_failed":
      return `cannot ${d.operation} on VM ${vm}: ${d.reason}`;
    default: {
      const never: never = d;
      return String(never);
    }
  }
}

function describeScreen(vm: string, d: ScreenErrorDetail): string {
  switch (d.code) {
    case "screen.capture_failed":
      return `cannot capture the screen of VM ${vm}: ${d.reason}`;
    case "screen.vision":
      return `${d.error.message} (${d.error.source}) on VM ${vm}`;
    case "screen.bad_pattern":
      return `cannot wait for text /${d.pattern}/ on VM ${vm}: ${d.reason}`;
    case "screen.bad_option":
      return `cannot use ${d.option} = ${d.value} on the screen of VM ${vm}: out of range`;
    case "screen.save_failed":
      return `cannot save a screenshot of VM ${vm} to ${d.path}: ${d.reason}`;
    case "screen.timeout": {
      const secs = Math.round(d.timeoutMs / 100) / 10;
      const what = d.kind === "text" ? `text /${d.target}/` : `image ${d.target}`;
      const saw =
        d.kind === "text"
          ? d.lastText === undefined
            ? "no OCR result"
            : `last OCR text: ${JSON.stringify(shorten(d.lastText))}`
          : d.best === undefined
            ? "no match candidate"
            : `best score ${d.best.score.toFixed(3)} at (${d.best.x}, ${d.best.y})`;
      const shot = d.screenshot === undefined ? "" : `; screenshot: ${d.screenshot}`;
      return `timed out after ${secs} s waiting for ${what} on VM ${vm} (${d.polls} screens; ${saw}${shot})`;
    }
    default: {
      const never: never = d;
      return String(never);
    }
  }
}

function describeSnapshot(vm: string, d: SnapshotErrorDetail): string {
  switch (d.code) {
    case "snapshot.bad_name":
      return `cannot use snapshot name ${JSON.stringify(d.name)} on VM ${vm}: ${d.reason}`;
    case "snapshot.not_found":
      return `cannot find snapshot '${d.name}' of VM ${vm} (it has ${d.available.length === 0 ? "no snapshots" : d.available.map((n) => `'${n}'`).join(", ")})`;
    case "snapshot.exists":
      return `cannot take snapshot '${d.name}' of VM ${vm}: a snapshot with that name exists`;
    case "snapshot.no_disk":
      return `cannot snapshot VM ${vm}: it has no writable qcow2 disk to hold internal snapshots`;
    case "snapshot.disk_only":
      return `cannot restore snapshot '${d.name}' of VM ${vm} while it runs: it was taken offline (disk only)`;
    case "snapshot.job_failed":
      return `cannot ${d.operation} snapshot '${d.name}' of VM ${vm}: ${d.reason}`;
    case "snapshot.timeout":
      return `snapshot ${d.operation} of '${d.name}' on VM ${vm} did not finish within ${Math.round(d.timeoutMs / 1000)} s`;
    case "snapshot.qmp_failed":
      return `cannot ${d.operation} snapshot '${d.name}' of VM ${vm}: ${d.reason}`;
    case "snapshot.img_failed":
      return `cannot ${d.operation} offline snapshot '${d.name}' of VM ${vm}: ${d.reason}`;
    default: {
      const never: never = d;
      return String(never);
    }
  }
}

/** A keyboard or mouse failure; inspect `detail` (or `code`). */
export class InputError extends CodedError {
  override readonly name = "InputError";
  declare readonly code: InputErrorDetail["code"];
  declare readonly hint: string;
  declare readonly detail: InputErrorDetail;
  constructor(
    readonly vm: string,
    detail: InputErrorDetail,
    options?: { cause?: unknown },
  ) {
    super(detail.code, describeInput(vm, detail), { subject: vm, hint: detail.hint, detail, ...options });
  }
}

/** A screen, matching, OCR or wait failure; inspect `detail` (or `code`). */
export class ScreenError extends CodedError {
  override readonly name = "ScreenError";
  declare readonly code: ScreenErrorDetail["code"];
  declare readonly hint: string;
  declare readonly detail: ScreenErrorDetail;
  constructor(
    readonly vm: string,
    detail: ScreenErrorDetail,
    options?: { cause?: unknown },
  ) {
    super(detail.code, describeScreen(vm, detail), { subject: vm, hint: detail.hint, detail, ...options });
  }
}

/** A snapshot failure; inspect `detail` (or `code`). */
export class SnapshotError extends CodedError {
  override readonly name = "SnapshotError";
  declare readonly code: SnapshotErrorDetail["code"];
  declare readonly hint: string;
  declare readonly detail: SnapshotErrorDetail;
  constructor(
    readonly vm: string,
    detail: SnapshotErrorDetail,
    options?: { cause?: unknown },
  ) {
    super(detail.code, describeSnapshot(vm, detail), { subject: vm, hint: detail.hint, detail, ...options });
  }
}

/** Any of the automation errors. */
export type AutomationError = InputError | ScreenError | SnapshotError;

/** True for the automation errors of this module. */
export function isAutomationError(err: unknown): err is AutomationError {
  return err instanceof InputError || err instanceof ScreenError || err instanceof SnapshotError;
}

/** The one-line form scripts receive: "<message> — hint: <hint>". */
export function formatAutomationError(err: AutomationError): string {
  return err.hint ? `${err.message} — hint: ${err.hint}` : err.message;
}

/** The message of any thrown value (for wrapping lower-level failures). */
export function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Re-exported so callers of this module need not import vision for regions. */
export type { Rect };
