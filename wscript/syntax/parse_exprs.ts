/** Blocks, statements and expressions (precedence climbing, postfix chains, string interpolation holes, closures, `if`). */
import type { Block, Expr, Ident, MatchArm, Stmt, TypeExpr } from "./ast.ts";
import { diag } from "./diagnostic.ts";
import { lex } from "./lexer.ts";
import { ASSIGN_OPS, MAX_DEPTH, PREC, SyntaxError_ } from "./parse_shared.ts";
import type { Parser } from "./parser.ts";
import { joinSpans, type Span } from "./span.ts";

export function parseBlock(p: Parser): Block {
  const start = p.expectP("{").span;
  const stmts: Stmt[] = [];
  let tail: Expr | undefined;
  let recovered = false;
  p.skipNl();
  while (!p.isP("}") && p.tok.kind !== "eof") {
    const at = p.pos;
    try {
      const s = parseStmt(p);
      if (s.kind === "expr" && !s.semi) {
        let k = p.pos;
        while (p.tokens[k]?.kind === "nl") k++;
        const nt = p.tokens[k];
        if (nt?.kind === "punct" && nt.text === "}") {
          p.pos = k;
          tail = s.expr;
          break;
        }
      }
      stmts.push(s);
      if (!p.isP("}")) {
        if (p.tok.kind === "nl" || p.isP(";")) p.skipNl();
        else p.fail(`expected end of statement, found ${p.describe(p.tok)}`, "put each statement on its own line or separate them with `;`");
      }
    } catch (e) {
      if (!(e instanceof SyntaxError_)) throw e;
      p.diagnostics.push(e.d);
      parseRecoverStmt(p, at);
      recovered = true;
    }
  }
  p.expectP("}");
  return { kind: "block", stmts, tail, span: p.span(start), ...(recovered ? { recovered } : {}) };
}

export function parseRecoverStmt(p: Parser, start: number): void {
  if (p.pos === start) p.pos++;
  let depth = 0;
  while (p.tok.kind !== "eof") {
    if (p.isP("{") || p.isP("(") || p.isP("[")) depth++;
    else if (p.isP("}") || p.isP(")") || p.isP("]")) {
      if (depth === 0) return;
      depth--;
    } else if (depth === 0 && (p.tok.kind === "nl" || p.isP(";"))) {
      p.skipNl();
      return;
    }
    p.pos++;
  }
}

export function parseStmt(p: Parser): Stmt {
  const t = p.tok;
  if (p.isKw("let")) {
    p.next();
    const pat = p.pattern();
    let ty: TypeExpr | undefined;
    if (p.isP(":")) {
      p.next();
      ty = p.type();
    }
    let value: Expr | undefined;
    let else_: Block | undefined;
    if (p.isP("=")) {
      p.next();
      value = parseExpr(p, false);
      if (p.isKw("else")) {
        p.next();
        else_ = parseBlock(p);
      }
    } else p.fail("expected `=` after the binding", "every `let` needs an initial value", "E0103");
    return { kind: "let", pat, ty, value, else_, span: p.span(t.span) };
  }
  if (t.kind === "ident" && (["fn", "struct", "enum", "trait", "impl", "use"].includes(t.text) || p.isP("#"))) {
    p.fail(`items are not allowed inside a function body`, "declare it at the top level", "E0104");
  }
  const expr = parseExpr(p, false);
  let semi = false;
  if (p.isP(";")) {
    semi = true;
  }
  return { kind: "expr", expr, semi, span: p.span(t.span) };
}

export function parseExpr(p: Parser, noStruct: boolean): Expr {
  if (++p.depth > MAX_DEPTH) p.fail("expression nested too deeply", "split it into smaller expressions", "E0105");
  try {
    const left = parseBinary(p, 0, noStruct);
    const t = p.tok;
    if (t.kind === "punct" && ASSIGN_OPS.has(t.text)) {
      p.next();
      p.skipNlOnly();
      const value = parseExpr(p, noStruct);
      return { kind: "assign", op: t.text, target: left, value, span: joinSpans(left.span, value.span) };
    }
    return left;
  } finally {
    p.depth--;
  }
}

