/** Items: `fn`, `struct`, `enum`, `trait`, `impl`, `use`, `const`, `units`, `module`, `opaque`, derives; top-level recovery. */
import type { Block, Expr, FnDecl, GenericParam, Ident, Item, Param, TypeExpr, VariantDecl } from "./ast.ts";
import type { Span } from "./span.ts";
import { ITEM_START, SyntaxError_ } from "./parse_shared.ts";
import type { Parser } from "./parser.ts";

export function parseProgram(p: Parser): Item[] {
  const items: Item[] = [];
  p.skipNl();
  while (p.tok.kind !== "eof") {
    const start = p.pos;
    try {
      items.push(parseItem(p));
    } catch (e) {
      if (!(e instanceof SyntaxError_)) throw e;
      p.diagnostics.push(e.d);
      parseRecoverItem(p, start);
    }
    p.skipNl();
  }
  return items;
}

export function parseRecoverItem(p: Parser, start: number): void {
  if (p.pos === start) p.pos++;
  let depth = 0;
  while (p.tok.kind !== "eof") {
    const t = p.tok;
    if (p.isP("{")) depth++;
    else if (p.isP("}")) {
      depth--;
      if (depth <= 0) {
        p.pos++;
        if (depth === 0) return;
        depth = 0;
        continue;
      }
    } else if (depth === 0 && t.kind === "ident" && (ITEM_START.has(t.text) || t.text === "units") && p.tokens[p.pos - 1]?.kind === "nl") return;
    else if (depth === 0 && p.isP("#")) return;
    p.pos++;
  }
}

export function parseDerives(p: Parser): Ident[] {
  const out: Ident[] = [];
  while (p.isP("#")) {
    p.next();
    p.expectP("[");
    const name = p.ident("an attribute");
    if (name.name !== "derive") p.fail(`unknown attribute \`${name.name}\``, "the only attribute is #[derive(...)]", "E0101", name.span);
    p.expectP("(");
    while (!p.isP(")")) {
      out.push(p.ident("a trait to derive"));
      if (!p.isP(")")) p.expectP(",");
    }
    p.expectP(")");
    p.expectP("]");
    p.skipNl();
  }
  return out;
}

export function parseItem(p: Parser): Item {
  const derives = parseDerives(p);
  const t = p.tok;
  const start = t.span;
  if (t.kind !== "ident")
    p.fail(`expected an item (fn, struct, enum, trait, impl, use), found ${p.describe(t)}`, "top-level statements are not allowed; put code in `fn main()`");
  if (derives.length && !["struct", "enum", "units"].includes(t.text)) p.fail("#[derive] applies only to a struct or enum", undefined, "E0101", start);
  switch (t.text) {
    case "fn":
      return parseFnDecl(p, false);
    case "struct": {
      p.next();
      const name = p.ident("a struct name");
      const fields = parseFieldList(p);
      return { kind: "struct", name, fields, derives, span: p.span(start) };
    }
    case "enum":
      return parseEnumDecl(p, derives, start);
    case "trait": {
      p.next();
      const name = p.ident("a trait name");
      p.expectP("{");
      const methods: FnDecl[] = [];
      p.skipNl();
      while (!p.isP("}") && p.tok.kind !== "eof") {
        methods.push(parseFnDecl(p, true));
        p.skipNl();
      }
      p.expectP("}");
      return { kind: "trait", name, methods, span: p.span(start) };
    }
    case "impl": {
      p.next();
      let trait: Ident | undefined;
      let target = p.type();
      if (p.isKw("for")) {
        p.next();
        if (target.kind !== "named" || target.path.length !== 1) p.fail("expected a trait name before `for`", undefined, "E0100", target.span);
        trait = target.path[0];
        target = p.type();
      }
      p.expectP("{");
      const methods: FnDecl[] = [];
      p.skipNl();
      while (!p.isP("}") && p.tok.kind !== "eof") {
        methods.push(parseFnDecl(p, false));
        p.skipNl();
      }
      p.expectP("}");
      return { kind: "impl", trait, target, methods, span: p.span(start) };
    }
    case "use": {
      p.next();
      if (p.tok.kind === "str") {
        const s = p.next();
        const file = s.kind === "str" ? s.parts.map((p) => (p.kind === "text" ? p.text : "")).join("") : "";
        p.expectKw("as");
        const alias = p.ident("a module alias");
        return { kind: "use", path: [], file, alias, span: p.span(start) };
      }
      const path = [p.ident("a module name")];
      while (p.isP("::")) {
        p.next();
        path.push(p.ident("an item name"));
      }
      let alias: Ident | undefined;
      if (p.isKw("as")) {
        p.next();
        alias = p.ident("an alias");
      }
      return { kind: "use", path, file: undefined, alias, span: p.span(start) };
    }
    case "const": {
      p.next();
      const name = p.ident("a constant name");
      p.expectP(":");
      const ty = p.type();
      p.expectP("=");
      const value = p.expr(false);
      return { kind: "const", name, ty, value, span: p.span(start) };
    }
    case "units": {
      if (p.peek().kind !== "ident") break;
      p.next();
      const name = p.ident("a unit family name");
      p.expectP(":", "write `units Duration: int { ns = 1, ms = 1_000_000 }`");
      const backing = p.ident("`int` or `float`");
      p.expectP("{");
      const entries: { name: Ident; factor: Expr }[] = [];
      p.skipNl();
      while (!p.isP("}") && p.tok.kind !== "eof") {
        const n = p.ident("a unit name");
        p.expectP("=");
        entries.push({ name: n, factor: p.expr(false) });
        if (p.isP(",")) p.next();
        p.skipNl();
      }
      p.expectP("}");
      return { kind: "units", name, backing, entries, derives, span: p.span(start) };
    }
    case "module":
    case "opaque": {
      if (!p.interfaceMode) break;
      p.next();
      const name = p.ident();
      p.expectP("{");
      const items: Item[] = [];
      const methods: FnDecl[] = [];
      p.skipNl();
      while (!p.isP("}") && p.tok.kind !== "eof") {
        if (t.text === "opaque") methods.push(parseFnDecl(p, true));
        else items.push(parseItem(p));
        p.skipNl();
      }
      p.expectP("}");
      return t.text === "module" ? { kind: "module", name, items, span: p.span(start) } : { kind: "opaque", name, methods, span: p.span(start) };
    }
  }
  p.fail(`expected an item (fn, struct, enum, trait, impl, use), found ${p.describe(t)}`, "top-level statements are not allowed; put code in `fn main()`");
}

