/**
 * Names, calls and method calls: paths (`x`, `m::f`, `Enum::V`, `T::new`,
 * `Duration::ms`), prelude calls (fact_prelude_functions.md, including the
 * compile-time check of literal `fmt` templates), variant constructors,
 * host functions (checked against their registered signatures), built-in
 * methods (builtins.ts), user/trait methods and `dyn` dispatch.
 */
import type { Expr } from "../syntax/ast.ts";
import type { FnCtx } from "./scope.ts";
import type { Checker } from "./checker.ts";
import { DISCARD } from "./scope.ts";
import { checkFmtTemplate } from "../syntax/fmt.ts";
import { CHAR, ERROR, FLOAT, INT, STRING, UNIT, optionOf, substParams, type FnSig, type Type } from "./types.ts";

const fnType = (s: FnSig): Type => ({ k: "fn", params: s.params, ret: s.ret });
const REF_KINDS = new Set(["string", "list", "map", "adt", "dyn", "fn", "weak", "param", "var", "error"]);

function moduleItem(c: Checker, e: Extract<Expr, { kind: "path" }>, kind: "host" | "script", module: string, name: string): Type | undefined {
  if (kind === "host") {
    const m = c.decls.hostModules.get(module);
    const f = m?.fns.get(name);
    if (f) {
      e.res = { kind: "host", module, name };
      return fnType(c.instantiate(f.sig, e.span));
    }
    const k = m?.consts.get(name);
    if (k) {
      e.res = { kind: "host", module, name };
      return k.ty;
    }
    return undefined;
  }
  const f = c.decls.fns.get(module)?.get(name);
  if (f) {
    e.res = { kind: "fn", name, module };
    return fnType(c.instantiate(f.sig, e.span));
  }
  return undefined;
}

