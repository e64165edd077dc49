/**
 * Source spans and source files.
 *
 * A span is a byte-free, UTF-16 offset range into one source file, named by
 * its path. Line and column are only computed when a diagnostic or a fault is
 * rendered (esbuild style: offsets in data, line:col when printing).
 */

/** A half-open range `[start, end)` of UTF-16 offsets in the file `file`. */
export type Span = { readonly file: string; readonly start: number; readonly end: number };

/** One source text, with a lazily built line index. */
export class SourceFile {
  private lineStarts: number[] | undefined;
  constructor(
    readonly path: string,
    readonly text: string,
  ) {}

  /** 1-based line and column of an offset (column counts UTF-16 units + 1). */
  position(offset: number): { line: number; col: number } {
    const starts = this.starts();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - (starts[lo] ?? 0) + 1 };
  }

  /** The text of a 1-based line without its newline. */
  line(n: number): string {
    const starts = this.starts();
    const s = starts[n - 1];
    if (s === undefined) return "";
    const e = starts[n] ?? this.text.length + 1;
    return this.text.slice(s, e - 1).replace(/\r$/, "");
  }

  private starts(): number[] {
    if (this.lineStarts) return this.lineStarts;
    const starts = [0];
    for (let i = 0; i < this.text.length; i++) if (this.text.charCodeAt(i) === 10) starts.push(i + 1);
    this.lineStarts = starts;
    return starts;
  }
}

/** Join two spans of the same file into the smallest span covering both. */
export function joinSpans(a: Span, b: Span): Span {
  return { file: a.file, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}
