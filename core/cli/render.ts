/**
 * The one way the CLI shows a problem (STYLE §8, DESIGN §8): every verb's
 * errors and every configuration diagnostic pass through here.
 *
 *     error[store.in_use]: cannot remove x86_64/web@1: 1 linked clone(s) are backed by it: …
 *      --> lab/vmlab.wcl:2:12          (when the problem has a location)
 *       |
 *     2 |   vm "a" { cpu = 2 }          (the source line, when it can be read)
 *       |            ^^^
 *     hint: destroy those labs first …
 *
 * With `--json` the error goes to stderr as one line `{"error": {code,
 * message, subject?, location?, hint?, detail?}}` (stdout stays for results).
 * Colour follows `style` (TTY, NO_COLOR, FORCE_COLOR). Codes are printed as
 * they are: vmlab's dotted codes, configuration codes and wscript's `E0201`.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import { CodedError, type CodedErrorJson, type Location } from "../errors/mod.ts";
import { clipEcho, lineWindow, toJson, type Diagnostic } from "../wcl/mod.ts";
import { stderrStyle, type Style } from "./style.ts";

/** What the renderer shows: a coded error, or a diagnostic with a severity and a span end. */
export interface Problem {
  readonly severity?: "error" | "warning";
  readonly code: string;
  readonly message: string;
  readonly location?: Location | undefined;
  /** Last column (exclusive) of the offending text on the location's line. */
  readonly endCol?: number | undefined;
  readonly hint?: string | undefined;
  /** Lines shown indented under the message (e.g. the clones backing a template). */
  readonly notes?: readonly string[] | undefined;
}

export interface RenderOptions {
  readonly style: Style;
  /** Show paths relative to this directory (unless that needs more than two `..`). */
  readonly cwd?: string | undefined;
  /** Line `line` (1-based) of a source file, to show the offending text; undefined when unknown. */
  readonly source?: ((file: string, line: number) => string | undefined) | undefined;
  /**
   * Most characters of the message and hint echoed. Config diagnostics echo source text and keep
   * the default (`ECHO_MAX_CHARS`); a runtime error (a provision's fault with its location and
   * script trace) needs more and gets `ERROR_ECHO_MAX_CHARS` — still bounded.
   */
  readonly echoMax?: number | undefined;
}

/** How much of a runtime error's message and hint is echoed (a script fault's trace fits). */
export const ERROR_ECHO_MAX_CHARS = 16_384;

function displayPath(file: string, cwd: string | undefined): string {
  if (cwd === undefined || !isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel.split("/").filter((p) => p === "..").length > 2 ? file : rel;
}

/** The text of one problem, ending in a newline. */
export function renderProblem(p: Problem, opts: RenderOptions): string {
  const s = opts.style;
  const severity = p.severity ?? "error";
  const paint = severity === "error" ? s.red : s.yellow;
  // User text is echoed bounded: a 5 MB one-line string once printed 26 MB of errors.
  const lines = [`${s.bold(paint(`${severity}[${p.code}]`))}${s.bold(`: ${clipEcho(p.message, opts.echoMax)}`)}`];
  const loc = p.location;
  if (loc) {
    const where = `${displayPath(loc.file, opts.cwd)}${loc.line === undefined ? "" : `:${loc.line}${loc.col === undefined ? "" : `:${loc.col}`}`}`;
    const full = loc.line === undefined ? undefined : opts.source?.(loc.file, loc.line);
    if (full === undefined || loc.line === undefined) {
      lines.push(` ${s.blue("-->")} ${where}`);
    } else {
      const pad = " ".repeat(String(loc.line).length);
      const fullCol = Math.max(1, Math.min(loc.col ?? 1, full.length + 1));
      const { shown: line, col } = lineWindow(full, fullCol);
      const width = Math.max(1, Math.min((p.endCol ?? fullCol + 1) - fullCol, line.length - (col - 1)));
      const caretPad = line.slice(0, col - 1).replace(/[^\t]/g, " ");
      lines.push(
        `${pad}${s.blue("-->")} ${where}`,
        `${pad} ${s.blue("|")}`,
        `${s.blue(`${loc.line} |`)} ${line}`,
        `${pad} ${s.blue("|")} ${caretPad}${paint("^".repeat(width))}`,
      );
    }
  }
  for (const n of p.notes ?? []) lines.push(`  ${n}`);
  if (p.hint) lines.push(`${s.cyan("hint")}: ${clipEcho(p.hint, opts.echoMax)}`);
  return `${lines.join("\n")}\n`;
}

/** A configuration diagnostic (core/wcl) as a problem with its span resolved. */
export function diagnosticProblem(d: Diagnostic, sources: ReadonlyMap<string, string>): Problem {
  if (!sources.has(d.span.file))
    return { severity: d.severity === "warning" ? "warning" : "error", code: d.code, message: d.message, location: { file: d.span.file }, hint: d.hint };
  const j = toJson(d, sources);
  // A span that runs past its first line is underlined to the end of that line.
  const endCol = j.endLine === j.line ? j.endCol : (lineOf(sources.get(d.span.file), j.line)?.length ?? 0) + 1;
  return {
    severity: d.severity === "warning" ? "warning" : "error",
    code: d.code,
    message: d.message,
    location: { file: d.span.file, line: j.line, col: j.col },
    endCol,
    hint: d.hint,
  };
}

/** Render a configuration diagnostic with its source line and caret. */
export function renderDiagnostic(d: Diagnostic, sources: ReadonlyMap<string, string>, opts: Omit<RenderOptions, "source">): string {
  return renderProblem(diagnosticProblem(d, sources), { ...opts, source: (file, line) => lineOf(sources.get(file), line) });
}

/** The `--json` form of an error: `{"error": {...}}`. */
export function errorJson(e: unknown): { error: CodedErrorJson } {
  return { error: CodedError.from(e).toJSON() };
}

/** Where and how `reportError` writes. */
export interface ErrorSink {
  readonly err: (s: string) => void;
  readonly style?: Style;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const processSink: ErrorSink = { err: (s) => void process.stderr.write(s) };

/**
 * Print any thrown value the one way: human text, or with `json` one JSON
 * line — both on stderr. `VMLAB_DEBUG` adds the stack.
 */
export function reportError(e: unknown, opts: { json?: boolean | undefined; sink?: ErrorSink; notes?: readonly string[] | undefined } = {}): void {
  const sink = opts.sink ?? processSink;
  const err = CodedError.from(e);
  if (opts.json) {
    sink.err(`${JSON.stringify(errorJson(err))}\n`);
    return;
  }
  const problem: Problem = { code: err.code, message: err.message, location: err.location, hint: err.hint, notes: opts.notes };
  sink.err(renderProblem(problem, { style: sink.style ?? stderrStyle(), cwd: sink.cwd ?? process.cwd(), source: readSource, echoMax: ERROR_ECHO_MAX_CHARS }));
  const env = sink.env ?? process.env;
  if (env.VMLAB_DEBUG && err.stack) sink.err(`${err.stack}\n`);
}

/** Line `n` (1-based) of `text`, without its line break. */
function lineOf(text: string | undefined, n: number): string | undefined {
  return text?.split("\n")[n - 1]?.replace(/\r$/, "");
}

/** Line `n` of a file on disk, for the snippet of an error with a location. */
function readSource(file: string, n: number): string | undefined {
  try {
    return lineOf(readFileSync(file, "utf8"), n);
  } catch {
    return undefined;
  }
}
