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
 */
import type { Span } from "./span.ts";
import { joinSpans } from "./span.ts";
import { diag, type Diagnostic } from "./diagnostic.ts";
import { lex, type Token } from "./lexer.ts";
import type { Block, Expr, FnDecl, GenericParam, Ident, Item, MatchArm, Param, Pattern, Program, Stmt, TypeExpr, VariantDecl } from "./ast.ts";

/** Binary operator precedence (higher binds tighter). */
const PREC: Record<string, number> = {
  "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3, "+": 4, "-": 4, "*": 5, "/": 5, "%": 5,
};
const ASSIGN_OPS = new Set(["=", "+=", "-=", "*=", "/=", "%="]);
const ITEM_START = new Set(["fn", "struct", "enum", "trait", "impl", "use", "const", "module", "opaque"]);
/** Maximum nesting of expressions before the parser refuses (keeps the native stack safe). */
const MAX_DEPTH = 200;

class SyntaxError_ {
  constructor(readonly d: Diagnostic) {}
}

class Parser {
  pos = 0;
  diagnostics: Diagnostic[] = [];
  depth = 0;
  constructor(private tokens: Token[], private file: string, private interfaceMode: boolean) {}

  get tok(): Token { return this.tokens[this.pos] ?? this.tokens[this.tokens.length - 1] as Token; }
  peek(n = 1): Token { return this.tokens[this.pos + n] ?? this.tokens[this.tokens.length - 1] as Token; }
  isP(text: string, t: Token = this.tok): boolean { return t.kind === "punct" && t.text === text; }
  isKw(text: string, t: Token = this.tok): boolean { return t.kind === "ident" && t.text === text; }
  next(): Token { const t = this.tok; if (t.kind !== "eof") this.pos++; return t; }
  prevEnd(): Span { const t = this.tokens[this.pos - 1] ?? this.tok; return t.span; }
  span(start: Span): Span { return joinSpans(start, this.prevEnd()); }
  fail(msg: string, help?: string, code = "E0100", at: Span = this.tok.span): never {
    throw new SyntaxError_(diag(code, at, msg, help));
  }
  describe(t: Token): string {
    switch (t.kind) {
      case "ident": return `\`${t.text}\``;
      case "punct": return `\`${t.text}\``;
      case "nl": return "end of line";
      case "eof": return "end of file";
      case "str": return "a string";
      case "char": return "a char";
      case "int": case "float": return "a number";
      case "error": return "an invalid token";
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
    if (t.kind === "ident") { this.pos++; return { name: t.text, span: t.span }; }
    this.fail(`expected ${what}, found ${this.describe(t)}`);
  }
  skipNl(): void { while (this.tok.kind === "nl" || this.isP(";")) this.pos++; }
  skipNlOnly(): void { while (this.tok.kind === "nl") this.pos++; }

  // ---------- items ----------

  program(): Item[] {
    const items: Item[] = [];
    this.skipNl();
    while (this.tok.kind !== "eof") {
      const start = this.pos;
      try {
        items.push(this.item());
      } catch (e) {
        if (!(e instanceof SyntaxError_)) throw e;
        this.diagnostics.push(e.d);
        this.recoverItem(start);
      }
      this.skipNl();
    }
    return items;
  }

  recoverItem(start: number): void {
    if (this.pos === start) this.pos++;
    let depth = 0;
    while (this.tok.kind !== "eof") {
      const t = this.tok;
      if (this.isP("{")) depth++;
      else if (this.isP("}")) { depth--; if (depth <= 0) { this.pos++; if (depth === 0) return; depth = 0; continue; } }
      else if (depth === 0 && t.kind === "ident" && (ITEM_START.has(t.text) || t.text === "units") && this.tokens[this.pos - 1]?.kind === "nl") return;
      else if (depth === 0 && this.isP("#")) return;
      this.pos++;
    }
  }

  derives(): Ident[] {
    const out: Ident[] = [];
    while (this.isP("#")) {
      this.next();
      this.expectP("[");
      const name = this.ident("an attribute");
      if (name.name !== "derive") this.fail(`unknown attribute \`${name.name}\``, "the only attribute is #[derive(...)]", "E0101", name.span);
      this.expectP("(");
      while (!this.isP(")")) {
        out.push(this.ident("a trait to derive"));
        if (!this.isP(")")) this.expectP(",");
      }
      this.expectP(")");
      this.expectP("]");
      this.skipNl();
    }
    return out;
  }

  item(): Item {
    const derives = this.derives();
    const t = this.tok;
    const start = t.span;
    if (t.kind !== "ident") this.fail(`expected an item (fn, struct, enum, trait, impl, use), found ${this.describe(t)}`, "top-level statements are not allowed; put code in `fn main()`");
    if (derives.length && !["struct", "enum", "units"].includes(t.text)) this.fail("#[derive] applies only to a struct or enum", undefined, "E0101", start);
    switch (t.text) {
      case "fn": return this.fnDecl(false);
      case "struct": {
        this.next();
        const name = this.ident("a struct name");
        const fields = this.fieldList();
        return { kind: "struct", name, fields, derives, span: this.span(start) };
      }
      case "enum": return this.enumDecl(derives, start);
      case "trait": {
        this.next();
        const name = this.ident("a trait name");
        this.expectP("{");
        const methods: FnDecl[] = [];
        this.skipNl();
        while (!this.isP("}") && this.tok.kind !== "eof") { methods.push(this.fnDecl(true)); this.skipNl(); }
        this.expectP("}");
        return { kind: "trait", name, methods, span: this.span(start) };
      }
      case "impl": {
        this.next();
        let trait: Ident | undefined;
        let target = this.type();
        if (this.isKw("for")) {
          this.next();
          if (target.kind !== "named" || target.path.length !== 1) this.fail("expected a trait name before `for`", undefined, "E0100", target.span);
          trait = target.path[0];
          target = this.type();
        }
        this.expectP("{");
        const methods: FnDecl[] = [];
        this.skipNl();
        while (!this.isP("}") && this.tok.kind !== "eof") { methods.push(this.fnDecl(false)); this.skipNl(); }
        this.expectP("}");
        return { kind: "impl", trait, target, methods, span: this.span(start) };
      }
      case "use": {
        this.next();
        if (this.tok.kind === "str") {
          const s = this.next();
          const file = s.kind === "str" ? s.parts.map((p) => (p.kind === "text" ? p.text : "")).join("") : "";
          this.expectKw("as");
          const alias = this.ident("a module alias");
          return { kind: "use", path: [], file, alias, span: this.span(start) };
        }
        const path = [this.ident("a module name")];
        while (this.isP("::")) { this.next(); path.push(this.ident("an item name")); }
        let alias: Ident | undefined;
        if (this.isKw("as")) { this.next(); alias = this.ident("an alias"); }
        return { kind: "use", path, file: undefined, alias, span: this.span(start) };
      }
      case "const": {
        this.next();
        const name = this.ident("a constant name");
        this.expectP(":");
        const ty = this.type();
        this.expectP("=");
        const value = this.expr(false);
        return { kind: "const", name, ty, value, span: this.span(start) };
      }
      case "units": {
        if (this.peek().kind !== "ident") break;
        this.next();
        const name = this.ident("a unit family name");
        this.expectP(":", "write `units Duration: int { ns = 1, ms = 1_000_000 }`");
        const backing = this.ident("`int` or `float`");
        this.expectP("{");
        const entries: { name: Ident; factor: Expr }[] = [];
        this.skipNl();
        while (!this.isP("}") && this.tok.kind !== "eof") {
          const n = this.ident("a unit name");
          this.expectP("=");
          entries.push({ name: n, factor: this.expr(false) });
          if (this.isP(",")) this.next();
          this.skipNl();
        }
        this.expectP("}");
        return { kind: "units", name, backing, entries, derives, span: this.span(start) };
      }
      case "module":
      case "opaque": {
        if (!this.interfaceMode) break;
        this.next();
        const name = this.ident();
        this.expectP("{");
        const items: Item[] = [];
        const methods: FnDecl[] = [];
        this.skipNl();
        while (!this.isP("}") && this.tok.kind !== "eof") {
          if (t.text === "opaque") methods.push(this.fnDecl(true));
          else items.push(this.item());
          this.skipNl();
        }
        this.expectP("}");
        return t.text === "module" ? { kind: "module", name, items, span: this.span(start) } : { kind: "opaque", name, methods, span: this.span(start) };
      }
    }
    this.fail(`expected an item (fn, struct, enum, trait, impl, use), found ${this.describe(t)}`, "top-level statements are not allowed; put code in `fn main()`");
  }

  fieldList(): { name: Ident; ty: TypeExpr }[] {
    this.expectP("{");
    const fields: { name: Ident; ty: TypeExpr }[] = [];
    this.skipNl();
    while (!this.isP("}") && this.tok.kind !== "eof") {
      const name = this.ident("a field name");
      this.expectP(":");
      fields.push({ name, ty: this.type() });
      if (!this.isP("}")) { if (this.tok.kind === "nl") this.skipNl(); else this.expectP(","); }
      this.skipNl();
    }
    this.expectP("}");
    return fields;
  }

  enumDecl(derives: Ident[], start: Span): Item {
    this.next();
    const name = this.ident("an enum name");
    this.expectP("{");
    const variants: VariantDecl[] = [];
    this.skipNl();
    while (!this.isP("}") && this.tok.kind !== "eof") {
      const vn = this.ident("a variant name");
      let tuple: TypeExpr[] | undefined;
      let fields: { name: Ident; ty: TypeExpr }[] | undefined;
      if (this.isP("(")) {
        this.next();
        tuple = [];
        while (!this.isP(")")) { tuple.push(this.type()); if (!this.isP(")")) this.expectP(","); }
        this.expectP(")");
      } else if (this.isP("{")) fields = this.fieldList();
      variants.push({ name: vn, tuple, fields, span: this.span(vn.span) });
      if (!this.isP("}")) { if (this.tok.kind === "nl") this.skipNl(); else this.expectP(","); }
      this.skipNl();
    }
    this.expectP("}");
    return { kind: "enum", name, variants, derives, span: this.span(start) };
  }

  fnDecl(bodyOptional: boolean): FnDecl {
    const start = this.expectKw("fn").span;
    const name = this.ident("a function name");
    const generics: GenericParam[] = [];
    if (this.isP("[")) {
      this.next();
      while (!this.isP("]")) {
        const g = this.ident("a type parameter");
        const bounds: Ident[] = [];
        if (this.isP(":")) {
          this.next();
          bounds.push(this.ident("a bound (Eq, Ord, Clone)"));
          while (this.isP("+")) { this.next(); bounds.push(this.ident("a bound")); }
        }
        generics.push({ name: g, bounds });
        if (!this.isP("]")) this.expectP(",");
      }
      this.expectP("]");
    }
    this.expectP("(");
    const params: Param[] = [];
    let hasSelf = false;
    while (!this.isP(")")) {
      if (this.isKw("self") && params.length === 0 && !hasSelf) { this.next(); hasSelf = true; }
      else {
        const pn = this.ident("a parameter name");
        let ty: TypeExpr | undefined;
        if (this.isP(":")) { this.next(); ty = this.type(); }
        else this.fail(`parameter \`${pn.name}\` needs a type annotation`, "annotations are required on function signatures: write `name: int`", "E0102", pn.span);
        params.push({ name: pn, ty });
      }
      if (!this.isP(")")) this.expectP(",");
    }
    this.expectP(")");
    let ret: TypeExpr | undefined;
    if (this.isP("->")) { this.next(); ret = this.type(); }
    let body: Block | undefined;
    if (this.isP("{")) body = this.block();
    else if (!(bodyOptional || this.interfaceMode)) this.fail(`expected \`{\` to start the body of \`${name.name}\`, found ${this.describe(this.tok)}`);
    return { kind: "fn", name, generics, params, hasSelf, ret, body, span: this.span(start) };
  }

  type(): TypeExpr {
    const t = this.tok;
    if (this.isP("(")) {
      this.next();
      this.expectP(")", "the unit type is written `()`");
      return { kind: "unit", span: this.span(t.span) };
    }
    if (this.isKw("fn")) {
      this.next();
      this.expectP("(");
      const params: TypeExpr[] = [];
      while (!this.isP(")")) {
        // Parameter names are documentation: `fn(x: int) -> int` == `fn(int) -> int`.
        if (this.tok.kind === "ident" && this.isP(":", this.peek())) { this.next(); this.next(); }
        params.push(this.type());
        if (!this.isP(")")) this.expectP(",");
      }
      this.expectP(")");
      let ret: TypeExpr | undefined;
      if (this.isP("->")) { this.next(); ret = this.type(); }
      return { kind: "fn", params, ret, span: this.span(t.span) };
    }
    if (this.isKw("dyn")) {
      this.next();
      return { kind: "dyn", trait: this.ident("a trait name"), span: this.span(t.span) };
    }
    const path = [this.ident("a type")];
    while (this.isP("::")) { this.next(); path.push(this.ident("a type")); }
    const args: TypeExpr[] = [];
    if (this.isP("[")) {
      this.next();
      while (!this.isP("]")) { args.push(this.type()); if (!this.isP("]")) this.expectP(","); }
      this.expectP("]");
    }
    return { kind: "named", path, args, span: this.span(t.span) };
  }

  // ---------- blocks & statements ----------

  block(): Block {
    const start = this.expectP("{").span;
    const stmts: Stmt[] = [];
    let tail: Expr | undefined;
    this.skipNl();
    while (!this.isP("}") && this.tok.kind !== "eof") {
      const at = this.pos;
      try {
        const s = this.stmt();
        if (s.kind === "expr" && !s.semi) {
          let k = this.pos;
          while (this.tokens[k]?.kind === "nl") k++;
          const nt = this.tokens[k];
          if (nt?.kind === "punct" && nt.text === "}") { this.pos = k; tail = s.expr; break; }
        }
        stmts.push(s);
        if (!this.isP("}")) {
          if (this.tok.kind === "nl" || this.isP(";")) this.skipNl();
          else this.fail(`expected end of statement, found ${this.describe(this.tok)}`, "put each statement on its own line or separate them with `;`");
        }
      } catch (e) {
        if (!(e instanceof SyntaxError_)) throw e;
        this.diagnostics.push(e.d);
        this.recoverStmt(at);
      }
    }
    this.expectP("}");
    return { kind: "block", stmts, tail, span: this.span(start) };
  }

  recoverStmt(start: number): void {
    if (this.pos === start) this.pos++;
    let depth = 0;
    while (this.tok.kind !== "eof") {
      if (this.isP("{") || this.isP("(") || this.isP("[")) depth++;
      else if (this.isP("}") || this.isP(")") || this.isP("]")) { if (depth === 0) return; depth--; }
      else if (depth === 0 && (this.tok.kind === "nl" || this.isP(";"))) { this.skipNl(); return; }
      this.pos++;
    }
  }

  stmt(): Stmt {
    const t = this.tok;
    if (this.isKw("let")) {
      this.next();
      const pat = this.pattern();
      let ty: TypeExpr | undefined;
      if (this.isP(":")) { this.next(); ty = this.type(); }
      let value: Expr | undefined;
      let else_: Block | undefined;
      if (this.isP("=")) {
        this.next();
        value = this.expr(false);
        if (this.isKw("else")) { this.next(); else_ = this.block(); }
      } else this.fail("expected `=` after the binding", "every `let` needs an initial value", "E0103");
      return { kind: "let", pat, ty, value, else_, span: this.span(t.span) };
    }
    if (t.kind === "ident" && (["fn", "struct", "enum", "trait", "impl", "use"].includes(t.text) || this.isP("#"))) {
      this.fail(`items are not allowed inside a function body`, "declare it at the top level", "E0104");
    }
    const expr = this.expr(false);
    let semi = false;
    if (this.isP(";")) { semi = true; }
    return { kind: "expr", expr, semi, span: this.span(t.span) };
  }

  // ---------- expressions ----------

  expr(noStruct: boolean): Expr {
    if (++this.depth > MAX_DEPTH) this.fail("expression nested too deeply", "split it into smaller expressions", "E0105");
    try {
      const left = this.binary(0, noStruct);
      const t = this.tok;
      if (t.kind === "punct" && ASSIGN_OPS.has(t.text)) {
        this.next();
        this.skipNlOnly();
        const value = this.expr(noStruct);
        return { kind: "assign", op: t.text, target: left, value, span: joinSpans(left.span, value.span) };
      }
      return left;
    } finally {
      this.depth--;
    }
  }

  binary(minPrec: number, noStruct: boolean): Expr {
    let left = this.unary(noStruct);
    for (;;) {
      const t = this.tok;
      const prec = t.kind === "punct" ? PREC[t.text] : undefined;
      if (prec === undefined || prec <= minPrec) return left;
      this.next();
      const right = this.binary(prec, noStruct);
      if (prec === 3 && left.kind === "binary" && PREC[left.op] === 3) {
        this.diagnostics.push(diag("E0106", joinSpans(left.span, right.span), "comparison operators cannot be chained", "use `&&`: `a < b && b < c`"));
      }
      left = { kind: "binary", op: (t as { text: string }).text, left, right, span: joinSpans(left.span, right.span) };
    }
  }

  unary(noStruct: boolean): Expr {
    const t = this.tok;
    if (this.isP("-") || this.isP("!")) {
      this.next();
      if (++this.depth > MAX_DEPTH) this.fail("expression nested too deeply", undefined, "E0105");
      try {
        const operand = this.unary(noStruct);
        return { kind: "unary", op: (t as { text: string }).text as "-" | "!", operand, span: joinSpans(t.span, operand.span) };
      } finally { this.depth--; }
    }
    return this.postfix(this.primary(noStruct));
  }

  args(close: string): Expr[] {
    const out: Expr[] = [];
    while (!this.isP(close)) {
      out.push(this.expr(false));
      if (!this.isP(close)) this.expectP(",", `separate arguments with \`,\` or close with \`${close}\``);
    }
    this.expectP(close);
    return out;
  }

  postfix(e: Expr): Expr {
    for (;;) {
      if (this.isP("(")) {
        this.next();
        const args = this.args(")");
        e = { kind: "call", callee: e, args, span: this.span(e.span) };
      } else if (this.isP(".")) {
        this.next();
        const name = this.ident("a field or method name");
        if (this.isP("(")) {
          this.next();
          const args = this.args(")");
          e = { kind: "method", recv: e, name, args, span: this.span(e.span) };
        } else e = { kind: "field", recv: e, name, span: this.span(e.span) };
      } else if (this.isP("[")) {
        this.next();
        const index = this.expr(false);
        this.expectP("]");
        e = { kind: "index", recv: e, index, span: this.span(e.span) };
      } else if (this.isP("?")) {
        this.next();
        e = { kind: "try", operand: e, span: this.span(e.span) };
      } else return e;
    }
  }

  /** Does `{` at the current position start a struct literal body? */
  looksLikeStructBody(): boolean {
    let k = this.pos + 1;
    while (this.tokens[k]?.kind === "nl") k++;
    const a = this.tokens[k];
    const b = this.tokens[k + 1];
    if (!a) return false;
    if (a.kind === "punct" && a.text === "}") return true;
    return a.kind === "ident" && b !== undefined && b.kind === "punct" && (b.text === ":" || b.text === "," || b.text === "}");
  }

  primary(noStruct: boolean): Expr {
    const t = this.tok;
    switch (t.kind) {
      case "int": this.next(); return { kind: "int", value: t.value, suffix: t.suffix, span: t.span };
      case "float": this.next(); return { kind: "float", value: t.value, suffix: t.suffix, span: t.span };
      case "char": this.next(); return { kind: "char", value: t.value, span: t.span };
      case "str": {
        this.next();
        const parts: ({ kind: "text"; text: string } | { kind: "hole"; expr: Expr })[] = [];
        for (const p of t.parts) {
          if (p.kind === "text") { parts.push(p); continue; }
          if (/^\s*:/.test(p.src)) continue;
          const sub = lex(this.file, p.src, p.offset);
          this.diagnostics.push(...sub.diagnostics);
          const holeSpan: Span = { file: this.file, start: p.offset, end: p.offset + p.src.length };
          if (hasTopLevelSpec(p.src)) {
            this.diagnostics.push(diag("E0107", holeSpan, "format specs are not allowed in interpolation holes", "use fmt(\"{:.2}\", x) for formatting"));
            parts.push({ kind: "hole", expr: { kind: "error", span: holeSpan } });
            continue;
          }
          const toks = sub.tokens.filter((x) => x.kind !== "nl");
          const sp = new Parser(toks, this.file, false);
          sp.depth = this.depth;
          try {
            const expr = sp.expr(false);
            if (sp.tok.kind !== "eof") sp.fail(`unexpected ${sp.describe(sp.tok)} in interpolation hole`, "a hole holds one expression; escape a literal brace as `{{`");
            parts.push({ kind: "hole", expr });
          } catch (e) {
            if (!(e instanceof SyntaxError_)) throw e;
            this.diagnostics.push(e.d);
            parts.push({ kind: "hole", expr: { kind: "error", span: holeSpan } });
          }
          this.diagnostics.push(...sp.diagnostics);
        }
        return { kind: "str", parts, span: t.span };
      }
      case "punct": {
        if (t.text === "(") {
          this.next();
          if (this.isP(")")) { this.next(); return { kind: "unit", span: this.span(t.span) }; }
          const e = this.expr(false);
          this.expectP(")", "tuples are not part of wscript; close the parenthesis");
          return e;
        }
        if (t.text === "[") {
          this.next();
          return { kind: "list", items: this.args("]"), span: this.span(t.span) };
        }
        if (t.text === "#" && this.isP("{", this.peek())) {
          this.next();
          this.next();
          const entries: [Expr, Expr][] = [];
          while (!this.isP("}")) {
            const k = this.expr(false);
            this.expectP(":", "map entries are written `key: value`");
            entries.push([k, this.expr(false)]);
            if (!this.isP("}")) this.expectP(",");
          }
          this.expectP("}");
          return { kind: "map", entries, span: this.span(t.span) };
        }
        if (t.text === "{") return this.block();
        if (t.text === "|" || t.text === "||") return this.closure();
        break;
      }
      case "ident": {
        switch (t.text) {
          case "true": case "false": this.next(); return { kind: "bool", value: t.text === "true", span: t.span };
          case "if": return this.ifExpr();
          case "match": {
            this.next();
            const scrutinee = this.expr(true);
            this.expectP("{");
            const arms: MatchArm[] = [];
            this.skipNl();
            while (!this.isP("}") && this.tok.kind !== "eof") {
              const pat = this.pattern();
              let guard: Expr | undefined;
              if (this.isKw("if")) { this.next(); guard = this.expr(false); }
              this.expectP("=>", "write `pattern => expression`");
              this.skipNlOnly();
              const body = this.expr(false);
              arms.push({ pat, guard, body, span: joinSpans(pat.span, body.span) });
              if (this.isP(",")) this.next();
              else if (!this.isP("}") && this.tok.kind !== "nl") this.fail(`expected \`,\` or a new line after the match arm, found ${this.describe(this.tok)}`);
              this.skipNl();
            }
            this.expectP("}");
            return { kind: "match", scrutinee, arms, span: this.span(t.span) };
          }
          case "while": {
            this.next();
            const cond = this.expr(true);
            return { kind: "while", cond, body: this.block(), span: this.span(t.span) };
          }
          case "loop": this.next(); return { kind: "loop", body: this.block(), span: this.span(t.span) };
          case "for": {
            this.next();
            const pat = this.pattern();
            this.expectKw("in");
            const iter = this.binary(0, true);
            let rangeEnd: Expr | undefined;
            let inclusive = false;
            if (this.isP("..") || this.isP("..=")) {
              inclusive = this.next().kind === "punct" && (this.tokens[this.pos - 1] as { text: string }).text === "..=";
              rangeEnd = this.binary(0, true);
            }
            return { kind: "for", pat, iter, rangeEnd, inclusive, body: this.block(), span: this.span(t.span) };
          }
          case "break": {
            this.next();
            let value: Expr | undefined;
            if (!this.endsExpr()) value = this.expr(false);
            return { kind: "break", value, span: this.span(t.span) };
          }
          case "continue": this.next(); return { kind: "continue", span: t.span };
          case "return": {
            this.next();
            let value: Expr | undefined;
            if (!this.endsExpr()) value = this.expr(false);
            return { kind: "return", value, span: this.span(t.span) };
          }
          case "fn": case "let": case "struct": case "enum": case "impl": case "trait": case "else":
            this.fail(`expected an expression, found \`${t.text}\``, t.text === "else" ? "`else` must follow an `if` block" : undefined);
        }
        const segs = [this.ident()];
        while (this.isP("::")) { this.next(); segs.push(this.ident("a name after `::`")); }
        if (this.isP("{") && !noStruct && this.looksLikeStructBody()) {
          this.next();
          const fields: { name: Ident; value: Expr }[] = [];
          this.skipNl();
          while (!this.isP("}")) {
            const name = this.ident("a field name");
            let value: Expr;
            if (this.isP(":")) { this.next(); value = this.expr(false); }
            else value = { kind: "path", segs: [name], span: name.span };
            fields.push({ name, value });
            if (!this.isP("}")) { this.skipNl(); if (!this.isP("}")) this.expectP(","); }
            this.skipNl();
          }
          this.expectP("}");
          return { kind: "struct_lit", path: segs, fields, span: this.span(t.span) };
        }
        return { kind: "path", segs, span: this.span(t.span) };
      }
    }
    this.fail(`expected an expression, found ${this.describe(t)}`);
  }

  endsExpr(): boolean {
    return this.tok.kind === "nl" || this.tok.kind === "eof" || this.isP("}") || this.isP(";") || this.isP(",") || this.isP(")");
  }

  closure(): Expr {
    const start = this.tok.span;
    const params: { name: Ident; ty: TypeExpr | undefined }[] = [];
    if (this.isP("||")) this.next();
    else {
      this.expectP("|");
      while (!this.isP("|")) {
        const name = this.ident("a closure parameter");
        let ty: TypeExpr | undefined;
        if (this.isP(":")) { this.next(); ty = this.type(); }
        params.push({ name, ty });
        if (!this.isP("|")) this.expectP(",");
      }
      this.expectP("|");
    }
    const body = this.expr(false);
    return { kind: "closure", params, body, span: joinSpans(start, body.span) };
  }

  ifExpr(): Expr {
    const start = this.expectKw("if").span;
    if (this.isKw("let")) {
      this.next();
      const pat = this.pattern();
      this.expectP("=");
      const value = this.expr(true);
      const then = this.block();
      const else_ = this.elsePart();
      return { kind: "if_let", pat, value, then, else_, span: this.span(start) };
    }
    const cond = this.expr(true);
    const then = this.block();
    const else_ = this.elsePart();
    return { kind: "if", cond, then, else_, span: this.span(start) };
  }

  elsePart(): Expr | undefined {
    if (!this.isKw("else")) return undefined;
    this.next();
    if (this.isKw("if")) return this.ifExpr();
    return this.block();
  }

  // ---------- patterns ----------

  pattern(): Pattern {
    const first = this.singlePattern();
    if (!this.isP("|")) return first;
    const alts = [first];
    while (this.isP("|")) { this.next(); alts.push(this.singlePattern()); }
    return { kind: "or", alts, span: joinSpans(first.span, (alts[alts.length - 1] as Pattern).span) };
  }

  singlePattern(): Pattern {
    const t = this.tok;
    if (this.isP("-")) {
      this.next();
      const n = this.tok;
      if (n.kind === "int") { this.next(); return { kind: "lit", value: { kind: "unary", op: "-", operand: { kind: "int", value: n.value, suffix: n.suffix, span: n.span }, span: this.span(t.span) }, span: this.span(t.span) }; }
      if (n.kind === "float") { this.next(); return { kind: "lit", value: { kind: "unary", op: "-", operand: { kind: "float", value: n.value, suffix: n.suffix, span: n.span }, span: this.span(t.span) }, span: this.span(t.span) }; }
      this.fail("expected a number after `-` in a pattern");
    }
    if (t.kind === "int" || t.kind === "float" || t.kind === "str" || t.kind === "char") {
      const value = this.primary(true);
      return { kind: "lit", value, span: t.span };
    }
    if (t.kind === "ident") {
      if (t.text === "_") { this.next(); return { kind: "wild", span: t.span }; }
      if (t.text === "true" || t.text === "false") { this.next(); return { kind: "lit", value: { kind: "bool", value: t.text === "true", span: t.span }, span: t.span }; }
      const path = [this.ident()];
      while (this.isP("::")) { this.next(); path.push(this.ident("a variant name")); }
      if (this.isP("(")) {
        this.next();
        const args: Pattern[] = [];
        while (!this.isP(")")) { args.push(this.pattern()); if (!this.isP(")")) this.expectP(","); }
        this.expectP(")");
        return { kind: "variant", path, args, fields: undefined, span: this.span(t.span) };
      }
      if (this.isP("{")) {
        this.next();
        const fields: { name: Ident; pat: Pattern }[] = [];
        this.skipNl();
        while (!this.isP("}")) {
          if (this.isP("..")) { this.next(); this.skipNl(); break; }
          const name = this.ident("a field name");
          let pat: Pattern = { kind: "bind", name, span: name.span };
          if (this.isP(":")) { this.next(); pat = this.pattern(); }
          fields.push({ name, pat });
          if (!this.isP("}")) this.expectP(",");
          this.skipNl();
        }
        this.expectP("}");
        return { kind: "variant", path, args: undefined, fields, span: this.span(t.span) };
      }
      const only = path[0] as Ident;
      if (path.length === 1 && !/^[A-Z]/.test(only.name)) return { kind: "bind", name: only, span: only.span };
      return { kind: "variant", path, args: undefined, fields: undefined, span: this.span(t.span) };
    }
    this.fail(`expected a pattern, found ${this.describe(t)}`);
  }
}

/** Does a hole's source hold a `:spec` at nesting depth 0 (`{x:.2}`), as opposed to `::` paths or struct-literal fields? */
function hasTopLevelSpec(src: string): boolean {
  let depth = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === "'") {
      for (i++; i < src.length && src[i] !== c; i++) if (src[i] === "\\") i++;
    } else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === ":" && depth === 0) {
      if (src[i + 1] === ":") { i++; continue; }
      return true;
    }
  }
  return false;
}

/** Parse one file. Never throws; returns the (possibly partial) program and all diagnostics. */
export function parse(file: string, text: string, opts: { interfaceMode?: boolean } = {}): { program: Program; diagnostics: Diagnostic[] } {
  const lexed = lex(file, text);
  const p = new Parser(lexed.tokens.filter((t) => t.kind !== "error"), file, opts.interfaceMode ?? false);
  let items: Item[] = [];
  try {
    items = p.program();
  } catch (e) {
    // Defensive: a parser bug must not escape as an exception.
    p.diagnostics.push(diag("E0199", { file, start: 0, end: 0 }, `internal parser error: ${e instanceof Error ? e.message : String(e)}`, "please report this"));
  }
  return { program: { file, items }, diagnostics: [...lexed.diagnostics, ...p.diagnostics] };
}
