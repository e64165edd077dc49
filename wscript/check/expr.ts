/**
 * Expression and statement rules (the body of the checker): literals,
 * indexing, `?`, closures, `if`/`if let`/`match`, loops, `break`/`return`,
 * struct literals, field access and `let`. Each is a function over the
 * `Checker`, called from its dispatch; `exp` is the expected type, and
 * `DISCARD` marks statement position, where `if`/`match` arms need not agree.
 */
import type { Expr, Stmt } from "../syntax/ast.ts";
import type { Checker } from "./checker.ts";
import { checkPattern, witness } from "./pattern.ts";
import { DISCARD, type FnCtx } from "./scope.ts";
import { BOOL, CHAR, ERROR, FLOAT, INT, NEVER, UNIT, listOf, type Type } from "./types.ts";

export function checkListLit(c: Checker, e: Extract<Expr, { kind: "list" }>, ctx: FnCtx, exp: Type | undefined): Type {
  const ex = exp && exp !== DISCARD ? c.u.shallow(exp) : undefined;
  const elem = ex?.k === "list" ? ex.elem : c.u.fresh();
  for (const it of e.items) c.coerce(c.expr(it, ctx, elem), elem, it.span, "list elements must all have the same type");
  return listOf(elem);
}

export function checkMapLit(c: Checker, e: Extract<Expr, { kind: "map" }>, ctx: FnCtx, exp: Type | undefined): Type {
  const ex = exp && exp !== DISCARD ? c.u.shallow(exp) : undefined;
  const key = ex?.k === "map" ? ex.key : c.u.fresh();
  const val = ex?.k === "map" ? ex.val : c.u.fresh();
  for (const [k, v] of e.entries) {
    c.coerce(c.expr(k, ctx, key), key, k.span, "map keys must all have the same type");
    c.coerce(c.expr(v, ctx, val), val, v.span, "map values must all have the same type");
  }
  const kt = c.u.shallow(key);
  if (e.entries.length && !["int", "bool", "char", "string", "error", "var", "param"].includes(kt.k))
    c.err("E0202", e.span, `\`${c.u.show(kt)}\` cannot be a map key`, "map keys are int, bool, char or string");
  return { k: "map", key, val };
}

export function checkIndex(c: Checker, e: Extract<Expr, { kind: "index" }>, ctx: FnCtx): Type {
  const rt = c.u.shallow(c.expr(e.recv, ctx, undefined));
  if (rt.k === "list") {
    e.res = "list";
    c.coerce(c.expr(e.index, ctx, INT), INT, e.index.span, "list indices are int");
    return rt.elem;
  }
  if (rt.k === "map") {
    e.res = "map";
    c.coerce(c.expr(e.index, ctx, rt.key), rt.key, e.index.span);
    return rt.val;
  }
  if (rt.k === "adt") {
    const m = c.decls.methods.get(rt.name)?.get("Index::index");
    if (m) {
      e.res = "user";
      c.coerce(c.expr(e.index, ctx, m.sig.params[0]), m.sig.params[0], e.index.span);
      return m.sig.ret;
    }
  }
  if (rt.k === "error") return ERROR;
  c.expr(e.index, ctx, undefined);
  if (rt.k === "var") {
    c.err("E0282", e.recv.span, "type annotations needed before indexing", "annotate the binding, e.g. `let xs: List[int] = []`");
    return ERROR;
  }
  c.err("E0503", e.span, `\`${c.u.show(rt)}\` cannot be indexed`, rt.k === "string" ? "use `.slice(i, i + 1)` or `.chars()`" : "implement `Index` for it");
  return ERROR;
}