export function checkPath(c: Checker, e: Extract<Expr, { kind: "path" }>, ctx: FnCtx, exp: Type | undefined): Type {
  const segs = e.segs.map((s) => s.name);
  const ex = exp && exp !== DISCARD ? c.u.shallow(exp) : undefined;
  if (segs.length === 1) {
    const n = segs[0] as string;
    const local = c.lookup(ctx, n);
    if (local) {
      e.res = { kind: "local" };
      return local;
    }
    const f = c.decls.fns.get(ctx.file.module)?.get(n);
    if (f) {
      e.res = { kind: "fn", name: n, module: ctx.file.module };
      return fnType(c.instantiate(f.sig, e.span));
    }
    const imp = ctx.file.items.get(n);
    if (imp) {
      const t = moduleItem(c, e, imp.kind, imp.module, imp.name);
      if (t) return t;
    }
    const variant = { None: ["Option", 0], Some: ["Option", 1], Ok: ["Result", 0], Err: ["Result", 1] }[n] as [string, number] | undefined;
    if (variant) return variantValue(c, e, variant[0], n, ex);
    if (n === "self") {
      c.err("E0425", e.span, "`self` is only available in methods", "add `self` as the first parameter");
      return ERROR;
    }
    c.err(
      "E0425",
      e.span,
      `cannot find \`${n}\` in this scope`,
      c.decls.hostModules.has(n) ? `\`${n}\` is a module: write \`${n}::item\` after \`use ${n}\`` : undefined,
    );
    return ERROR;
  }
  if (segs.length === 2) {
    const [a, b] = segs as [string, string];
    const mod = ctx.file.modules.get(a);
    if (mod) {
      const t = moduleItem(c, e, mod.kind, mod.name, b);
      if (t) return t;
      c.err("E0425", e.span, `module \`${a}\` has no item \`${b}\``, undefined);
      return ERROR;
    }
    if (c.decls.enums.has(a) && c.decls.enums.get(a)?.variants.some((v) => v.name === b)) return variantValue(c, e, a, b, ex);
    const m = c.decls.methods.get(a)?.get(b);
    if (m && !m.hasSelf) {
      e.res = { kind: "assoc", typeName: a, name: b };
      return fnType(c.instantiate(m.sig, e.span));
    }
    if (m) {
      c.err("E0425", e.span, `\`${a}::${b}\` is a method; call it on a value: \`x.${b}(…)\``, undefined);
      return ERROR;
    }
    const fam = c.decls.units.get(a);
    const unit = fam?.units.find((u) => u.name === b);
    if (fam && unit) {
      e.res = { kind: "unit_ctor", family: a, factor: unit.factor };
      return { k: "fn", params: [fam.backing === "int" ? INT : FLOAT], ret: { k: "units", name: a, backing: fam.backing } };
    }
    if (c.decls.hostModules.has(a) || c.decls.fns.has(a)) {
      c.err("E0433", e.span, `module \`${a}\` is not imported`, `add \`use ${a}\` at the top of the file`);
      return ERROR;
    }
    const isType = c.decls.structs.has(a) || c.decls.enums.has(a) || c.decls.units.has(a) || c.decls.opaque.has(a);
    if (isType) {
      const assoc = [...(c.decls.methods.get(a)?.values() ?? [])].filter((x) => !x.hasSelf && !x.trait).map((x) => `\`${a}::${x.name}\``);
      const variants = (c.decls.enums.get(a)?.variants ?? []).map((v) => `\`${a}::${v.name}\``);
      const units = (fam?.units ?? []).map((u) => `\`${a}::${u.name}\``);
      const known = [...variants, ...assoc, ...units];
      const what = c.decls.enums.has(a) ? "variant or associated function" : "associated function";
      c.err(
        "E0425",
        e.span,
        `type \`${a}\` has no ${what} named \`${b}\``,
        known.length ? `available: ${known.join(", ")}` : `declare it in \`impl ${a} { fn ${b}(…) … }\``,
      );
      return ERROR;
    }
    c.err("E0425", e.span, `cannot find \`${a}::${b}\``, `\`${a}\` is not a module, type or enum in scope`);
    return ERROR;
  }
  c.err("E0425", e.span, `cannot find \`${segs.join("::")}\``, undefined);
  return ERROR;
}

/** A variant used as a value: a unit variant, or a constructor function. */
function variantValue(c: Checker, e: Extract<Expr, { kind: "path" }>, enumName: string, vname: string, ex: Type | undefined): Type {
  const en = c.decls.enums.get(enumName)!;
  const v = en.variants.find((x) => x.name === vname)!;
  const args = en.params.map(() => c.u.fresh());
  const ty: Type = { k: "adt", name: enumName, args };
  e.res = { kind: "variant", v: { enumName, variant: vname, tag: v.tag } };
  const subst = new Map(en.params.map((p, i) => [p, args[i] as Type]));
  if (v.fields) {
    c.err("E0425", e.span, `variant \`${vname}\` has named fields`, `construct it with \`${enumName}::${vname} { … }\``);
    return ERROR;
  }
  if (!v.tuple) {
    if (ex && ex.k === "adt" && ex.name === enumName) c.u.unify(ty, ex);
    return ty;
  }
  return { k: "fn", params: v.tuple.map((t) => substParams(t, subst)), ret: ty };
}

