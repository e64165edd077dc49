/**
 * Render diagnostics for people (Rust-style, with the source line and a
 * caret under the span) and for machines (`toJson`: plain objects with
 * file/line/col resolved). This is the one rendering path the CLI uses.
 */
import { isAbsolute, relative } from "node:path";
import { lineAt, locate, type Diagnostic } from "./diagnostic.ts";

export interface RenderOptions {
  /** Emit ANSI colours. */
  readonly color: boolean;
  /** Show paths relative to this directory (unless that needs more than two `..`). */
  readonly cwd?: string;
}

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

function displayPath(file: string, cwd: string | undefined): string {
  if (cwd === undefined || !isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel.split("/").filter((p) => p === "..").length > 2 ? file : rel;
}

export function toJson(d: Diagnostic, sources: ReadonlyMap<string, string>, cwd?: string): DiagnosticJson {
  const text = sources.get(d.span.file) ?? "";
  const a = locate(text, d.span.start);
  const b = locate(text, d.span.end);
  const out: DiagnosticJson = { code: d.code, severity: d.severity, message: d.message, file: displayPath(d.span.file, cwd), line: a.line, col: a.col, endLine: b.line, endCol: b.col };
  if (d.name !== undefined) out.name = d.name;
  if (d.hint !== undefined) out.hint = d.hint;
  return out;
}

export function render(d: Diagnostic, sources: ReadonlyMap<string, string>, opts: RenderOptions): string {
  const paint = (code: string, s: string) => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const text = sources.get(d.span.file);
  const head = `${paint(d.severity === "error" ? "1;31" : "1;33", `${d.severity}[${d.code}]`)}${paint("1", `: ${d.message}`)}`;
  if (text === undefined) {
    return `${head}\n  --> ${displayPath(d.span.file, opts.cwd)}\n${d.hint ? `   = hint: ${d.hint}\n` : ""}`;
  }
  const pos = locate(text, d.span.start);
  const line = lineAt(text, d.span.start);
  const gutter = String(pos.line).length;
  const pad = " ".repeat(gutter);
  const width = Math.max(1, Math.min(d.span.end - d.span.start, line.length - (pos.col - 1)));
  const caretPad = line.slice(0, pos.col - 1).replace(/[^\t]/g, " ");
  const lines = [
    head,
    `${pad}${paint("1;34", "-->")} ${displayPath(d.span.file, opts.cwd)}:${pos.line}:${pos.col}`,
    `${pad} ${paint("1;34", "|")}`,
    `${paint("1;34", `${pos.line} |`)} ${line}`,
    `${pad} ${paint("1;34", "|")} ${caretPad}${paint(d.severity === "error" ? "1;31" : "1;33", "^".repeat(width))}`,
  ];
  if (d.hint) lines.push(`${pad} ${paint("1;34", "=")} hint: ${d.hint}`);
  return `${lines.join("\n")}\n`;
}
