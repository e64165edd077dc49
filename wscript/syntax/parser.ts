/**
 * Error-recovering recursive-descent parser: tokens → `Program`.
 *
 * Contract: `parse` never throws. Every syntax error becomes one diagnostic
 * and the parser resynchronises (at the next item keyword at top level, at
 * the next statement boundary inside a block), so one mistake produces one
 * error, not a cascade (PRD §5.1). Struct literals are not allowed in
 * `if`/`while`/`match`/`for` headers (the Rust rule). `fn` items without a
 * body, `module` and `opaque` blocks are accepted only when `interfaceMode`
 * is set (the `.wscripti` subset, concept_interface_files.md).
 *
 * Layout: this file holds the `Parser` (token cursor, error helpers) and its
 * entry points into each part of the grammar; the grammar itself is split by
 * construct into parse_items.ts, parse_types.ts, parse_exprs.ts (blocks,
 * statements, expressions) and parse_patterns.ts — functions over a `Parser`
 * that import it as a type only and recurse into another part through these
 * entry points.
 */
import type { Span } from "./span.ts";
import { joinSpans } from "./span.ts";
import { diag, type Diagnostic } from "./diagnostic.ts";
import { lex, type Token } from "./lexer.ts";
import type { Block, Expr, Ident, Item, Pattern, Program, TypeExpr } from "./ast.ts";
import { SyntaxError_ } from "./parse_shared.ts";
import * as exprs from "./parse_exprs.ts";
import * as items from "./parse_items.ts";
import * as patterns from "./parse_patterns.ts";
import * as types from "./parse_types.ts";

export class Parser {
  pos = 0;
  diagnostics: Diagnostic[] = [];
  depth = 0;
  constructor(
    readonly tokens: Token[],
    readonly file: string,
    readonly interfaceMode: boolean,
  ) {}

  /** A parser over a sub-sequence of tokens in the same file (interpolation holes). */
  sub(tokens: Token[]): Parser {
    return new Parser(tokens, this.file, false);
  }
  get tok(): Token {
    return this.tokens[this.pos] ?? (this.tokens[this.tokens.length - 1] as Token);
  }
  peek(n = 1): Token {
    return this.tokens[this.pos + n] ?? (this.tokens[this.tokens.length - 1] as Token);
  }
  isP(text: string, t: Token = this.tok): boolean {
    return t.kind === "punct" && t.text === text;
  }
  isKw(text: string, t: Token = this.tok): boolean {
    return t.kind === "ident" && t.text === text;
  }
  next(): Token {
    const t = this.tok;
    if (t.kind !== "eof") this.pos++;
    return t;
  }
  prevEnd(): Span {
    const t = this.tokens[this.pos - 1] ?? this.tok;
    return t.span;
  }
  span(start: Span): Span {
    return joinSpans(start, this.prevEnd());
  }
  fail(msg: string, help?: string, code = "E0100", at: Span = this.tok.span): never {
    throw new SyntaxError_(diag(code, at, msg, help));
  }
  describe(t: Token): string {
    switch (t.kind) {
      case "ident":
        return `\`${t.text}\``;
      case "punct":
        return `\`${t.text}\``;
      case "nl":
        return "end of line";
      case "eof":
        return "end of file";
      case "str":
        return "a string";
      case "char":
        return "a char";
      case "int":
      case "float":
        return "a number";
      case "error":
        return "an invalid token";
    }
  }
  expectP(text: string, help?: string): Token {
    if (this.isP(text)) return this.next();
    this.fail(`expected \`${text}\`, found ${this.describe(this.tok)}`, help);
  }
  expectKw(text: string): Token {
    if (this.isKw(text)) return this.next();
    this.fail(`expected \`${text}\`, found ${this.describe(this.tok)}`);
  }
  ident(what = "a name"): Ident {
    const t = this.tok;
    if (t.kind === "ident") {
      this.pos++;
      return { name: t.text, span: t.span };
    }
    this.fail(`expected ${what}, found ${this.describe(t)}`);
  }
  skipNl(): void {
    while (this.tok.kind === "nl" || this.isP(";")) this.pos++;
  }
  skipNlOnly(): void {
    while (this.tok.kind === "nl") this.pos++;
  }

  // ---------- entry points into the parts of the grammar ----------

  program(): Item[] {
    return items.parseProgram(this);
  }
  type(): TypeExpr {
    return types.parseType(this);
  }
  block(): Block {
    return exprs.parseBlock(this);
  }
  expr(noStruct: boolean): Expr {
    return exprs.parseExpr(this, noStruct);
  }
  primary(noStruct: boolean): Expr {
    return exprs.parsePrimary(this, noStruct);
  }
  pattern(): Pattern {
    return patterns.parsePattern(this);
  }
}

/** Parse one file. Never throws; returns the (possibly partial) program and all diagnostics. */
export function parse(file: string, text: string, opts: { interfaceMode?: boolean } = {}): { program: Program; diagnostics: Diagnostic[] } {
  const lexed = lex(file, text);
  const p = new Parser(
    lexed.tokens.filter((t) => t.kind !== "error"),
    file,
    opts.interfaceMode ?? false,
  );
  let items: Item[] = [];
  try {
    items = p.program();
  } catch (e) {
    // Defensive: a parser bug must not escape as an exception.
    p.diagnostics.push(diag("E0199", { file, start: 0, end: 0 }, `internal parser error: ${e instanceof Error ? e.message : String(e)}`, "please report this"));
  }
  return { program: { file, items }, diagnostics: [...lexed.diagnostics, ...p.diagnostics] };
}
