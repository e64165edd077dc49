/** Emitters for operators (unit-family and trait-dispatched included), field access, indexing and assignment. */
import type { Expr } from "../syntax/ast.ts";
import type { Span } from "../syntax/span.ts";
import type { CodeGen } from "./codegen.ts";
import { intLit, prop, type Ctx } from "./js.ts";

export function emitUnary(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "unary" }>): string {
  const v = g.expr(ctx, e.operand);
  if (e.op === "!") return `!${v}`;
  if (e.opTrait) return `${g.mark(e.span)}${e.opTrait}(${v})`;
  const t = g.ty(e);
  if (e.operand.kind === "int" && !e.operand.suffix) return intLit(-e.operand.value);
  return t.k === "int" || (t.k === "units" && t.backing === "int") ? `ineg(${v})` : `(-${v})`;
}

export function emitField(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "field" }>): string {
  const r = g.expr(ctx, e.recv);
  if (e.res?.kind === "unit_get") {
    const fam = g.d.units.get(e.res.family);
    if (e.res.factor === 1) return r;
    return fam?.backing === "int" ? `idiv(${r}, ${e.res.factor})` : `(${r} / ${e.res.factor})`;
  }
  return `${r}.${prop(e.name.name)}`;
}

export function emitIndex(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "index" }>): string {
  const [r, i] = g.operands(ctx, [e.recv, e.index]) as [string, string];
  const m = g.mark(e.span);
  if (e.res === "map") return `${m}midx(${r}, ${i})`;
  if (e.res === "user") {
    const t = g.ty(e.recv);
    const mi = t.k === "adt" ? g.d.methods.get(t.name)?.get("Index::index") : undefined;
    return `${m}${mi?.jsName ?? "undefined"}(${r}, ${i})`;
  }
  return `${m}idx(${r}, ${i})`;
}

export function emitBinary(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "binary" }>): string {
  const k = e.opKind ?? { kind: "prim" };
  if (k.kind === "bool") {
    const a = g.expr(ctx, e.left);
    if (!g.lifts(e.right)) return `(${a} ${e.op} ${g.expr(ctx, e.right)})`;
    const t = g.t();
    g.emit(`let ${t} = ${a};`);
    g.emit(`if (${e.op === "&&" ? t : `!${t}`}) {`);
    const b = g.expr(ctx, e.right);
    g.emit(`  ${t} = ${b};`);
    g.emit("}");
    return t;
  }
  const [a, b] = g.operands(ctx, [e.left, e.right]) as [string, string];
  const op = e.op;
  switch (k.kind) {
    case "int": {
      const f = ({ "+": "iadd", "-": "isub", "*": "imul", "/": "idiv", "%": "irem" } as Record<string, string>)[op];
      if (f) return `${f === "idiv" || f === "irem" ? g.mark(e.span) : ""}${f}(${a}, ${b})`;
      return `(${a} ${op === "==" ? "===" : op === "!=" ? "!==" : op} ${b})`;
    }
    case "float":
    case "str":
    case "prim":
      return `(${a} ${op === "==" ? "===" : op === "!=" ? "!==" : op} ${b})`;
    case "deep":
      if (op === "==") return `${g.mark(e.span)}eq(${a}, ${b})`;
      if (op === "!=") return `!${g.mark(e.span)}eq(${a}, ${b})`;
      return `(${g.mark(e.span)}cmp(${a}, ${b}) ${op} 0)`;
    case "trait":
      return `${g.mark(e.span)}${k.method}(${a}, ${b})`;
    default:
      return `(${a} ${op} ${b})`;
  }
}

export function arithExpr(
  g: CodeGen,
  k: Expr["ty"] extends unknown ? { kind: string; method?: string } : never,
  op: string,
  a: string,
  b: string,
  span: Span,
): string {
  if (k.kind === "int")
    return `${g.mark(span)}${({ "+": "iadd", "-": "isub", "*": "imul", "/": "idiv", "%": "irem" } as Record<string, string>)[op]}(${a}, ${b})`;
  if (k.kind === "trait") return `${g.mark(span)}${k.method}(${a}, ${b})`;
  return `(${a} ${op} ${b})`;
}

export function emitAssign(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "assign" }>): void {
  const tg = e.target;
  const op = e.op.slice(0, 1);
  const k = (e.opKind ?? { kind: "prim" }) as { kind: string; method?: string };
  if (tg.kind === "path") {
    const name = g.local(ctx, (tg.segs[0] as { name: string }).name);
    const v = g.expr(ctx, e.value);
    g.emit(e.op === "=" ? `${name} = ${v};` : `${name} = ${arithExpr(g, k, op, name, v, e.span)};`);
    g.reroot(name);
    return;
  }
  if (tg.kind === "field") {
    const o = g.t();
    g.emit(`const ${o} = ${g.expr(ctx, tg.recv)};`);
    const v = g.expr(ctx, e.value);
    const p = `${o}.${prop(tg.name.name)}`;
    g.emit(e.op === "=" ? `${p} = ${v};` : `${p} = ${arithExpr(g, k, op, p, v, e.span)};`);
    return;
  }
  if (tg.kind === "index") {
    const [r, i] = g.operands(ctx, [tg.recv, tg.index]) as [string, string];
    const rt = g.t();
    const it = g.t();
    g.emit(`const ${rt} = ${r}, ${it} = ${i};`);
    const v = g.expr(ctx, e.value);
    const m = g.mark(e.span);
    if (tg.res === "map") {
      g.emit(e.op === "=" ? `${rt}.set(${it}, ${v});` : `${rt}.set(${it}, ${arithExpr(g, k, op, `${m}midx(${rt}, ${it})`, v, e.span)});`);
    } else {
      g.emit(e.op === "=" ? `${m}list_set(${rt}, ${it}, ${v});` : `${m}list_set(${rt}, ${it}, ${arithExpr(g, k, op, `idx(${rt}, ${it})`, v, e.span)});`);
    }
  }
}
