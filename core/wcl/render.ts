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
