/**
 * Vision errors as data.
 *
 * Every failure a user or a guest can cause (a corrupt reference image, a region outside
 * the screen, OCR not installed) is a `VisionError`: a union discriminated on a literal
 * `code`, naming the offending thing (`source`: a file path or "screendump"), where in it
 * the problem sits (`offset` in bytes when known) and a `hint`. Decoders return
 * `VisionResult<T>` and never throw past their caller.
 */

/** Why a vision operation failed. */
export type VisionError =
  | { code: "vision.read_failed"; source: string; message: string; hint: string }
  | { code: "vision.unknown_format"; source: string; message: string; hint: string }
  | { code: "vision.truncated"; source: string; offset: number; message: string; hint: string }
  | { code: "vision.corrupt"; source: string; offset: number; message: string; hint: string }
  | { code: "vision.unsupported"; source: string; offset: number; message: string; hint: string }
  | { code: "vision.too_large"; source: string; width: number; height: number; message: string; hint: string }
  | { code: "vision.template_too_large"; source: string; template: { w: number; h: number }; area: { w: number; h: number }; message: string; hint: string }
  | { code: "vision.bad_region"; source: string; region: Rect; message: string; hint: string }
  | { code: "vision.ocr_unavailable"; source: string; engine: string; message: string; hint: string }
  | { code: "vision.ocr_failed"; source: string; engine: string; message: string; hint: string };

/** The literal codes of `VisionError`. */
export type VisionErrorCode = VisionError["code"];

/** A value or the reason there is none. */
export type VisionResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: VisionError };

/** An axis-aligned rectangle in pixels; `x`,`y` is the top-left corner. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Wraps a value as a successful `VisionResult`. */
export function ok<T>(value: T): VisionResult<T> {
  return { ok: true, value };
}

/** Wraps an error as a failed `VisionResult`. */
export function fail<T>(error: VisionError): VisionResult<T> {
  return { ok: false, error };
}

/** One line for logs and script `Err` strings: "<message> (<source>) — hint: <hint>". */
export function formatVisionError(e: VisionError): string {
  return `${e.message} (${e.source}) — hint: ${e.hint}`;
}