export function checkTryOp(c: Checker, e: Extract<Expr, { kind: "try" }>, ctx: FnCtx): Type {
  const ot = c.u.shallow(c.expr(e.operand, ctx, undefined));
  const rt = c.u.shallow(ctx.ret);
  if (ot.k === "adt" && ot.name === "Option") {
    e.isOption = true;
    if (!(rt.k === "adt" && rt.name === "Option") && rt.k !== "error")
      c.err(
        "E0502",
        e.span,
        "`?` on an Option needs the function to return an Option",
        `the function returns \`${c.u.show(rt)}\`; use \`match\` or \`let … else\``,
      );
    return ot.args[0] ?? ERROR;
  }
  if (ot.k === "adt" && ot.name === "Result") {
    if (rt.k === "adt" && rt.name === "Result") {
      if (!c.u.unify(rt.args[1] ?? ERROR, ot.args[1] ?? ERROR))
        c.err(
          "E0502",
          e.span,
          `\`?\` cannot convert the error \`${c.u.show(ot.args[1] ?? ERROR)}\` into \`${c.u.show(rt.args[1] ?? ERROR)}\``,
          "map the error with `.map_err(…)` first",
        );
    } else if (rt.k !== "error")
      c.err(
        "E0502",
        e.span,
        "`?` on a Result needs the function to return a Result",
        `the function returns \`${c.u.show(rt)}\`; use \`match\` or \`let … else\``,
      );
    return ot.args[0] ?? ERROR;
  }
  if (ot.k !== "error") c.err("E0502", e.span, `\`?\` applies to Option or Result, not \`${c.u.show(ot)}\``, undefined);
  return ERROR;
}

export function checkClosure(c: Checker, e: Extract<Expr, { kind: "closure" }>, ctx: FnCtx, exp: Type | undefined): Type {
  const ex = exp && exp !== DISCARD ? c.u.shallow(exp) : undefined;
  const expFn = ex?.k === "fn" && ex.params.length === e.params.length ? ex : undefined;
  const scope = new Map<string, Type>();
  const params = e.params.map((p, i) => {
    let t = p.ty ? c.typeOf(p.ty, ctx.generics, ctx.selfTy) : expFn ? (expFn.params[i] as Type) : c.u.fresh();
    if (p.ty && expFn) {
      c.coerce(t, expFn.params[i], p.name.span);
      t = expFn.params[i] as Type;
    }
    scope.set(p.name.name, t);
    c.onBind?.({ name: p.name.name, ty: t, def: p.name.span, scope: e.body.span, kind: "param" });
    return t;
  });
  const ret = expFn ? expFn.ret : c.u.fresh();
  const inner: FnCtx = { ...ctx, ret, loops: [], scopes: [...ctx.scopes, scope] };
  const bt = c.expr(e.body, inner, ret);
  c.coerce(bt, ret, e.body.span, "the closure's result must match the expected function type");
  return { k: "fn", params, ret };
}

export function checkIfExpr(c: Checker, e: Extract<Expr, { kind: "if" }>, ctx: FnCtx, exp: Type | undefined): Type {
  c.coerce(c.expr(e.cond, ctx, BOOL), BOOL, e.cond.span, "conditions must be `bool`; there is no truthiness");
  return branches(c, (x) => c.block(e.then, ctx, x), e.else_, ctx, exp);
}

export function checkIfLet(c: Checker, e: Extract<Expr, { kind: "if_let" }>, ctx: FnCtx, exp: Type | undefined): Type {
  const vt = c.expr(e.value, ctx, undefined);
  const binds = new Map<string, Type>();
  checkPattern(c, e.pat, vt, binds);
  c.recordBinds(e.pat, binds, e.then.span);
  return branches(
    c,
    (x) => {
      ctx.scopes.push(binds);
      const t = c.block(e.then, ctx, x);
      ctx.scopes.pop();
      return t;
    },
    e.else_,
    ctx,
    exp,
  );
}

export function checkWhileLoop(c: Checker, e: Extract<Expr, { kind: "while" }>, ctx: FnCtx): Type {
  c.coerce(c.expr(e.cond, ctx, BOOL), BOOL, e.cond.span, "conditions must be `bool`; there is no truthiness");
  ctx.loops.push({ breakTy: undefined, isLoop: false });
  c.block(e.body, ctx, DISCARD);
  ctx.loops.pop();
  return UNIT;
}

export function checkLoop(c: Checker, e: Extract<Expr, { kind: "loop" }>, ctx: FnCtx): Type {
  const frame = { breakTy: undefined as Type | undefined, isLoop: true };
  ctx.loops.push(frame);
  c.block(e.body, ctx, DISCARD);
  ctx.loops.pop();
  return frame.breakTy ?? NEVER;
}

