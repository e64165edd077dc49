/** Written types: `int`, `List[T]`, `fn(A) -> B`, `dyn Trait`, paths, `()`. */
import type { TypeExpr } from "./ast.ts";
import type { Parser } from "./parser.ts";

export function parseType(p: Parser): TypeExpr {
  const t = p.tok;
  if (p.isP("(")) {
    p.next();
    p.expectP(")", "the unit type is written `()`");
    return { kind: "unit", span: p.span(t.span) };
  }
  if (p.isKw("fn")) {
    p.next();
    p.expectP("(");
    const params: TypeExpr[] = [];
    while (!p.isP(")")) {
      // Parameter names are documentation: `fn(x: int) -> int` == `fn(int) -> int`.
      if (p.tok.kind === "ident" && p.isP(":", p.peek())) {
        p.next();
        p.next();
      }
      params.push(parseType(p));
      if (!p.isP(")")) p.expectP(",");
    }
    p.expectP(")");
    let ret: TypeExpr | undefined;
    if (p.isP("->")) {
      p.next();
      ret = parseType(p);
    }
    return { kind: "fn", params, ret, span: p.span(t.span) };
  }
  if (p.isKw("dyn")) {
    p.next();
    return { kind: "dyn", trait: p.ident("a trait name"), span: p.span(t.span) };
  }
  const path = [p.ident("a type")];
  while (p.isP("::")) {
    p.next();
    path.push(p.ident("a type"));
  }
  const args: TypeExpr[] = [];
  if (p.isP("[")) {
    p.next();
    while (!p.isP("]")) {
      args.push(parseType(p));
      if (!p.isP("]")) p.expectP(",");
    }
    p.expectP("]");
  }
  return { kind: "named", path, args, span: p.span(t.span) };
}