export function parseBinary(p: Parser, minPrec: number, noStruct: boolean): Expr {
  let left = parseUnary(p, noStruct);
  for (;;) {
    const t = p.tok;
    const prec = t.kind === "punct" ? PREC[t.text] : undefined;
    if (prec === undefined || prec <= minPrec) return left;
    p.next();
    const right = parseBinary(p, prec, noStruct);
    if (prec === 3 && left.kind === "binary" && PREC[left.op] === 3) {
      p.diagnostics.push(diag("E0106", joinSpans(left.span, right.span), "comparison operators cannot be chained", "use `&&`: `a < b && b < c`"));
    }
    left = { kind: "binary", op: (t as { text: string }).text, left, right, span: joinSpans(left.span, right.span) };
  }
}

export function parseUnary(p: Parser, noStruct: boolean): Expr {
  const t = p.tok;
  if (p.isP("-") || p.isP("!")) {
    p.next();
    if (++p.depth > MAX_DEPTH) p.fail("expression nested too deeply", undefined, "E0105");
    try {
      const operand = parseUnary(p, noStruct);
      return { kind: "unary", op: (t as { text: string }).text as "-" | "!", operand, span: joinSpans(t.span, operand.span) };
    } finally {
      p.depth--;
    }
  }
  return parsePostfix(p, parsePrimary(p, noStruct));
}

export function parseArgs(p: Parser, close: string): Expr[] {
  const out: Expr[] = [];
  while (!p.isP(close)) {
    out.push(parseExpr(p, false));
    if (!p.isP(close)) p.expectP(",", `separate arguments with \`,\` or close with \`${close}\``);
  }
  p.expectP(close);
  return out;
}

export function parsePostfix(p: Parser, e: Expr): Expr {
  for (;;) {
    if (p.isP("(")) {
      p.next();
      const args = parseArgs(p, ")");
      e = { kind: "call", callee: e, args, span: p.span(e.span) };
    } else if (p.isP(".")) {
      p.next();
      const name = p.ident("a field or method name");
      if (p.isP("(")) {
        p.next();
        const args = parseArgs(p, ")");
        e = { kind: "method", recv: e, name, args, span: p.span(e.span) };
      } else e = { kind: "field", recv: e, name, span: p.span(e.span) };
    } else if (p.isP("[")) {
      p.next();
      const index = parseExpr(p, false);
      p.expectP("]");
      e = { kind: "index", recv: e, index, span: p.span(e.span) };
    } else if (p.isP("?")) {
      p.next();
      e = { kind: "try", operand: e, span: p.span(e.span) };
    } else return e;
  }
}

/** Does `{` at the current position start a struct literal body? */
export function parseLooksLikeStructBody(p: Parser): boolean {
  let k = p.pos + 1;
  while (p.tokens[k]?.kind === "nl") k++;
  const a = p.tokens[k];
  const b = p.tokens[k + 1];
  if (!a) return false;
  if (a.kind === "punct" && a.text === "}") return true;
  return a.kind === "ident" && b !== undefined && b.kind === "punct" && (b.text === ":" || b.text === "," || b.text === "}");
}

