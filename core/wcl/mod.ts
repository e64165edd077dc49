/**
 * WCL — the configuration language vmlab files are written in.
 *
 * A self-contained implementation that knows nothing of vmlab: `lex` and
 * `parse` (error-recovering, spans everywhere), `evaluate` to a typed
 * `Document` of blocks/attributes/values through an injected `SourceHost`,
 * `print` back to canonical source, and `toJson` for diagnostics (people see them through core/cli/render.ts).
 * Spec: reference/wcl/syntax.md, builtin-functions.md, error-codes.md.
 *
 * @example
 * const { document, diagnostics } = evaluateSource('lab "x" { n = 1 + 2 }', "/tmp/x.wcl");
 */
export * from "./diagnostic.ts";
export * from "./ast.ts";
export * from "./token.ts";
export { lex, type LexResult } from "./lexer.ts";
export { parse, MAX_NESTING, type ParseResult } from "./parser.ts";
export { print, printExpr, quote } from "./printer.ts";
export * from "./value.ts";
export { evaluate, evaluateSource, MAX_CALL_DEPTH, MAX_IMPORT_DEPTH, MAX_ITERATIONS, type EvalResult, type SourceHost } from "./evaluate.ts";
export { BUILTIN_NAMES } from "./builtins.ts";
export { BYTE_UNITS, formatBytes } from "./units.ts";
export { didYouMean, suggest } from "./suggest.ts";
export { clipEcho, ECHO_MAX_CHARS, LINE_WINDOW_CHARS, lineWindow, toJson, type DiagnosticJson } from "./render.ts";