export function checkCall(c: Checker, e: Extract<Expr, { kind: "call" }>, ctx: FnCtx, exp: Type | undefined): Type {
  const callee = e.callee;
  const ex = exp && exp !== DISCARD ? exp : undefined;
  if (callee.kind === "path" && callee.segs.length === 1 && c.isPrelude((callee.segs[0] as { name: string }).name, ctx)) {
    return prelude(c, e, (callee.segs[0] as { name: string }).name, ctx);
  }
  const ft = c.u.shallow(c.expr(callee, ctx, undefined));
  if (ft.k === "error") {
    for (const a of e.args) c.expr(a, ctx, undefined);
    return ERROR;
  }
  if (ft.k !== "fn") {
    for (const a of e.args) c.expr(a, ctx, undefined);
    c.err("E0505", callee.span, `\`${c.u.show(ft)}\` is not callable`, undefined);
    return ERROR;
  }
  if (ex && callee.kind === "path" && (callee.res?.kind === "variant" || c.u.resolve(ft.ret).k !== "adt" || true)) {
    const r = c.u.shallow(ft.ret);
    if (r.k === "var" || (r.k === "adt" && r.args.some((a) => c.u.shallow(a).k === "var")) || (r.k === "list" && c.u.shallow(r.elem).k === "var")) {
      const exs = c.u.shallow(ex);
      if (exs.k !== "dyn") c.u.unify(r, exs);
    }
  }
  const what = callee.kind === "path" ? `\`${callee.segs.map((s) => s.name).join("::")}\`` : "this function";
  c.args(e.args, ft.params, ctx, e.span, what);
  return ft.ret;
}

function prelude(c: Checker, e: Extract<Expr, { kind: "call" }>, name: string, ctx: FnCtx): Type {
  const argTypes = e.args.map((a, i) => c.expr(a, ctx, name === "same" && i === 1 ? e.args[0]?.ty : undefined));
  const callee = e.callee as Extract<Expr, { kind: "path" }>;
  callee.res = { kind: "prelude", name, argTypes };
  const count = (lo: number, hi: number): boolean => {
    if (e.args.length >= lo && e.args.length <= hi) return true;
    c.err(
      "E0205",
      e.span,
      `\`${name}\` takes ${lo === hi ? lo : `${lo} or ${hi}`} argument${hi === 1 ? "" : "s"} but ${e.args.length} ${e.args.length === 1 ? "was" : "were"} given`,
      undefined,
    );
    return false;
  };
  const t0 = argTypes[0] ? c.u.shallow(argTypes[0]) : ERROR;
  switch (name) {
    case "print":
      count(1, 1);
      return UNIT;
    case "println":
      count(0, 1);
      return UNIT;
    case "str":
      count(1, 1);
      return STRING;
    case "fmt": {
      if (!e.args.length) {
        count(1, 1);
        return STRING;
      }
      c.coerce(t0, STRING, (e.args[0] as Expr).span, "the first argument of fmt is the template");
      const tpl = e.args[0] as Expr;
      if (tpl.kind === "str" && tpl.parts.every((p) => p.kind === "text")) {
        const text = tpl.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
        const problem = checkFmtTemplate(
          text,
          argTypes.slice(1).map((t) => c.u.shallow(t).k),
        );
        if (problem) c.err("E0507", tpl.span, problem.message, problem.help);
      }
      return STRING;
    }
    case "same": {
      if (!count(2, 2)) return ERROR;
      if (!c.u.unify(argTypes[0] as Type, argTypes[1] as Type))
        c.err(
          "E0201",
          e.span,
          `\`same\` compares two values of one type, found \`${c.u.show(argTypes[0] as Type)}\` and \`${c.u.show(argTypes[1] as Type)}\``,
          undefined,
        );
      if (!REF_KINDS.has(t0.k)) c.err("E0503", e.span, `\`same\` needs reference values; \`${c.u.show(t0)}\` is a value type`, "use `==` for primitives");
      return { k: "bool" };
    }
    case "weak": {
      if (!count(1, 1)) return ERROR;
      c.usesWeak = true;
      if (!REF_KINDS.has(t0.k) || t0.k === "string")
        c.err("E0503", e.span, `\`weak\` needs a reference value, found \`${c.u.show(t0)}\``, "weak references point at structs, enums, lists and maps");
      return { k: "weak", inner: argTypes[0] as Type };
    }
    case "int": {
      if (!count(1, 1)) return INT;
      if (!["int", "float", "char", "units", "error"].includes(t0.k))
        c.err("E0201", e.span, `\`int\` converts int, float or char, not \`${c.u.show(t0)}\``, t0.k === "string" ? "use `s.parse_int()`" : undefined);
      return INT;
    }
    case "float": {
      if (!count(1, 1)) return FLOAT;
      if (!["int", "float", "units", "error"].includes(t0.k))
        c.err("E0201", e.span, `\`float\` converts int or float, not \`${c.u.show(t0)}\``, t0.k === "string" ? "use `s.parse_float()`" : undefined);
      return FLOAT;
    }
  }
  return ERROR;
}