export function parsePrimary(p: Parser, noStruct: boolean): Expr {
  const t = p.tok;
  switch (t.kind) {
    case "int":
      p.next();
      return { kind: "int", value: t.value, suffix: t.suffix, span: t.span };
    case "float":
      p.next();
      return { kind: "float", value: t.value, suffix: t.suffix, span: t.span };
    case "char":
      p.next();
      return { kind: "char", value: t.value, span: t.span };
    case "str": {
      p.next();
      const parts: ({ kind: "text"; text: string } | { kind: "hole"; expr: Expr })[] = [];
      for (const hp of t.parts) {
        if (hp.kind === "text") {
          parts.push(hp);
          continue;
        }
        if (/^\s*:/.test(hp.src)) continue;
        const sub = lex(p.file, hp.src, hp.offset);
        p.diagnostics.push(...sub.diagnostics);
        const holeSpan: Span = { file: p.file, start: hp.offset, end: hp.offset + hp.src.length };
        if (hasTopLevelSpec(hp.src)) {
          p.diagnostics.push(diag("E0107", holeSpan, "format specs are not allowed in interpolation holes", 'use fmt("{:.2}", x) for formatting'));
          parts.push({ kind: "hole", expr: { kind: "error", span: holeSpan } });
          continue;
        }
        const toks = sub.tokens.filter((x) => x.kind !== "nl");
        const sp = p.sub(toks);
        sp.depth = p.depth;
        try {
          const expr = sp.expr(false);
          if (sp.tok.kind !== "eof")
            sp.fail(`unexpected ${sp.describe(sp.tok)} in interpolation hole`, "a hole holds one expression; escape a literal brace as `{{`");
          parts.push({ kind: "hole", expr });
        } catch (e) {
          if (!(e instanceof SyntaxError_)) throw e;
          p.diagnostics.push(e.d);
          parts.push({ kind: "hole", expr: { kind: "error", span: holeSpan } });
        }
        p.diagnostics.push(...sp.diagnostics);
      }
      return { kind: "str", parts, span: t.span };
    }
    case "punct": {
      if (t.text === "(") {
        p.next();
        if (p.isP(")")) {
          p.next();
          return { kind: "unit", span: p.span(t.span) };
        }
        const e = parseExpr(p, false);
        p.expectP(")", "tuples are not part of wscript; close the parenthesis");
        return e;
      }
      if (t.text === "[") {
        p.next();
        return { kind: "list", items: parseArgs(p, "]"), span: p.span(t.span) };
      }
      if (t.text === "#" && p.isP("{", p.peek())) {
        p.next();
        p.next();
        const entries: [Expr, Expr][] = [];
        while (!p.isP("}")) {
          const k = parseExpr(p, false);
          p.expectP(":", "map entries are written `key: value`");
          entries.push([k, parseExpr(p, false)]);
          if (!p.isP("}")) p.expectP(",");
        }
        p.expectP("}");
        return { kind: "map", entries, span: p.span(t.span) };
      }
      if (t.text === "{") return parseBlock(p);
      if (t.text === "|" || t.text === "||") return parseClosure(p);
      break;
    }
    case "ident": {
      switch (t.text) {
        case "true":
        case "false":
          p.next();
          return { kind: "bool", value: t.text === "true", span: t.span };
        case "if":
          return parseIfExpr(p);
        case "match": {
          p.next();
          const scrutinee = parseExpr(p, true);
          p.expectP("{");
          const arms: MatchArm[] = [];
          p.skipNl();
          while (!p.isP("}") && p.tok.kind !== "eof") {
            const pat = p.pattern();
            let guard: Expr | undefined;
            if (p.isKw("if")) {
              p.next();
              guard = parseExpr(p, false);
            }
            p.expectP("=>", "write `pattern => expression`");
            p.skipNlOnly();
            const body = parseExpr(p, false);
            arms.push({ pat, guard, body, span: joinSpans(pat.span, body.span) });
            if (p.isP(",")) p.next();
            else if (!p.isP("}") && p.tok.kind !== "nl") p.fail(`expected \`,\` or a new line after the match arm, found ${p.describe(p.tok)}`);
            p.skipNl();
          }
          p.expectP("}");
          return { kind: "match", scrutinee, arms, span: p.span(t.span) };
        }
        case "while": {
          p.next();
          const cond = parseExpr(p, true);
          return { kind: "while", cond, body: parseBlock(p), span: p.span(t.span) };
        }
        case "loop":
          p.next();
          return { kind: "loop", body: parseBlock(p), span: p.span(t.span) };
        case "for": {
          p.next();
          const pat = p.pattern();
          p.expectKw("in");
          const iter = parseBinary(p, 0, true);
          let rangeEnd: Expr | undefined;
          let inclusive = false;
          if (p.isP("..") || p.isP("..=")) {
            inclusive = p.next().kind === "punct" && (p.tokens[p.pos - 1] as { text: string }).text === "..=";
            rangeEnd = parseBinary(p, 0, true);
          }
          return { kind: "for", pat, iter, rangeEnd, inclusive, body: parseBlock(p), span: p.span(t.span) };
        }
        case "break": {
          p.next();
          let value: Expr | undefined;
          if (!parseEndsExpr(p)) value = parseExpr(p, false);
          return { kind: "break", value, span: p.span(t.span) };
        }
        case "continue":
          p.next();
          return { kind: "continue", span: t.span };
        case "return": {
          p.next();
          let value: Expr | undefined;
          if (!parseEndsExpr(p)) value = parseExpr(p, false);
          return { kind: "return", value, span: p.span(t.span) };
        }
        case "fn":
        case "let":
        case "struct":
        case "enum":
        case "impl":
        case "trait":
        case "else":
          p.fail(`expected an expression, found \`${t.text}\``, t.text === "else" ? "`else` must follow an `if` block" : undefined);
      }
      const segs = [p.ident()];
      while (p.isP("::")) {
        p.next();
        segs.push(p.ident("a name after `::`"));
      }
      if (p.isP("{") && !noStruct && parseLooksLikeStructBody(p)) {
        p.next();
        const fields: { name: Ident; value: Expr }[] = [];
        p.skipNl();
        while (!p.isP("}")) {
          const name = p.ident("a field name");
          let value: Expr;
          if (p.isP(":")) {
            p.next();
            value = parseExpr(p, false);
          } else value = { kind: "path", segs: [name], span: name.span };
          fields.push({ name, value });
          if (!p.isP("}")) {
            p.skipNl();
            if (!p.isP("}")) p.expectP(",");
          }
          p.skipNl();
        }
        p.expectP("}");
        return { kind: "struct_lit", path: segs, fields, span: p.span(t.span) };
      }
      return { kind: "path", segs, span: p.span(t.span) };
    }
  }
  p.fail(`expected an expression, found ${p.describe(t)}`);
}