export function parseFieldList(p: Parser): { name: Ident; ty: TypeExpr }[] {
  p.expectP("{");
  const fields: { name: Ident; ty: TypeExpr }[] = [];
  p.skipNl();
  while (!p.isP("}") && p.tok.kind !== "eof") {
    const name = p.ident("a field name");
    p.expectP(":");
    fields.push({ name, ty: p.type() });
    if (!p.isP("}")) {
      if (p.tok.kind === "nl") p.skipNl();
      else p.expectP(",");
    }
    p.skipNl();
  }
  p.expectP("}");
  return fields;
}

export function parseEnumDecl(p: Parser, derives: Ident[], start: Span): Item {
  p.next();
  const name = p.ident("an enum name");
  p.expectP("{");
  const variants: VariantDecl[] = [];
  p.skipNl();
  while (!p.isP("}") && p.tok.kind !== "eof") {
    const vn = p.ident("a variant name");
    let tuple: TypeExpr[] | undefined;
    let fields: { name: Ident; ty: TypeExpr }[] | undefined;
    if (p.isP("(")) {
      p.next();
      tuple = [];
      while (!p.isP(")")) {
        tuple.push(p.type());
        if (!p.isP(")")) p.expectP(",");
      }
      p.expectP(")");
    } else if (p.isP("{")) fields = parseFieldList(p);
    variants.push({ name: vn, tuple, fields, span: p.span(vn.span) });
    if (!p.isP("}")) {
      if (p.tok.kind === "nl") p.skipNl();
      else p.expectP(",");
    }
    p.skipNl();
  }
  p.expectP("}");
  return { kind: "enum", name, variants, derives, span: p.span(start) };
}

export function parseFnDecl(p: Parser, bodyOptional: boolean): FnDecl {
  const start = p.expectKw("fn").span;
  const name = p.ident("a function name");
  const generics: GenericParam[] = [];
  if (p.isP("[")) {
    p.next();
    while (!p.isP("]")) {
      const g = p.ident("a type parameter");
      const bounds: Ident[] = [];
      if (p.isP(":")) {
        p.next();
        bounds.push(p.ident("a bound (Eq, Ord, Clone)"));
        while (p.isP("+")) {
          p.next();
          bounds.push(p.ident("a bound"));
        }
      }
      generics.push({ name: g, bounds });
      if (!p.isP("]")) p.expectP(",");
    }
    p.expectP("]");
  }
  p.expectP("(");
  const params: Param[] = [];
  let hasSelf = false;
  while (!p.isP(")")) {
    if (p.isKw("self") && params.length === 0 && !hasSelf) {
      p.next();
      hasSelf = true;
    } else {
      const pn = p.ident("a parameter name");
      let ty: TypeExpr | undefined;
      if (p.isP(":")) {
        p.next();
        ty = p.type();
      } else p.fail(`parameter \`${pn.name}\` needs a type annotation`, "annotations are required on function signatures: write `name: int`", "E0102", pn.span);
      params.push({ name: pn, ty });
    }
    if (!p.isP(")")) p.expectP(",");
  }
  p.expectP(")");
  let ret: TypeExpr | undefined;
  if (p.isP("->")) {
    p.next();
    ret = p.type();
  }
  let body: Block | undefined;
  if (p.isP("{")) body = p.block();
  else if (!(bodyOptional || p.interfaceMode)) p.fail(`expected \`{\` to start the body of \`${name.name}\`, found ${p.describe(p.tok)}`);
  return { kind: "fn", name, generics, params, hasSelf, ret, body, span: p.span(start) };
}