export function checkForLoop(c: Checker, e: Extract<Expr, { kind: "for" }>, ctx: FnCtx): Type {
  let elem: Type = ERROR;
  if (e.rangeEnd) {
    e.iterKind = "range";
    const a = c.expr(e.iter, ctx, INT);
    c.coerce(a, INT, e.iter.span, "ranges are over int");
    c.coerce(c.expr(e.rangeEnd, ctx, INT), INT, e.rangeEnd.span, "ranges are over int");
    elem = INT;
  } else {
    const it = c.u.shallow(c.expr(e.iter, ctx, undefined));
    if (it.k === "list") {
      e.iterKind = "list";
      elem = it.elem;
    } else if (it.k === "map") {
      e.iterKind = "map";
      elem = it.key;
    } else if (it.k === "string") {
      e.iterKind = "string";
      elem = CHAR;
    } else if (it.k !== "error")
      c.err("E0503", e.iter.span, `cannot iterate over \`${c.u.show(it)}\``, "`for` iterates ranges (a..b), lists, map keys and string chars");
  }
  const binds = new Map<string, Type>();
  checkPattern(c, e.pat, elem, binds);
  c.recordBinds(e.pat, binds, e.body.span);
  if (e.pat.kind !== "bind" && e.pat.kind !== "wild") {
    const w = witness(c, [e.pat], elem);
    if (w) c.err("E0304", e.pat.span, `refutable pattern in \`for\`: \`${w}\` not covered`, "bind a name and `match` inside the loop");
  }
  ctx.scopes.push(binds);
  ctx.loops.push({ breakTy: undefined, isLoop: false });
  c.block(e.body, ctx, DISCARD);
  ctx.loops.pop();
  ctx.scopes.pop();
  return UNIT;
}

export function checkBreakExpr(c: Checker, e: Extract<Expr, { kind: "break" }>, ctx: FnCtx): Type {
  const frame = ctx.loops[ctx.loops.length - 1];
  if (!frame) {
    c.err("E0501", e.span, "`break` outside of a loop", undefined);
    if (e.value) c.expr(e.value, ctx, undefined);
    return NEVER;
  }
  if (e.value) {
    if (!frame.isLoop) c.err("E0501", e.span, "`break` with a value is only allowed inside `loop`", "`while` and `for` loops have type ()");
    const t = c.expr(e.value, ctx, frame.breakTy);
    if (frame.breakTy) c.coerce(t, frame.breakTy, e.value.span, "every `break` of a loop must carry the same type");
    else frame.breakTy = t;
  } else if (frame.isLoop) {
    if (frame.breakTy) c.coerce(UNIT, frame.breakTy, e.span);
    else frame.breakTy = UNIT;
  }
  return NEVER;
}

export function checkReturnExpr(c: Checker, e: Extract<Expr, { kind: "return" }>, ctx: FnCtx): Type {
  if (e.value) c.coerce(c.expr(e.value, ctx, ctx.ret), ctx.ret, e.value.span, `the function returns \`${c.u.show(ctx.ret)}\``);
  else c.coerce(UNIT, ctx.ret, e.span, `the function returns \`${c.u.show(ctx.ret)}\`; write \`return value\``);
  return NEVER;
}

export function checkIntLit(c: Checker, e: Extract<Expr, { kind: "int" }>): Type {
  if (e.value > 9223372036854775807n) c.err("E0005", e.span, "integer literal does not fit in 64 bits", "the smallest int is -9223372036854775808");
  return INT;
}

/** Type an if/else pair: `then` checks the then-branch under an expected type. */
function branches(c: Checker, then: (exp: Type | undefined) => Type, else_: Expr | undefined, ctx: FnCtx, exp: Type | undefined): Type {
  if (!else_) {
    then(DISCARD);
    return UNIT;
  }
  if (exp === DISCARD) {
    const t1 = c.u.shallow(then(DISCARD)).k;
    const t2 = c.u.shallow(c.expr(else_, ctx, DISCARD)).k;
    return t1 === "never" && t2 === "never" ? NEVER : UNIT;
  }
  const t1 = then(exp);
  const t2 = c.expr(else_, ctx, exp ?? t1);
  if (!c.u.unify(t1, t2)) {
    c.err(
      "E0201",
      else_.span,
      `\`if\` and \`else\` have incompatible types: \`${c.u.show(t1)}\` and \`${c.u.show(t2)}\``,
      "both branches must produce the same type",
    );
    return ERROR;
  }
  return c.u.shallow(t1).k === "never" ? t2 : t1;
}

