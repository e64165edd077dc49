/**
 * Diagnostics as data, and their one rendering path.
 *
 * Every compile error is a `Diagnostic` value: a literal `code` (E0xxx), the
 * span it concerns, a one-line message naming the offending thing, optional
 * notes and a help text. `renderDiagnostic` prints it the way
 * `concept_faults.md` shows: `file:line:col`, the source line and a caret
 * underline, then notes and help.
 */
import type { Span, SourceFile } from "./span.ts";

/** One compile-time problem. */
export type Diagnostic = {
  readonly code: string;
  readonly span: Span;
  readonly message: string;
  readonly notes: readonly string[];
  readonly help: string | undefined;
};

/** Build a diagnostic. */
export function diag(code: string, span: Span, message: string, help?: string, notes: string[] = []): Diagnostic {
  return { code, span, message, notes, help };
}

/** `file:line:col` of a span's start. */
export function location(span: Span, files: ReadonlyMap<string, SourceFile>): string {
  const f = files.get(span.file);
  if (!f) return span.file;
  const p = f.position(span.start);
  return `${span.file}:${p.line}:${p.col}`;
}

/** Render a source snippet with an underline below the span and a label. */
export function renderSnippet(span: Span, files: ReadonlyMap<string, SourceFile>, label: string): string {
  const f = files.get(span.file);
  if (!f) return `   ╭─[${span.file}]\n───╯\n`;
  const p = f.position(span.start);
  const endPos = f.position(Math.max(span.start, span.end - 1));
  const text = f.line(p.line);
  const width = Math.max(1, endPos.line === p.line ? span.end - span.start : text.length - p.col + 1);
  const gutter = String(p.line).length;
  const pad = " ".repeat(gutter);
  const under =
    " ".repeat(p.col - 1) + "─".repeat(Math.max(0, Math.floor((width - 1) / 2))) + "┬" + "─".repeat(Math.max(0, width - 1 - Math.floor((width - 1) / 2)));
  const arrow = " ".repeat(p.col - 1 + Math.floor((width - 1) / 2)) + "╰──── " + label;
  return (
    `${pad}  ╭─[${span.file}:${p.line}:${p.col}]\n` +
    `${String(p.line)} │ ${text}\n` +
    `${pad} │ ${under}\n` +
    `${pad} │ ${arrow}\n` +
    `${"─".repeat(gutter + 1)}─╯\n`
  );
}

/** Render one diagnostic for a terminal. */
export function renderDiagnostic(d: Diagnostic, files: ReadonlyMap<string, SourceFile>): string {
  let out = `error[${d.code}]: ${d.message}  (${location(d.span, files)})\n`;
  out += renderSnippet(d.span, files, "here");
  for (const n of d.notes) out += `  note: ${n}\n`;
  if (d.help) out += `  help: ${d.help}\n`;
  return out;
}
