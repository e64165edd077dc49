/** Patterns: `_`, bindings, literals, `A | B`, variant and struct patterns. */
import type { Ident, Pattern } from "./ast.ts";
import type { Parser } from "./parser.ts";
import { joinSpans } from "./span.ts";

export function parsePattern(p: Parser): Pattern {
  const first = parseSinglePattern(p);
  if (!p.isP("|")) return first;
  const alts = [first];
  while (p.isP("|")) {
    p.next();
    alts.push(parseSinglePattern(p));
  }
  return { kind: "or", alts, span: joinSpans(first.span, (alts[alts.length - 1] as Pattern).span) };
}

export function parseSinglePattern(p: Parser): Pattern {
  const t = p.tok;
  if (p.isP("-")) {
    p.next();
    const n = p.tok;
    if (n.kind === "int") {
      p.next();
      return {
        kind: "lit",
        value: { kind: "unary", op: "-", operand: { kind: "int", value: n.value, suffix: n.suffix, span: n.span }, span: p.span(t.span) },
        span: p.span(t.span),
      };
    }
    if (n.kind === "float") {
      p.next();
      return {
        kind: "lit",
        value: { kind: "unary", op: "-", operand: { kind: "float", value: n.value, suffix: n.suffix, span: n.span }, span: p.span(t.span) },
        span: p.span(t.span),
      };
    }
    p.fail("expected a number after `-` in a pattern");
  }
  if (t.kind === "int" || t.kind === "float" || t.kind === "str" || t.kind === "char") {
    const value = p.primary(true);
    return { kind: "lit", value, span: t.span };
  }
  if (t.kind === "ident") {
    if (t.text === "_") {
      p.next();
      return { kind: "wild", span: t.span };
    }
    if (t.text === "true" || t.text === "false") {
      p.next();
      return { kind: "lit", value: { kind: "bool", value: t.text === "true", span: t.span }, span: t.span };
    }
    const path = [p.ident()];
    while (p.isP("::")) {
      p.next();
      path.push(p.ident("a variant name"));
    }
    if (p.isP("(")) {
      p.next();
      const args: Pattern[] = [];
      while (!p.isP(")")) {
        args.push(parsePattern(p));
        if (!p.isP(")")) p.expectP(",");
      }
      p.expectP(")");
      return { kind: "variant", path, args, fields: undefined, span: p.span(t.span) };
    }
    if (p.isP("{")) {
      p.next();
      const fields: { name: Ident; pat: Pattern }[] = [];
      p.skipNl();
      while (!p.isP("}")) {
        if (p.isP("..")) {
          p.next();
          p.skipNl();
          break;
        }
        const name = p.ident("a field name");
        let pat: Pattern = { kind: "bind", name, span: name.span };
        if (p.isP(":")) {
          p.next();
          pat = parsePattern(p);
        }
        fields.push({ name, pat });
        if (!p.isP("}")) p.expectP(",");
        p.skipNl();
      }
      p.expectP("}");
      return { kind: "variant", path, args: undefined, fields, span: p.span(t.span) };
    }
    const only = path[0] as Ident;
    if (path.length === 1 && !/^[A-Z]/.test(only.name)) return { kind: "bind", name: only, span: only.span };
    return { kind: "variant", path, args: undefined, fields: undefined, span: p.span(t.span) };
  }
  p.fail(`expected a pattern, found ${p.describe(t)}`);
}
