/**
 * The WCL parser: tokens → syntax tree, recovering from errors.
 *
 * Contract: `parse(text, file)` never throws. Every syntax error becomes a
 * diagnostic (E002/E003/E029, E190 for unsupported constructs) and the parser
 * resynchronises at the next item (a token starting a new line, or the `}`
 * closing the current body), so one run reports every independent mistake.
 *
 * Items: attributes `name = expr`, blocks `kind [id] [args…] { … }`, `let` /
 * `export let`, `import "./x.wcl"` / `import? …` / `import <lib.wcl>`,
 * `if`/`else` and `for x[, i] in expr { … }` producing items. Attributes need
 * no separator: `cpus = 4 memory = 8GiB` is two attributes, because an
 * expression ends at the first token that cannot continue it.
 *
 * Spec: reference/wcl/syntax.md. Left out (parsed, then reported as E190):
 * macros and macro calls, `partial`, `schema`, `table`, `validation`,
 * `namespace`/`use`, `symbol_set`, `declare`, decorators, queries, lazy imports.
 */
import { cover, error, type Diagnostic, type Span } from "./diagnostic.ts";
import { lex } from "./lexer.ts";
import type { Token } from "./token.ts";
import type { BinaryOp, Block, Expr, Item, MapEntry, SourceFile, TemplatePart } from "./ast.ts";

/** Deepest nesting of blocks/expressions accepted before E029, so hostile input cannot blow the stack. */
export const MAX_NESTING = 128;

/** Item keywords we recognise but do not implement. */
const UNSUPPORTED_ITEMS: ReadonlyMap<string, string> = new Map([
  ["macro", "macros"],
  ["partial", "partial declarations"],
  ["schema", "schema declarations"],
  ["table", "tables"],
  ["validation", "validation blocks"],
  ["namespace", "namespaces"],
  ["use", "namespace imports (`use`)"],
  ["symbol_set", "symbol sets"],
  ["declare", "function declarations"],
]);

const BINARY_LEVELS: readonly (readonly BinaryOp[])[] = [["||"], ["&&"], ["==", "!="], ["<", "<=", ">", ">="], [".."], ["+", "-"], ["*", "/", "%"]];

export interface ParseResult {
  readonly file: SourceFile;
  readonly diagnostics: Diagnostic[];
}

/** Signals an error already reported; caught at the item level to resynchronise. */
class Abort {}