export function checkMatch(c: Checker, e: Extract<Expr, { kind: "match" }>, ctx: FnCtx, exp: Type | undefined): Type {
  const st = c.expr(e.scrutinee, ctx, undefined);
  let result: Type | undefined = exp === DISCARD ? undefined : exp;
  let allNever = true;
  for (const arm of e.arms) {
    const binds = new Map<string, Type>();
    checkPattern(c, arm.pat, st, binds);
    c.recordBinds(arm.pat, binds, arm.span);
    ctx.scopes.push(binds);
    if (arm.guard) c.coerce(c.expr(arm.guard, ctx, BOOL), BOOL, arm.guard.span, "guards must be `bool`");
    const bt = c.expr(arm.body, ctx, exp === DISCARD ? DISCARD : result);
    ctx.scopes.pop();
    if (c.u.shallow(bt).k !== "never") allNever = false;
    if (exp === DISCARD) continue;
    if (!result) result = bt;
    else if (!c.u.unify(bt, result)) {
      c.err(
        "E0201",
        arm.body.span,
        `match arms have incompatible types: expected \`${c.u.show(result)}\`, found \`${c.u.show(bt)}\``,
        "every arm must produce the same type",
      );
    }
  }
  const stR = c.u.shallow(st);
  if (stR.k === "var") c.err("E0282", e.scrutinee.span, "type annotations needed for the matched value", "annotate the binding");
  else if (stR.k !== "error") {
    const w = witness(
      c,
      e.arms.filter((a) => !a.guard).map((a) => a.pat),
      st,
    );
    if (w)
      c.err(
        "E0301",
        e.scrutinee.span,
        `non-exhaustive match: \`${w}\` not covered`,
        `add an arm for \`${w}\` or a wildcard \`_ => …\``,
        e.arms.some((a) => a.guard) ? ["arms with `if` guards do not count toward exhaustiveness"] : [],
      );
  }
  if (exp === DISCARD) return allNever && e.arms.length ? NEVER : UNIT;
  return result ?? NEVER;
}

export function checkStructLit(c: Checker, e: Extract<Expr, { kind: "struct_lit" }>, ctx: FnCtx): Type {
  const names = e.path.map((p) => p.name);
  let fields: { name: string; ty: Type }[] | undefined;
  let ty: Type = ERROR;
  if (names.length === 1 && c.decls.structs.has(names[0] as string)) {
    const name = names[0] as string;
    const info = c.decls.structs.get(name)!;
    fields = info.fields;
    ty = { k: "adt", name, args: [] };
    e.res = { enumName: name, variant: name, tag: 0, struct: true };
  } else if (names.length === 2) {
    const en = c.decls.enums.get(names[0] as string);
    const v = en?.variants.find((x) => x.name === names[1]);
    if (en && v?.fields) {
      fields = v.fields;
      ty = { k: "adt", name: en.name, args: [] };
      e.res = { enumName: en.name, variant: v.name, tag: v.tag };
    }
  }
  if (!fields) {
    const name = names.join("::");
    if (names.length === 1 && c.decls.opaque.has(name))
      c.err("E0616", e.span, `\`${name}\` is an opaque host type and cannot be constructed`, "obtain one from a host function");
    else c.err("E0202", e.span, `unknown struct \`${name}\``, "declare it with `struct Name { … }`");
    for (const f of e.fields) c.expr(f.value, ctx, undefined);
    return ERROR;
  }
  const seen = new Set<string>();
  for (const f of e.fields) {
    const decl = fields.find((x) => x.name === f.name.name);
    if (!decl) {
      c.err("E0203", f.name.span, `\`${names.join("::")}\` has no field \`${f.name.name}\``, `fields are: ${fields.map((x) => x.name).join(", ")}`);
      c.expr(f.value, ctx, undefined);
      continue;
    }
    if (seen.has(f.name.name)) c.err("E0210", f.name.span, `field \`${f.name.name}\` is given twice`, "remove the duplicate");
    seen.add(f.name.name);
    c.coerce(c.expr(f.value, ctx, decl.ty), decl.ty, f.value.span, `field \`${f.name.name}\` has type \`${c.u.show(decl.ty)}\``);
  }
  const missing = fields.filter((f) => !seen.has(f.name)).map((f) => f.name);
  if (missing.length)
    c.err(
      "E0209",
      e.span,
      `missing field${missing.length > 1 ? "s" : ""} ${missing.map((m) => `\`${m}\``).join(", ")} in \`${names.join("::")}\``,
      "every field must be given a value",
    );
  return ty;
}

