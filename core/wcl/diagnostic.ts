/**
 * Source spans and diagnostics — the error currency of the WCL pipeline.
 *
 * Contract: every phase (lexer, parser, evaluator, and any schema layer built
 * on top) reports problems as `Diagnostic` values carrying a literal `code`,
 * a byte span into a named source, the offending name when there is one, and
 * an optional hint. Nothing here throws. Line/column are computed only when a
 * diagnostic is rendered or serialised (`locate`), as esbuild does.
 *
 * Codes follow `reference/wcl/error-codes.md` (E002 unexpected token, E040
 * undefined reference, …); `E190` is ours: "feature not supported by this
 * implementation" (macros, queries, tables, refs, partials, validation blocks,
 * schemas, namespaces, decorators).
 */

/** A half-open byte range `[start, end)` in the source registered as `file`. */
export interface Span {
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

export type Severity = "error" | "warning";

/** One problem found in a source file. */
export interface Diagnostic {
  /** Stable machine code, e.g. `E002` or `config.unknown_attribute`. */
  readonly code: string;
  readonly severity: Severity;
  /** One sentence naming the offending thing. */
  readonly message: string;
  readonly span: Span;
  /** The offending name (attribute, block, VM, segment, …) when there is one. */
  readonly name?: string;
  /** What to do about it. */
  readonly hint?: string;
}

/** A resolved position: 1-based line and column (columns count UTF-16 units). */
export interface Position {
  readonly line: number;
  readonly col: number;
}

/** Build an error diagnostic; optional fields are omitted when undefined. */
export function error(code: string, message: string, span: Span, extra: { name?: string | undefined; hint?: string | undefined } = {}): Diagnostic {
  const d: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = { code, severity: "error", message, span };
  if (extra.name !== undefined) d.name = extra.name;
  if (extra.hint !== undefined) d.hint = extra.hint;
  return d;
}

/** Join two spans of the same file into the smallest span covering both. */
export function cover(a: Span, b: Span): Span {
  return { file: a.file, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

/** Line and column of byte offset `offset` in `text`. */
export function locate(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: end - lineStart + 1 };
}

/** The full text of the line containing `offset` (without its newline). */
export function lineAt(text: string, offset: number): string {
  const o = Math.min(Math.max(offset, 0), text.length);
  const start = text.lastIndexOf("\n", o - 1) + 1;
  let end = text.indexOf("\n", o);
  if (end < 0) end = text.length;
  return text.slice(start, end).replace(/\r$/, "");
}

/** Sort diagnostics by file, then position, keeping equal ones in report order. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => (a.span.file === b.span.file ? a.span.start - b.span.start : a.span.file < b.span.file ? -1 : 1));
}
