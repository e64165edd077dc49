/** Emitters for literals: interpolated strings, map literals, struct and variant literals. */
import type { Expr } from "../syntax/ast.ts";
import { jsIdent } from "../check/decls.ts";
import type { CodeGen } from "./codegen.ts";
import { type Ctx } from "./js.ts";

export function emitStr(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "str" }>): string {
  const holes = e.parts.flatMap((p) => (p.kind === "hole" ? [p.expr] : []));
  const vals = g.operands(ctx, holes);
  let i = 0;
  const parts = e.parts.map((p) => (p.kind === "text" ? JSON.stringify(p.text) : g.showOf(g.ty(p.expr), vals[i++] as string, p.expr.span)));
  return parts.length === 1 && e.parts[0]?.kind === "text" ? (parts[0] as string) : `(${parts.join(" + ") || '""'})`;
}

export function emitMap(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "map" }>): string {
  const vs = g.operands(ctx, e.entries.flat());
  const pairs: string[] = [];
  for (let i = 0; i < vs.length; i += 2) pairs.push(`[${vs[i]}, ${vs[i + 1]}]`);
  return `new Map([${pairs.join(", ")}])`;
}

export function emitStructLit(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "struct_lit" }>): string {
  if (!e.res) return "undefined";
  const vals = g
    .operands(
      ctx,
      e.fields.map((f) => f.value),
    )
    .map((v, i) => {
      if (/^[\w$]+$/.test(v) || e.fields.length < 2) return v;
      const t = g.t();
      g.emit(`const ${t} = ${v};`);
      void i;
      return t;
    });
  const byName = new Map(e.fields.map((f, i) => [f.name.name, vals[i] as string]));
  const res = e.res;
  if (res.struct)
    return `new S_${jsIdent(res.enumName)}(${(g.d.structs.get(res.enumName)?.fields ?? []).map((f) => byName.get(f.name) ?? "undefined").join(", ")})`;
  const v = g.d.enums.get(res.enumName)?.variants.find((x) => x.name === res.variant);
  return `new E_${jsIdent(res.enumName)}_${jsIdent(res.variant)}(${(v?.fields ?? []).map((f) => byName.get(f.name) ?? "undefined").join(", ")})`;
}
