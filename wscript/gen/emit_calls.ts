/** Emitters for names and calls: paths (locals, functions, variants, unit constructors), calls, prelude functions, methods. */
import type { Expr } from "../syntax/ast.ts";
import type { Type } from "../check/types.ts";
import { jsIdent } from "../check/decls.ts";
import type { CodeGen } from "./codegen.ts";
import { prop, type Ctx } from "./js.ts";

export function emitPath(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "path" }>): string {
  const res = e.res;
  if (!res) return "undefined";
  switch (res.kind) {
    case "local":
      return g.local(ctx, (e.segs[0] as { name: string }).name);
    case "fn":
      return g.d.fns.get(res.module ?? "")?.get(res.name)?.jsName ?? "undefined";
    case "host":
      return g.host(`${res.module}::${res.name}`);
    case "assoc":
      return g.d.methods.get(res.typeName)?.get(res.name)?.jsName ?? "undefined";
    case "variant": {
      const v = res.v;
      const en = g.d.enums.get(v.enumName);
      const vi = en?.variants.find((x) => x.name === v.variant);
      if (["Option", "Result", "Value"].includes(v.enumName)) {
        if (!vi?.tuple) return v.enumName === "Option" ? "None" : "VNull";
        return `BUILTIN_VARIANTS[${JSON.stringify(`${v.enumName}::${v.variant}`)}]`;
      }
      const cn = `E_${jsIdent(v.enumName)}_${jsIdent(v.variant)}`;
      if (!vi?.tuple) return `${cn}_1`;
      return `((...a) => new ${cn}(...a))`;
    }
    case "unit_ctor": {
      const fam = g.d.units.get(res.family);
      return fam?.backing === "int" ? `((x) => imul(x, ${res.factor}))` : `((x) => x * ${res.factor})`;
    }
    case "prelude":
      return "undefined";
  }
}

export function emitCall(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "call" }>): string {
  const c = e.callee;
  if (c.kind === "path" && c.res?.kind === "prelude") return emitPrelude(g, ctx, e, c.res.name, c.res.argTypes);
  if (c.kind === "path" && c.res?.kind === "variant") {
    const args = g.operands(ctx, e.args);
    const v = c.res.v;
    if (["Option", "Result", "Value"].includes(v.enumName)) {
      if (v.enumName === "Option") return `Some(${args[0]})`;
      if (v.enumName === "Result") return `${v.variant}(${args[0]})`;
      return `mkValue(${v.tag}, ${args[0]})`;
    }
    return `new E_${jsIdent(v.enumName)}_${jsIdent(v.variant)}(${args.join(", ")})`;
  }
  const f = g.expr(ctx, c);
  const args = g.operands(ctx, e.args);
  if (c.kind === "path" && c.res?.kind === "unit_ctor") {
    const fam = g.d.units.get(c.res.family);
    return fam?.backing === "int" ? `${g.mark(e.span)}imul(${args[0]}, ${c.res.factor})` : `(${args[0]} * ${c.res.factor})`;
  }
  return `${g.mark(e.span)}${/^[\w$]+$/.test(f) ? f : `(${f})`}(${args.join(", ")})`;
}

export function emitPrelude(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "call" }>, name: string, argTypes: Type[]): string {
  const args = g.operands(ctx, e.args);
  const t0 = argTypes[0] ? g.u.shallow(argTypes[0]) : ({ k: "unit" } as Type);
  const a0 = args[0] ?? "undefined";
  switch (name) {
    case "print":
      return `$out(${g.showOf(t0, a0, e.span)})`;
    case "println":
      return args.length ? `$out(${g.showOf(t0, a0, e.span)} + "\\n")` : `$out("\\n")`;
    case "str":
      return g.showOf(t0, a0, e.span);
    case "fmt": {
      const rest = args.slice(1).map((a, i) => {
        const t = g.u.shallow(argTypes[i + 1] as Type);
        return t.k === "units" ? g.showOf(t, a) : a;
      });
      const ds = argTypes.slice(1).map((t) => (g.u.shallow(t).k === "units" ? undefined : g.descOf(t)));
      return `${g.mark(e.span)}fmt_(${a0}, [${rest.join(", ")}]${ds.some((d) => d) ? `, [${ds.map((d) => d ?? "undefined").join(", ")}]` : ""})`;
    }
    case "same":
      return `(${a0} === ${args[1]})`;
    case "weak":
      return `new WeakBox(${a0})`;
    case "int":
      if (t0.k === "float" || (t0.k === "units" && t0.backing === "float")) return `f2i(${a0})`;
      if (t0.k === "char") return `${a0}.codePointAt(0)`;
      return a0;
    case "float":
      if (t0.k === "int" || (t0.k === "units" && t0.backing === "int")) return `i2f(${a0})`;
      return a0;
  }
  return "undefined";
}

export function emitMethod(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "method" }>): string {
  const [r, ...args] = g.operands(ctx, [e.recv, ...e.args]) as [string, ...string[]];
  const res = e.res;
  const m = g.mark(e.span);
  if (!res) return "undefined";
  switch (res.kind) {
    case "builtin": {
      if (res.recv === "any") return res.name === "to_string" ? g.showOf(g.u.shallow(res.recvTy), r, e.span) : `${m}clone(${r})`;
      if (res.recv === "prim") return r;
      if (res.recv === "list") {
        if (res.name === "len") return `${r}.length`;
        if (res.name === "push") return `${r}.push(${args[0]})`;
        if (res.name === "join" && res.recvTy.k === "list") {
          const d = g.descOf(res.recvTy.elem);
          if (d) return `list_join(${r}, ${args[0]}, ${d})`;
        }
        if (res.name === "sum") {
          const el = res.recvTy.k === "list" ? g.u.shallow(res.recvTy.elem) : undefined;
          return `list_sum(${r}, ${el?.k === "int" || (el?.k === "units" && el.backing === "int")})`;
        }
      }
      if (res.recv === "weak" && res.name === "upgrade") return `weak_upgrade(${r}, $roots)`;
      return `${m}${res.recv}_${res.name}(${[r, ...args].join(", ")})`;
    }
    case "user": {
      const info = g.d.methods.get(res.typeName)?.get(res.trait ? `${res.trait}::${res.name}` : res.name);
      return `${m}${info?.jsName ?? "undefined"}(${[r, ...args].join(", ")})`;
    }
    case "dyn": {
      const t = g.t();
      g.emit(`const ${t} = ${r};`);
      return `${m}${t}.$d_${jsIdent(res.trait)}_${jsIdent(res.name)}(${[t, ...args].join(", ")})`;
    }
    case "host":
      return `${m}${g.host(`${res.typeName}.${res.name}`)}(${[r, ...args].join(", ")})`;
    case "field_call":
      return `${m}${r}.${prop(e.name.name)}(${args.join(", ")})`;
    case "unit_get":
      return r;
  }
}