export function checkMethod(c: Checker, e: Extract<Expr, { kind: "method" }>, ctx: FnCtx, exp: Type | undefined): Type {
  const rt = c.u.shallow(c.expr(e.recv, ctx, undefined));
  const name = e.name.name;
  const bail = (): Type => {
    for (const a of e.args) c.expr(a, ctx, undefined);
    return ERROR;
  };
  if (rt.k === "error") return bail();
  if (rt.k === "var") {
    c.err("E0282", e.recv.span, `type annotations needed before calling \`.${name}()\``, "annotate the binding, e.g. `let xs: List[int] = []`");
    return bail();
  }
  if (name === "to_string" && !((rt.k === "adt" || rt.k === "units") && c.decls.methods.get(rt.name)?.has("to_string"))) {
    // `x.to_string()` is `str(x)` for every displayable value.
    const user = rt.k === "adt" && !["Option", "Result", "Value"].includes(rt.name);
    if (rt.k !== "fn" && (!user || c.implements(rt, "Display"))) {
      e.res = { kind: "builtin", recv: "any", name: "to_string", recvTy: rt };
      c.args(e.args, [], ctx, e.span, "`to_string`");
      return STRING;
    }
  }
  if ((rt.k === "adt" && !["Option", "Result", "Value"].includes(rt.name)) || rt.k === "units") {
    const methods = c.decls.methods.get(rt.name);
    let m = methods?.get(name);
    if (!m && methods) {
      const cands = [...methods.values()].filter((x) => x.trait && x.name === name);
      if (cands.length > 1) {
        c.err("E0034", e.name.span, `\`.${name}()\` is ambiguous: it is defined by ${cands.map((x) => x.trait).join(" and ")}`, undefined);
        return bail();
      }
      m = cands[0];
    }
    if (m) {
      if (!m.hasSelf) {
        c.err("E0599", e.name.span, `\`${name}\` is an associated function, not a method`, `call it as \`${rt.name}::${name}(…)\``);
        return bail();
      }
      e.res = m.decl ? { kind: "user", typeName: rt.name, trait: m.trait, name } : { kind: "host", typeName: rt.name, name };
      const sig = c.instantiate(m.sig, e.span);
      c.args(e.args, sig.params, ctx, e.span, `\`${rt.name}.${name}\``);
      return sig.ret;
    }
    const st = c.decls.structs.get(rt.name);
    const f = st?.fields.find((x) => x.name === name);
    if (f && c.u.shallow(f.ty).k === "fn") {
      const ft = c.u.shallow(f.ty) as Extract<Type, { k: "fn" }>;
      e.res = { kind: "field_call" };
      c.args(e.args, ft.params, ctx, e.span, `field \`${name}\``);
      return ft.ret;
    }
    if (name === "clone" && rt.k === "adt" && c.implements(rt, "Clone")) {
      e.res = { kind: "builtin", recv: "any", name: "clone", recvTy: rt };
      c.args(e.args, [], ctx, e.span, "`clone`");
      return rt;
    }
    if (rt.k === "units" && name === "clone") {
      e.res = { kind: "builtin", recv: "prim", name: "clone", recvTy: rt };
      return rt;
    }
    c.err("E0599", e.name.span, `no method \`${name}\` on \`${c.u.show(rt)}\``, name === "clone" ? `add #[derive(Clone)] to \`${c.u.show(rt)}\`` : undefined);
    return bail();
  }
  if (rt.k === "dyn") {
    const tm = c.decls.traits.get(rt.trait)?.methods.get(name);
    if (!tm) {
      c.err("E0599", e.name.span, `trait \`${rt.trait}\` has no method \`${name}\``, undefined);
      return bail();
    }
    e.res = { kind: "dyn", trait: rt.trait, name };
    const sig = { ...tm, params: tm.params.map((p) => (p.k === "dyn" && p.trait === rt.trait ? p : p)) };
    c.args(e.args, sig.params, ctx, e.span, `\`${rt.trait}.${name}\``);
    return sig.ret;
  }
  if (rt.k === "param" || ["int", "float", "bool"].includes(rt.k)) {
    if (name === "clone" && c.implements(rt, "Clone")) {
      e.res = { kind: "builtin", recv: "any", name: "clone", recvTy: rt };
      c.args(e.args, [], ctx, e.span, "`clone`");
      return rt;
    }
    c.err(
      "E0599",
      e.name.span,
      `no method \`${name}\` on \`${c.u.show(rt)}\``,
      rt.k === "param" ? "a type parameter only supports what its bounds grant (Eq, Ord, Clone)" : undefined,
    );
    return bail();
  }
  const table = c.tableFor(rt);
  const entry = table?.[0][name];
  if (!table || !entry) {
    c.err("E0599", e.name.span, `no method \`${name}\` on \`${c.u.show(rt)}\``, undefined);
    return bail();
  }
  const sig = c.builtinSig(table[0], table[1], name, table[2]);
  if (!sig) return bail();
  e.res = { kind: "builtin", recv: table[1], name, recvTy: rt };
  if (entry.bound && rt.k === "list") {
    const el = c.u.shallow(rt.elem);
    if (entry.bound === "num") {
      if (!["int", "float", "units", "var", "error"].includes(el.k))
        c.err("E0504", e.name.span, `\`sum\` needs numeric elements, found \`${c.u.show(el)}\``, undefined);
    } else c.pendingBounds.push([rt.elem, entry.bound, e.name.span]);
  }
  if (rt.k === "list" && name === "join") {
    // any element type renders through str()
  }
  if (exp && exp !== DISCARD) {
    const r = c.u.shallow(sig.ret);
    if (r.k === "var" || (r.k === "adt" && r.args.some((a) => c.u.shallow(a).k === "var"))) {
      const x = c.u.shallow(exp);
      if (x.k !== "dyn") c.u.unify(r, x);
    }
  }
  if (rt.k === "string" && (name === "pad_left" || name === "pad_right") && e.args.length === 2) {
    padArgs(c, e, ctx, name);
    return sig.ret;
  }
  c.args(e.args, sig.params, ctx, e.span, `\`.${name}\``);
  return sig.ret;
}

/** `pad_left`/`pad_right(width, fill)`: the fill is a `char` or a one-character string (a literal of another length is an error here, a computed one faults). */
function padArgs(c: Checker, e: Extract<Expr, { kind: "method" }>, ctx: FnCtx, name: string): void {
  const [width, fill] = e.args as [Expr, Expr];
  c.coerce(c.expr(width, ctx, INT), INT, width.span, `argument 1 of \`.${name}\` has type \`int\``);
  const ft = c.u.shallow(c.expr(fill, ctx, CHAR));
  if (ft.k === "string") {
    if (fill.kind === "str" && fill.parts.every((p) => p.kind === "text")) {
      const text = fill.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
      const n = [...text].length;
      if (n !== 1)
        c.err(
          "E0201",
          fill.span,
          `the fill of \`.${name}\` must be one character, found a ${n}-character string`,
          "pass a `char` like '-' or a one-character string like \"-\"",
        );
    }
    return;
  }
  c.coerce(ft, CHAR, fill.span, `argument 2 of \`.${name}\` is the fill: a \`char\` or a one-character string`);
}

export { optionOf };