export function parseEndsExpr(p: Parser): boolean {
  return p.tok.kind === "nl" || p.tok.kind === "eof" || p.isP("}") || p.isP(";") || p.isP(",") || p.isP(")");
}

export function parseClosure(p: Parser): Expr {
  const start = p.tok.span;
  const params: { name: Ident; ty: TypeExpr | undefined }[] = [];
  if (p.isP("||")) p.next();
  else {
    p.expectP("|");
    while (!p.isP("|")) {
      const name = p.ident("a closure parameter");
      let ty: TypeExpr | undefined;
      if (p.isP(":")) {
        p.next();
        ty = p.type();
      }
      params.push({ name, ty });
      if (!p.isP("|")) p.expectP(",");
    }
    p.expectP("|");
  }
  const body = parseExpr(p, false);
  return { kind: "closure", params, body, span: joinSpans(start, body.span) };
}

export function parseIfExpr(p: Parser): Expr {
  const start = p.expectKw("if").span;
  if (p.isKw("let")) {
    p.next();
    const pat = p.pattern();
    p.expectP("=");
    const value = parseExpr(p, true);
    const then = parseBlock(p);
    const else_ = parseElsePart(p);
    return { kind: "if_let", pat, value, then, else_, span: p.span(start) };
  }
  const cond = parseExpr(p, true);
  const then = parseBlock(p);
  const else_ = parseElsePart(p);
  return { kind: "if", cond, then, else_, span: p.span(start) };
}

export function parseElsePart(p: Parser): Expr | undefined {
  if (!p.isKw("else")) return undefined;
  p.next();
  if (p.isKw("if")) return parseIfExpr(p);
  return parseBlock(p);
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
      if (src[i + 1] === ":") {
        i++;
        continue;
      }
      return true;
    }
  }
  return false;
}