export function checkField(c: Checker, e: Extract<Expr, { kind: "field" }>, ctx: FnCtx): Type {
  const rt = c.u.shallow(c.expr(e.recv, ctx, undefined));
  const name = e.name.name;
  if (rt.k === "adt") {
    const st = c.decls.structs.get(rt.name);
    const f = st?.fields.find((x) => x.name === name);
    if (f) return f.ty;
    if (c.decls.opaque.has(rt.name)) {
      c.err("E0616", e.name.span, `\`${rt.name}\` is an opaque host type; it has no fields`, "call its methods instead");
      return ERROR;
    }
    c.err("E0203", e.name.span, `\`${rt.name}\` has no field \`${name}\``, st ? `fields are: ${st.fields.map((x) => x.name).join(", ")}` : undefined);
    return ERROR;
  }
  if (rt.k === "units") {
    const fam = c.decls.units.get(rt.name);
    const u = fam?.units.find((x) => x.name === name);
    if (fam && u) {
      e.res = { kind: "unit_get", family: rt.name, factor: u.factor };
      return fam.backing === "int" ? INT : FLOAT;
    }
    c.err("E0262", e.name.span, `\`${rt.name}\` has no unit \`${name}\``, fam ? `units are: ${fam.units.map((x) => x.name).join(", ")}` : undefined);
    return ERROR;
  }
  if (rt.k === "error") return ERROR;
  if (rt.k === "var") {
    c.err("E0282", e.recv.span, "type annotations needed before accessing a field", "annotate the binding");
    return ERROR;
  }
  c.err("E0203", e.name.span, `\`${c.u.show(rt)}\` has no field \`${name}\``, "did you mean a method call `.name()`?");
  return ERROR;
}

/** `let pat: T = value [else { … }]`: bind into the innermost scope; true if the value diverges. */
export function checkLet(c: Checker, s: Extract<Stmt, { kind: "let" }>, ctx: FnCtx): boolean {
  let declared: Type | undefined;
  if (s.ty) declared = c.typeOf(s.ty, ctx.generics, ctx.selfTy);
  let vt: Type = ERROR;
  if (s.value) {
    vt = c.expr(s.value, ctx, declared);
    if (declared) {
      c.coerce(vt, declared, s.value.span);
      vt = declared;
    }
  }
  const binds = new Map<string, Type>();
  checkPattern(c, s.pat, vt, binds);
  if (s.else_) {
    const et = c.block(s.else_, ctx, undefined);
    if (c.u.shallow(et).k !== "never")
      c.err("E0303", s.else_.span, "the `else` block of `let … else` must diverge", "end it with `return`, `break` or `continue`");
  } else if (s.pat.kind !== "bind" && s.pat.kind !== "wild") {
    const w = witness(c, [s.pat], vt);
    if (w) c.err("E0304", s.pat.span, `refutable pattern in \`let\`: \`${w}\` not covered`, "use `let … else { … }` or `match`");
  }
  const scope = ctx.scopes[ctx.scopes.length - 1] as Map<string, Type>;
  for (const [n, t] of binds) scope.set(n, t);
  const blk = c.blockSpans[c.blockSpans.length - 1];
  if (blk) c.recordBinds(s.pat, binds, { file: blk.file, start: s.span.end, end: blk.end });
  return c.u.shallow(vt).k === "never";
}
