/**
 * Diagnostics for machines: `toJson` resolves a span to plain file/line/col
 * objects. People see diagnostics through the CLI's one renderer
 * (core/cli/render.ts), which uses the same resolution.
 */
import { isAbsolute, relative } from "node:path";
import { locate, type Diagnostic } from "./diagnostic.ts";

/** A diagnostic as a plain JSON-ready object. */
export interface DiagnosticJson {
  code: string;
  severity: string;
  message: string;
  name?: string;
  file: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  hint?: string;
}

/**
 * How much of user text a diagnostic echoes: messages, names and hints are
 * clipped to `ECHO_MAX_CHARS`, and a long source line is shown as a window of
 * `LINE_WINDOW_CHARS` around the caret (a 5 MB one-line string once printed
 * 26 MB of errors).
 */
export const ECHO_MAX_CHARS = 240;
export const LINE_WINDOW_CHARS = 160;
/** Characters of context kept left of the caret when a line is windowed. */
const LINE_WINDOW_LEAD = 40;

/** `s` clipped to `max` characters, saying how much was left out. */
export function clipEcho(s: string, max = ECHO_MAX_CHARS): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length - max} more characters)`;
}

/** The part of `line` shown, and the caret's column (1-based) within it. */
export function lineWindow(line: string, col: number): { shown: string; col: number } {
  if (line.length <= LINE_WINDOW_CHARS) return { shown: line, col };
  const from = Math.max(0, Math.min(col - 1 - LINE_WINDOW_LEAD, line.length - LINE_WINDOW_CHARS));
  const to = Math.min(line.length, from + LINE_WINDOW_CHARS);
  const pre = from > 0 ? "…" : "";
  const post = to < line.length ? "…" : "";
  return { shown: `${pre}${line.slice(from, to)}${post}`, col: col - from + pre.length };
}

function displayPath(file: string, cwd: string | undefined): string {
  if (cwd === undefined || !isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel.split("/").filter((p) => p === "..").length > 2 ? file : rel;
}

export function toJson(d: Diagnostic, sources: ReadonlyMap<string, string>, cwd?: string): DiagnosticJson {
  const text = sources.get(d.span.file) ?? "";
  const a = locate(text, d.span.start);
  const b = locate(text, d.span.end);
  const out: DiagnosticJson = {
    code: d.code,
    severity: d.severity,
    message: clipEcho(d.message),
    file: displayPath(d.span.file, cwd),
    line: a.line,
    col: a.col,
    endLine: b.line,
    endCol: b.col,
  };
  if (d.name !== undefined) out.name = clipEcho(d.name);
  if (d.hint !== undefined) out.hint = clipEcho(d.hint);
  return out;
}