/** Parse a whole source file. */
export function parse(text: string, file: string): ParseResult {
  const lexed = lex(text, file);
  const p = new Parser(text, file, lexed.tokens, lexed.diagnostics);
  const items = p.parseItems(false);
  return { file: { file, items }, diagnostics: p.diagnostics };
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly tokens: readonly Token[],
    readonly diagnostics: Diagnostic[],
  ) {}

  // ----- token helpers -----
  private peek(k = 0): Token {
    return this.tokens[Math.min(this.pos + k, this.tokens.length - 1)] as Token;
  }
  private next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }
  private is(t: Token, punct: string): boolean {
    return t.kind === "punct" && t.text === punct;
  }
  private isKw(t: Token, kw: string): boolean {
    return t.kind === "ident" && t.text === kw;
  }
  private span(a: number, b: number): Span {
    return { file: this.file, start: a, end: b };
  }
  private tspan(t: Token): Span {
    return this.span(t.start, t.end);
  }
  private fail(t: Token, message: string, hint?: string): never {
    const what = t.kind === "eof" ? "end of file" : `\`${t.text}\``;
    this.diagnostics.push(error("E002", `${message}, found ${what}`, this.tspan(t), { hint }));
    throw new Abort();
  }
  private expect(punct: string, context: string): Token {
    const t = this.peek();
    if (!this.is(t, punct)) this.fail(t, `expected \`${punct}\` ${context}`);
    return this.next();
  }
  private enter(t: Token): void {
    if (++this.depth > MAX_NESTING) {
      this.diagnostics.push(error("E029", `nesting deeper than ${MAX_NESTING} levels`, this.tspan(t)));
      this.depth = 0;
      this.pos = this.tokens.length - 1;
      throw new Abort();
    }
  }
  private leave(): void {
    this.depth = Math.max(0, this.depth - 1);
  }

  /** Skip to the start of the next item at this nesting level. */
  private sync(startPos: number): void {
    if (this.pos === startPos) this.next();
    let depth = 0;
    for (;;) {
      const t = this.peek();
      if (t.kind === "eof") return;
      if (depth === 0 && (this.is(t, "}") || (t.nl && t.kind === "ident"))) return;
      if (this.is(t, "{") || this.is(t, "[") || this.is(t, "(")) depth++;
      if (this.is(t, "}") || this.is(t, "]") || this.is(t, ")")) depth = Math.max(0, depth - 1);
      this.next();
    }
  }

  // ----- items -----
  parseItems(inBraces: boolean): Item[] {
    const items: Item[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === "eof") return items;
      if (inBraces && this.is(t, "}")) return items;
      if (!inBraces && this.is(t, "}")) {
        this.diagnostics.push(error("E002", "unexpected `}` with no open block", this.tspan(t)));
        this.next();
        continue;
      }
      if (this.is(t, ";") || this.is(t, ",")) {
        this.next();
        continue;
      }
      const start = this.pos;
      const depth = this.depth;
      try {
        items.push(this.parseItem());
      } catch (e) {
        if (!(e instanceof Abort)) throw e;
        this.depth = depth;
        this.sync(start);
      }
    }
  }

  private parseItem(): Item {
    const t = this.peek();
    if (this.is(t, "@")) return this.unsupportedItem(t, "decorators");
    if (t.kind !== "ident") this.fail(t, "expected an attribute, block or statement");
    const after = this.peek(1);
    if (this.is(after, "=")) return this.parseAttr();
    const feature = UNSUPPORTED_ITEMS.get(t.text);
    if (feature !== undefined) return this.unsupportedItem(t, feature);
    switch (t.text) {
      case "let":
        return this.parseLet(false);
      case "export":
        if (this.isKw(after, "let")) {
          this.next();
          return this.parseLet(true);
        }
        return this.unsupportedItem(t, "re-exports");
      case "import":
        return this.parseImport();
      case "if":
        return this.parseIf();
      case "for":
        return this.parseFor();
    }
    if (this.is(after, "(") && after.adjacent) return this.unsupportedItem(t, "macro calls");
    return this.parseBlock();
  }

  /** Report an unsupported construct and consume it: through a balanced `{…}` or to the end of its line. */
  private unsupportedItem(t: Token, feature: string): Item {
    const start = t.start;
    this.next();
    let end = t.end;
    let depth = 0;
    for (;;) {
      const u = this.peek();
      if (u.kind === "eof") break;
      if (depth === 0 && u.nl && !(this.is(u, "{") || this.is(u, "|"))) break;
      if (this.is(u, "}") && depth === 0) break;
      this.next();
      end = u.end;
      if (this.is(u, "{") || this.is(u, "(") || this.is(u, "[")) depth++;
      if (this.is(u, "}") || this.is(u, ")") || this.is(u, "]")) {
        depth--;
        if (depth === 0 && this.is(u, "}")) break;
      }
    }
    const span = this.span(start, end);
    this.diagnostics.push(
      error("E190", `${feature} are not supported`, this.span(t.start, t.end), {
        name: t.text,
        hint: "this WCL implementation covers blocks, attributes, let, if/for, imports and builtin functions",
      }),
    );
    return { type: "unsupported", feature, span };
  }

  private parseAttr(): Item {
    const name = this.next();
    const eq = this.next();
    const first = this.peek();
    if (first.nl && first.kind === "ident" && this.is(this.peek(1), "=")) {
      // `a =` with nothing after it: do not swallow the next line's attribute name.
      this.diagnostics.push(
        error("E002", `attribute \`${name.text}\` has no value`, this.tspan(name), { name: name.text, hint: `write \`${name.text} = <value>\`` }),
      );
      return {
        type: "attr",
        name: name.text,
        nameSpan: this.tspan(name),
        value: { type: "invalid", span: this.tspan(eq) },
        span: this.span(name.start, eq.end),
      };
    }
    const value = this.parseExpr();
    return {
      type: "attr",
      name: name.text,
      nameSpan: this.tspan(name),
      value,
      span: cover(this.tspan(name), value.span),
      ...(name.doc ? { doc: name.doc } : {}),
    };
  }

  private parseLet(exported: boolean): Item {
    const kw = this.next();
    const name = this.next();
    if (name.kind !== "ident") this.fail(name, "expected a name after `let`");
    this.expect("=", `after \`let ${name.text}\``);
    const value = this.parseExpr();
    return { type: "let", name: name.text, nameSpan: this.tspan(name), value, exported, span: cover(this.tspan(kw), value.span) };
  }

  private parseImport(): Item {
    const kw = this.next();
    let optional = false;
    if (this.is(this.peek(), "?") && this.peek().adjacent) {
      this.next();
      optional = true;
    }
    const t = this.peek();
    let path: string;
    let library = false;
    let end: number;
    if (this.is(t, "<")) {
      this.next();
      while (!this.is(this.peek(), ">") && !this.peek().nl && this.peek().kind !== "eof") this.next();
      const close = this.expect(">", "to close the library import");
      path = this.text.slice(t.end, close.start).trim();
      library = true;
      end = close.end;
    } else if (t.kind === "string" && t.parts?.every((p) => p.kind === "text")) {
      this.next();
      path = t.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
      end = t.end;
    } else {
      this.fail(t, "expected a quoted path or `<library.wcl>` after `import`");
    }
    if (this.isKw(this.peek(), "lazy") && !this.peek().nl) return this.unsupportedItem(this.peek(), "lazy imports");
    return { type: "import", path, library, optional, span: this.span(kw.start, end) };
  }

  private parseIf(): Item {
    const kw = this.next();
    const cond = this.parseExpr();
    const then = this.parseBody("after the `if` condition");
    let elseItems: Item[] | undefined;
    let end = this.tokens[this.pos - 1]?.end ?? kw.end;
    if (this.isKw(this.peek(), "else")) {
      this.next();
      if (this.isKw(this.peek(), "if")) {
        const nested = this.parseIf();
        elseItems = [nested];
        end = nested.span.end;
      } else {
        elseItems = this.parseBody("after `else`");
        end = this.tokens[this.pos - 1]?.end ?? end;
      }
    }
    return { type: "if", cond, then, else: elseItems, span: this.span(kw.start, end) };
  }

  private parseFor(): Item {
    const kw = this.next();
    const name = this.next();
    if (name.kind !== "ident") this.fail(name, "expected a loop variable after `for`");
    let index: string | undefined;
    if (this.is(this.peek(), ",")) {
      this.next();
      const i = this.next();
      if (i.kind !== "ident") this.fail(i, "expected an index variable");
      index = i.text;
    }
    if (!this.isKw(this.peek(), "in")) this.fail(this.peek(), "expected `in`");
    this.next();
    const iterable = this.parseExpr();
    const body = this.parseBody("after the `for` iterable");
    return { type: "for", name: name.text, index, iterable, body, span: this.span(kw.start, this.tokens[this.pos - 1]?.end ?? kw.end) };
  }

  private parseBody(context: string): Item[] {
    const open = this.expect("{", context);
    this.enter(open);
    const items = this.parseItems(true);
    this.expect("}", `to close the \`{\` at ${this.text.slice(0, open.start).split("\n").length}:${open.start - this.text.lastIndexOf("\n", open.start - 1)}`);
    this.leave();
    return items;
  }

  private parseBlock(): Block {
    const kind = this.next();
    let id: Block["id"];
    const args: Expr[] = [];
    for (;;) {
      const t = this.peek();
      if (this.is(t, "{")) break;
      if (t.nl) {
        this.diagnostics.push(
          error("E002", `expected \`=\` or \`{\` after \`${kind.text}\``, this.tspan(kind), {
            name: kind.text,
            hint: 'an attribute is `name = value`; a block is `kind ["label"] { … }`',
          }),
        );
        throw new Abort();
      }
      if (t.kind === "ident" && !["true", "false", "null"].includes(t.text) && id === undefined && args.length === 0) {
        id = this.parseInlineId();
        continue;
      }
      if (
        t.kind === "string" ||
        t.kind === "invalid" ||
        t.kind === "int" ||
        t.kind === "float" ||
        t.kind === "bytes" ||
        t.kind === "ident" ||
        this.is(t, "-")
      ) {
        args.push(this.parseUnary());
        continue;
      }
      if (this.is(t, "@")) this.unsupportedItem(t, "decorators");
      else
        this.fail(
          t,
          `expected \`{\` to open the \`${kind.text}\` block`,
          this.is(t, "=") ? undefined : 'a block is `kind ["label"] { … }`; an attribute is `name = value`',
        );
    }
    const body = this.parseBody(`to open the \`${kind.text}\` block`);
    const close = this.tokens[this.pos - 1] as Token;
    return {
      type: "block",
      kind: kind.text,
      kindSpan: this.tspan(kind),
      id,
      args,
      body,
      span: this.span(kind.start, close.end),
      ...(kind.doc ? { doc: kind.doc } : {}),
    };
  }

  /** `web-1`, `node-2-b`: an identifier with adjacent `-`/digit continuations. */
  private parseInlineId(): { text: string; span: Span } {
    const first = this.next();
    let end = first.end;
    while (this.is(this.peek(), "-") && this.peek().adjacent) {
      const after = this.peek(1);
      if (!after.adjacent || (after.kind !== "ident" && after.kind !== "int")) break;
      this.next();
      this.next();
      end = after.end;
    }
    return { text: this.text.slice(first.start, end), span: this.span(first.start, end) };
  }

  // ----- expressions -----
  parseExpr(): Expr {
    const t = this.peek();
    this.enter(t);
    try {
      return this.parseTernary();
    } finally {
      this.leave();
    }
  }

  private parseTernary(): Expr {
    if (this.peek().kind === "ident" && this.is(this.peek(1), "=>")) return this.parseLambda();
    const cond = this.parseBinary(0);
    if (!this.is(this.peek(), "?")) return cond;
    this.next();
    const then = this.parseExpr();
    this.expect(":", "in the ternary expression");
    const otherwise = this.parseExpr();
    return { type: "ternary", cond, then, else: otherwise, span: cover(cond.span, otherwise.span) };
  }

  private parseLambda(): Expr {
    const start = this.peek();
    const params: string[] = [];
    if (this.is(start, "(")) {
      this.next();
      while (!this.is(this.peek(), ")")) {
        const p = this.next();
        if (p.kind !== "ident") this.fail(p, "expected a parameter name");
        params.push(p.text);
        if (this.is(this.peek(), ",")) this.next();
      }
      this.next();
    } else {
      params.push(this.next().text);
    }
    this.expect("=>", "in the lambda");
    const body = this.parseExpr();
    return { type: "lambda", params, body, span: cover(this.tspan(start), body.span) };
  }

  private parseBinary(level: number): Expr {
    const ops = BINARY_LEVELS[level];
    if (ops === undefined) return this.parseUnary();
    let left = this.parseBinary(level + 1);
    for (;;) {
      const t = this.peek();
      const op = ops.find((o) => this.is(t, o));
      if (op === undefined) return left;
      this.next();
      const right = this.parseBinary(level + 1);
      left = { type: "binary", op, left, right, span: cover(left.span, right.span) };
    }
  }

  private parseUnary(): Expr {
    const t = this.peek();
    if (this.is(t, "-") || this.is(t, "!")) {
      this.next();
      this.enter(t);
      const operand = this.parseUnary();
      this.leave();
      return { type: "unary", op: t.text as "-" | "!", operand, span: cover(this.tspan(t), operand.span) };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePostfix(expr: Expr): Expr {
    for (;;) {
      const t = this.peek();
      if (this.is(t, "[")) {
        this.next();
        const index = this.parseExpr();
        const close = this.expect("]", "to close the index");
        expr = { type: "index", target: expr, index, span: this.span(expr.span.start, close.end) };
      } else if (this.is(t, ".") && this.peek(1).kind === "ident") {
        this.next();
        const name = this.next();
        expr = { type: "member", target: expr, name: name.text, span: this.span(expr.span.start, name.end) };
      } else {
        return expr;
      }
    }
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    const span = this.tspan(t);
    switch (t.kind) {
      case "int":
      case "float":
      case "bytes":
        this.next();
        return { type: t.kind, value: t.value ?? 0, span };
      case "string":
        this.next();
        return { type: "string", parts: this.templateParts(t), span };
      case "ident": {
        this.next();
        if (t.text === "true" || t.text === "false") return { type: "bool", value: t.text === "true", span };
        if (t.text === "null") return { type: "null", span };
        if (this.is(this.peek(), "(") && this.peek().adjacent) return this.parseCall(t);
        return { type: "ident", name: t.text, span };
      }
      case "invalid":
        this.next();
        return { type: "invalid", span };
      case "eof":
        this.fail(t, "expected a value");
      // falls through (fail never returns)
      case "punct":
        break;
    }
    if (this.is(t, "[")) return this.parseList();
    if (this.is(t, "{")) return this.parseMap();
    if (this.is(t, "(")) {
      if (this.looksLikeLambda()) return this.parseLambda();
      if (this.is(this.peek(1), "..")) return this.unsupportedExpr(t, "queries");
      this.next();
      this.enter(t);
      const inner = this.parseExpr();
      this.leave();
      if (this.is(this.peek(), "|") || this.is(this.peek(), ",")) {
        this.pos--;
        while (!this.is(this.peek(), "(") && this.pos > 0) this.pos--;
        return this.unsupportedExpr(this.peek(), "queries");
      }
      const close = this.expect(")", "to close the parenthesis");
      return { type: "paren", inner, span: this.span(t.start, close.end) };
    }
    if (this.is(t, ":") && this.peek(1).adjacent && this.peek(1).kind === "ident") {
      this.next();
      return this.unsupportedExpr(this.peek(), "symbols", t.start);
    }
    this.fail(t, "expected a value");
  }

  private looksLikeLambda(): boolean {
    let k = 1;
    while (this.peek(k).kind === "ident" || this.is(this.peek(k), ",")) k++;
    return this.is(this.peek(k), ")") && this.is(this.peek(k + 1), "=>");
  }

  /** Skip a parenthesised (or single-token) construct we do not support, reporting E190. */
  private unsupportedExpr(t: Token, feature: string, from = t.start): Expr {
    let depth = 0;
    let end = t.end;
    do {
      const u = this.next();
      end = u.end;
      if (this.is(u, "(")) depth++;
      if (this.is(u, ")")) depth--;
    } while (depth > 0 && this.peek().kind !== "eof");
    const span = this.span(from, end);
    this.diagnostics.push(
      error("E190", `${feature} are not supported`, span, { hint: "compute the value with let bindings, for loops and builtin functions" }),
    );
    return { type: "unsupported", feature, span };
  }

  private parseCall(callee: Token): Expr {
    this.next(); // (
    this.enter(callee);
    const args: Expr[] = [];
    while (!this.is(this.peek(), ")")) {
      args.push(this.parseExpr());
      if (this.is(this.peek(), ",")) this.next();
      else if (!this.is(this.peek(), ")")) this.fail(this.peek(), `expected \`,\` or \`)\` in the call to \`${callee.text}\``);
    }
    const close = this.next();
    this.leave();
    return { type: "call", callee: callee.text, calleeSpan: this.tspan(callee), args, span: this.span(callee.start, close.end) };
  }

  private parseList(): Expr {
    const open = this.next();
    this.enter(open);
    const items: Expr[] = [];
    while (!this.is(this.peek(), "]")) {
      items.push(this.parseExpr());
      if (this.is(this.peek(), ",")) this.next();
      else if (!this.is(this.peek(), "]")) this.fail(this.peek(), "expected `,` or `]` in the list");
    }
    const close = this.next();
    this.leave();
    return { type: "list", items, span: this.span(open.start, close.end) };
  }

  private parseMap(): Expr {
    const open = this.next();
    this.enter(open);
    const entries: MapEntry[] = [];
    while (!this.is(this.peek(), "}")) {
      const k = this.next();
      let key: string;
      if (k.kind === "ident") key = k.text;
      else if (k.kind === "string" && k.parts?.every((p) => p.kind === "text")) key = k.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
      else this.fail(k, "expected a map key");
      if (!this.is(this.peek(), "=") && !this.is(this.peek(), ":")) this.fail(this.peek(), `expected \`=\` after map key \`${key}\``);
      this.next();
      entries.push({ key, keySpan: this.tspan(k), value: this.parseExpr() });
      if (this.is(this.peek(), ",")) this.next();
    }
    const close = this.next();
    this.leave();
    return { type: "map", entries, span: this.span(open.start, close.end) };
  }

  /** Parse the `${…}` holes of a string token with a sub-lexer over the same text. */
  private templateParts(t: Token): TemplatePart[] {
    const out: TemplatePart[] = [];
    for (const part of t.parts ?? []) {
      if (part.kind === "text") {
        out.push(part);
        continue;
      }
      const sub = lex(this.text, this.file, part.start, part.end);
      this.diagnostics.push(...sub.diagnostics);
      const inner = new Parser(this.text, this.file, sub.tokens, this.diagnostics);
      inner.depth = this.depth;
      try {
        const expr = inner.parseExpr();
        const rest = inner.peek();
        if (rest.kind !== "eof") inner.fail(rest, "expected `}` to end the interpolation");
        out.push({ kind: "expr", expr });
      } catch (e) {
        if (!(e instanceof Abort)) throw e;
        out.push({ kind: "expr", expr: { type: "invalid", span: this.span(part.start, part.end) } });
      }
    }
    return out;
  }
}
