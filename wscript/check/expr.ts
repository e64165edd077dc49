/**
 * Expression and statement typing rules (the body of the checker).
 *
 * Bidirectional: `expr(e, exp)` infers a type using the expected type `exp`
 * where it helps (closure parameters, empty literals, `Some`/`Ok`, unit
 * suffixes, `dyn` coercion at typed boundaries) and annotates the node.
 * `DISCARD` as the expected type marks statement position, where `if`/`match`
 * arms need not agree. Operator rules follow concept_operators.md and the
 * unit-family table of concept_units.md.
 */
import type { Block, Expr, FnDecl, Ident, Stmt } from "../syntax/ast.ts";
import { Checker, type FnCtx } from "./checker.ts";
import { checkPattern, witness } from "./pattern.ts";
import { CHAR_METHODS, LIST_METHODS, MAP_METHODS, OPTION_METHODS, PRELUDE, RESULT_METHODS, STRING_METHODS, VALUE_METHODS, WEAK_METHODS, type BuiltinTable } from "./builtins.ts";
import { parse } from "../syntax/parser.ts";
import type { Span } from "../syntax/span.ts";
import {
  BOOL, CHAR, ERROR, FLOAT, INT, NEVER, STRING, UNIT, listOf, optionOf, substParams, type FnSig, type Type,
} from "./types.ts";
import { checkCall, checkMethod, checkPath } from "./call.ts";
import { checkBinary, checkAssign, checkUnary, unitLiteral } from "./ops.ts";

/** Expected-type marker for statement position. */
export const DISCARD: Type = { k: "unit" };

export class ExprChecker extends Checker {
  private builtinDecls = new Map<string, FnDecl>();

  override checkFnBlock(b: Block, ctx: FnCtx, ret: Type, decl: FnDecl): void {
    const t = this.block(b, ctx, ret);
    const rt = this.u.shallow(ret);
    if (!this.u.unify(t, ret)) {
      const at = b.tail?.span ?? b.span;
      if (rt.k === "unit") this.err("E0201", at, `\`${decl.name.name}\` has no return type, but its body ends in a value of type \`${this.u.show(t)}\``, "add `;` to discard it, bind it with `let _ = …`, or declare a return type");
      else this.err("E0201", at, `expected \`${this.u.show(ret)}\`, found \`${this.u.show(t)}\``, `\`${decl.name.name}\` returns \`${this.u.show(ret)}\``);
    }
  }

  lookup(ctx: FnCtx, name: string): Type | undefined {
    for (let i = ctx.scopes.length - 1; i >= 0; i--) {
      const t = ctx.scopes[i]?.get(name);
      if (t) return t;
    }
    return undefined;
  }

  /** Check that `actual` fits `expected`, allowing concrete → `dyn Trait` at this boundary. */
  coerce(actual: Type, expected: Type | undefined, span: Span, what?: string): void {
    if (!expected || expected === DISCARD) return;
    const e = this.u.shallow(expected);
    const a = this.u.shallow(actual);
    if (e.k === "dyn" && a.k !== "var") {
      if (a.k === "dyn" && a.trait === e.trait) return;
      if (a.k === "never" || a.k === "error") return;
      if (a.k === "adt" && this.decls.traitImpls.has(`${e.trait}:${a.name}`)) return;
      this.err("E0201", span, `\`${this.u.show(a)}\` does not implement \`${e.trait}\``, `add \`impl ${e.trait} for ${this.u.show(a)} { … }\``);
      return;
    }
    if (!this.u.unify(a, e)) this.err("E0201", span, `expected \`${this.u.show(e)}\`, found \`${this.u.show(a)}\``, what);
  }

  block(b: Block, ctx: FnCtx, exp: Type | undefined): Type {
    ctx.scopes.push(new Map());
    this.blockSpans.push(b.span);
    let diverges = false;
    for (const s of b.stmts) if (this.stmt(s, ctx)) diverges = true;
    let t: Type;
    if (b.tail) {
      t = this.expr(b.tail, ctx, exp);
      if (diverges) t = NEVER;
    } else t = diverges ? NEVER : UNIT;
    ctx.scopes.pop();
    this.blockSpans.pop();
    b.ty = t;
    return t;
  }

  /** Check a statement; returns true if it always diverges. */
  stmt(s: Stmt, ctx: FnCtx): boolean {
    if (s.kind === "item") return false;
    if (s.kind === "expr") {
      const t = this.expr(s.expr, ctx, DISCARD);
      return this.u.shallow(t).k === "never";
    }
    let declared: Type | undefined;
    if (s.ty) declared = this.typeOf(s.ty, ctx.generics, ctx.selfTy);
    let vt: Type = ERROR;
    if (s.value) {
      vt = this.expr(s.value, ctx, declared);
      if (declared) { this.coerce(vt, declared, s.value.span); vt = declared; }
    }
    const binds = new Map<string, Type>();
    checkPattern(this, s.pat, vt, binds);
    if (s.else_) {
      const et = this.block(s.else_, ctx, undefined);
      if (this.u.shallow(et).k !== "never") this.err("E0303", s.else_.span, "the `else` block of `let … else` must diverge", "end it with `return`, `break` or `continue`");
    } else if (s.pat.kind !== "bind" && s.pat.kind !== "wild") {
      const w = witness(this, [s.pat], vt);
      if (w) this.err("E0304", s.pat.span, `refutable pattern in \`let\`: \`${w}\` not covered`, "use `let … else { … }` or `match`");
    }
    const scope = ctx.scopes[ctx.scopes.length - 1] as Map<string, Type>;
    for (const [n, t] of binds) scope.set(n, t);
    const blk = this.blockSpans[this.blockSpans.length - 1];
    if (blk) this.recordBinds(s.pat, binds, { file: blk.file, start: s.span.end, end: blk.end });
    return this.u.shallow(vt).k === "never";
  }

  expr(e: Expr, ctx: FnCtx, exp: Type | undefined): Type {
    const t = this.exprInner(e, ctx, exp);
    e.ty = t;
    return t;
  }

  private exprInner(e: Expr, ctx: FnCtx, exp: Type | undefined): Type {
    switch (e.kind) {
      case "int": case "float": return e.suffix ? unitLiteral(this, e, exp) : e.kind === "int" ? this.intLit(e) : FLOAT;
      case "str":
        for (const p of e.parts) if (p.kind === "hole") this.expr(p.expr, ctx, undefined);
        return STRING;
      case "char": return CHAR;
      case "bool": return BOOL;
      case "unit": return UNIT;
      case "error": return ERROR;
      case "path": return checkPath(this, e, ctx, exp);
      case "list": {
        const ex = exp && exp !== DISCARD ? this.u.shallow(exp) : undefined;
        const elem = ex?.k === "list" ? ex.elem : this.u.fresh();
        for (const it of e.items) this.coerce(this.expr(it, ctx, elem), elem, it.span, "list elements must all have the same type");
        return listOf(elem);
      }
      case "map": {
        const ex = exp && exp !== DISCARD ? this.u.shallow(exp) : undefined;
        const key = ex?.k === "map" ? ex.key : this.u.fresh();
        const val = ex?.k === "map" ? ex.val : this.u.fresh();
        for (const [k, v] of e.entries) {
          this.coerce(this.expr(k, ctx, key), key, k.span, "map keys must all have the same type");
          this.coerce(this.expr(v, ctx, val), val, v.span, "map values must all have the same type");
        }
        const kt = this.u.shallow(key);
        if (e.entries.length && !["int", "bool", "char", "string", "error", "var", "param"].includes(kt.k)) this.err("E0202", e.span, `\`${this.u.show(kt)}\` cannot be a map key`, "map keys are int, bool, char or string");
        return { k: "map", key, val };
      }
      case "struct_lit": return this.structLit(e, ctx);
      case "unary": return checkUnary(this, e, ctx, exp);
      case "binary": return checkBinary(this, e, ctx);
      case "assign": return checkAssign(this, e, ctx);
      case "call": return checkCall(this, e, ctx, exp);
      case "method": return checkMethod(this, e, ctx, exp);
      case "field": return this.field(e, ctx);
      case "index": {
        const rt = this.u.shallow(this.expr(e.recv, ctx, undefined));
        if (rt.k === "list") { e.res = "list"; this.coerce(this.expr(e.index, ctx, INT), INT, e.index.span, "list indices are int"); return rt.elem; }
        if (rt.k === "map") { e.res = "map"; this.coerce(this.expr(e.index, ctx, rt.key), rt.key, e.index.span); return rt.val; }
        if (rt.k === "adt") {
          const m = this.decls.methods.get(rt.name)?.get("Index::index");
          if (m) { e.res = "user"; this.coerce(this.expr(e.index, ctx, m.sig.params[0]), m.sig.params[0], e.index.span); return m.sig.ret; }
        }
        if (rt.k === "error") return ERROR;
        this.expr(e.index, ctx, undefined);
        if (rt.k === "var") { this.err("E0282", e.recv.span, "type annotations needed before indexing", "annotate the binding, e.g. `let xs: List[int] = []`"); return ERROR; }
        this.err("E0503", e.span, `\`${this.u.show(rt)}\` cannot be indexed`, rt.k === "string" ? "use `.slice(i, i + 1)` or `.chars()`" : "implement `Index` for it");
        return ERROR;
      }
      case "try": {
        const ot = this.u.shallow(this.expr(e.operand, ctx, undefined));
        const rt = this.u.shallow(ctx.ret);
        if (ot.k === "adt" && ot.name === "Option") {
          e.isOption = true;
          if (!(rt.k === "adt" && rt.name === "Option") && rt.k !== "error") this.err("E0502", e.span, "`?` on an Option needs the function to return an Option", `the function returns \`${this.u.show(rt)}\`; use \`match\` or \`let … else\``);
          return ot.args[0] ?? ERROR;
        }
        if (ot.k === "adt" && ot.name === "Result") {
          if (rt.k === "adt" && rt.name === "Result") {
            if (!this.u.unify(rt.args[1] ?? ERROR, ot.args[1] ?? ERROR)) this.err("E0502", e.span, `\`?\` cannot convert the error \`${this.u.show(ot.args[1] ?? ERROR)}\` into \`${this.u.show(rt.args[1] ?? ERROR)}\``, "map the error with `.map_err(…)` first");
          } else if (rt.k !== "error") this.err("E0502", e.span, "`?` on a Result needs the function to return a Result", `the function returns \`${this.u.show(rt)}\`; use \`match\` or \`let … else\``);
          return ot.args[0] ?? ERROR;
        }
        if (ot.k !== "error") this.err("E0502", e.span, `\`?\` applies to Option or Result, not \`${this.u.show(ot)}\``, undefined);
        return ERROR;
      }
      case "closure": {
        const ex = exp && exp !== DISCARD ? this.u.shallow(exp) : undefined;
        const expFn = ex?.k === "fn" && ex.params.length === e.params.length ? ex : undefined;
        const scope = new Map<string, Type>();
        const params = e.params.map((p, i) => {
          let t = p.ty ? this.typeOf(p.ty, ctx.generics, ctx.selfTy) : expFn ? (expFn.params[i] as Type) : this.u.fresh();
          if (p.ty && expFn) { this.coerce(t, expFn.params[i], p.name.span); t = expFn.params[i] as Type; }
          scope.set(p.name.name, t);
          this.onBind?.({ name: p.name.name, ty: t, def: p.name.span, scope: e.body.span, kind: "param" });
          return t;
        });
        const ret = expFn ? expFn.ret : this.u.fresh();
        const inner: FnCtx = { ...ctx, ret, loops: [], scopes: [...ctx.scopes, scope] };
        const bt = this.expr(e.body, inner, ret);
        this.coerce(bt, ret, e.body.span, "the closure's result must match the expected function type");
        return { k: "fn", params, ret };
      }
      case "if": {
        this.coerce(this.expr(e.cond, ctx, BOOL), BOOL, e.cond.span, "conditions must be `bool`; there is no truthiness");
        return this.branches((x) => this.block(e.then, ctx, x), e.else_, ctx, exp);
      }
      case "if_let": {
        const vt = this.expr(e.value, ctx, undefined);
        const binds = new Map<string, Type>();
        checkPattern(this, e.pat, vt, binds);
        this.recordBinds(e.pat, binds, e.then.span);
        return this.branches((x) => {
          ctx.scopes.push(binds);
          const t = this.block(e.then, ctx, x);
          ctx.scopes.pop();
          return t;
        }, e.else_, ctx, exp);
      }
      case "match": return this.match(e, ctx, exp);
      case "while": {
        this.coerce(this.expr(e.cond, ctx, BOOL), BOOL, e.cond.span, "conditions must be `bool`; there is no truthiness");
        ctx.loops.push({ breakTy: undefined, isLoop: false });
        this.block(e.body, ctx, DISCARD);
        ctx.loops.pop();
        return UNIT;
      }
      case "loop": {
        const frame = { breakTy: undefined as Type | undefined, isLoop: true };
        ctx.loops.push(frame);
        this.block(e.body, ctx, DISCARD);
        ctx.loops.pop();
        return frame.breakTy ?? NEVER;
      }
      case "for": {
        let elem: Type = ERROR;
        if (e.rangeEnd) {
          e.iterKind = "range";
          const a = this.expr(e.iter, ctx, INT);
          this.coerce(a, INT, e.iter.span, "ranges are over int");
          this.coerce(this.expr(e.rangeEnd, ctx, INT), INT, e.rangeEnd.span, "ranges are over int");
          elem = INT;
        } else {
          const it = this.u.shallow(this.expr(e.iter, ctx, undefined));
          if (it.k === "list") { e.iterKind = "list"; elem = it.elem; }
          else if (it.k === "map") { e.iterKind = "map"; elem = it.key; }
          else if (it.k === "string") { e.iterKind = "string"; elem = CHAR; }
          else if (it.k !== "error") this.err("E0503", e.iter.span, `cannot iterate over \`${this.u.show(it)}\``, "`for` iterates ranges (a..b), lists, map keys and string chars");
        }
        const binds = new Map<string, Type>();
        checkPattern(this, e.pat, elem, binds);
        this.recordBinds(e.pat, binds, e.body.span);
        if (e.pat.kind !== "bind" && e.pat.kind !== "wild") {
          const w = witness(this, [e.pat], elem);
          if (w) this.err("E0304", e.pat.span, `refutable pattern in \`for\`: \`${w}\` not covered`, "bind a name and `match` inside the loop");
        }
        ctx.scopes.push(binds);
        ctx.loops.push({ breakTy: undefined, isLoop: false });
        this.block(e.body, ctx, DISCARD);
        ctx.loops.pop();
        ctx.scopes.pop();
        return UNIT;
      }
      case "break": {
        const frame = ctx.loops[ctx.loops.length - 1];
        if (!frame) { this.err("E0501", e.span, "`break` outside of a loop", undefined); if (e.value) this.expr(e.value, ctx, undefined); return NEVER; }
        if (e.value) {
          if (!frame.isLoop) this.err("E0501", e.span, "`break` with a value is only allowed inside `loop`", "`while` and `for` loops have type ()");
          const t = this.expr(e.value, ctx, frame.breakTy);
          if (frame.breakTy) this.coerce(t, frame.breakTy, e.value.span, "every `break` of a loop must carry the same type");
          else frame.breakTy = t;
        } else if (frame.isLoop) {
          if (frame.breakTy) this.coerce(UNIT, frame.breakTy, e.span);
          else frame.breakTy = UNIT;
        }
        return NEVER;
      }
      case "continue":
        if (!ctx.loops.length) this.err("E0501", e.span, "`continue` outside of a loop", undefined);
        return NEVER;
      case "return": {
        if (e.value) this.coerce(this.expr(e.value, ctx, ctx.ret), ctx.ret, e.value.span, `the function returns \`${this.u.show(ctx.ret)}\``);
        else this.coerce(UNIT, ctx.ret, e.span, `the function returns \`${this.u.show(ctx.ret)}\`; write \`return value\``);
        return NEVER;
      }
      case "block": return this.block(e, ctx, exp);
    }
  }

  private intLit(e: Extract<Expr, { kind: "int" }>): Type {
    if (e.value > 9223372036854775807n) this.err("E0005", e.span, "integer literal does not fit in 64 bits", "the smallest int is -9223372036854775808");
    return INT;
  }

  /** Type an if/else pair: `then` checks the then-branch under an expected type. */
  private branches(then: (exp: Type | undefined) => Type, else_: Expr | undefined, ctx: FnCtx, exp: Type | undefined): Type {
    if (!else_) { then(DISCARD); return UNIT; }
    if (exp === DISCARD) {
      const t1 = this.u.shallow(then(DISCARD)).k;
      const t2 = this.u.shallow(this.expr(else_, ctx, DISCARD)).k;
      return t1 === "never" && t2 === "never" ? NEVER : UNIT;
    }
    const t1 = then(exp);
    const t2 = this.expr(else_, ctx, exp ?? t1);
    if (!this.u.unify(t1, t2)) {
      this.err("E0201", else_.span, `\`if\` and \`else\` have incompatible types: \`${this.u.show(t1)}\` and \`${this.u.show(t2)}\``, "both branches must produce the same type");
      return ERROR;
    }
    return this.u.shallow(t1).k === "never" ? t2 : t1;
  }

  private match(e: Extract<Expr, { kind: "match" }>, ctx: FnCtx, exp: Type | undefined): Type {
    const st = this.expr(e.scrutinee, ctx, undefined);
    let result: Type | undefined = exp === DISCARD ? undefined : exp;
    let allNever = true;
    for (const arm of e.arms) {
      const binds = new Map<string, Type>();
      checkPattern(this, arm.pat, st, binds);
      this.recordBinds(arm.pat, binds, arm.span);
      ctx.scopes.push(binds);
      if (arm.guard) this.coerce(this.expr(arm.guard, ctx, BOOL), BOOL, arm.guard.span, "guards must be `bool`");
      const bt = this.expr(arm.body, ctx, exp === DISCARD ? DISCARD : result);
      ctx.scopes.pop();
      if (this.u.shallow(bt).k !== "never") allNever = false;
      if (exp === DISCARD) continue;
      if (!result) result = bt;
      else if (!this.u.unify(bt, result)) {
        this.err("E0201", arm.body.span, `match arms have incompatible types: expected \`${this.u.show(result)}\`, found \`${this.u.show(bt)}\``, "every arm must produce the same type");
      }
    }
    const stR = this.u.shallow(st);
    if (stR.k === "var") this.err("E0282", e.scrutinee.span, "type annotations needed for the matched value", "annotate the binding");
    else if (stR.k !== "error") {
      const w = witness(this, e.arms.filter((a) => !a.guard).map((a) => a.pat), st);
      if (w) this.err("E0301", e.scrutinee.span, `non-exhaustive match: \`${w}\` not covered`, `add an arm for \`${w}\` or a wildcard \`_ => …\``, e.arms.some((a) => a.guard) ? ["arms with `if` guards do not count toward exhaustiveness"] : []);
    }
    if (exp === DISCARD) return allNever && e.arms.length ? NEVER : UNIT;
    return result ?? NEVER;
  }

  private structLit(e: Extract<Expr, { kind: "struct_lit" }>, ctx: FnCtx): Type {
    const names = e.path.map((p) => p.name);
    let fields: { name: string; ty: Type }[] | undefined;
    let ty: Type = ERROR;
    if (names.length === 1 && this.decls.structs.has(names[0] as string)) {
      const name = names[0] as string;
      const info = this.decls.structs.get(name)!;
      fields = info.fields;
      ty = { k: "adt", name, args: [] };
      e.res = { enumName: name, variant: name, tag: 0, struct: true };
    } else if (names.length === 2) {
      const en = this.decls.enums.get(names[0] as string);
      const v = en?.variants.find((x) => x.name === names[1]);
      if (en && v?.fields) {
        fields = v.fields;
        ty = { k: "adt", name: en.name, args: [] };
        e.res = { enumName: en.name, variant: v.name, tag: v.tag };
      }
    }
    if (!fields) {
      const name = names.join("::");
      if (names.length === 1 && this.decls.opaque.has(name)) this.err("E0616", e.span, `\`${name}\` is an opaque host type and cannot be constructed`, "obtain one from a host function");
      else this.err("E0202", e.span, `unknown struct \`${name}\``, "declare it with `struct Name { … }`");
      for (const f of e.fields) this.expr(f.value, ctx, undefined);
      return ERROR;
    }
    const seen = new Set<string>();
    for (const f of e.fields) {
      const decl = fields.find((x) => x.name === f.name.name);
      if (!decl) { this.err("E0203", f.name.span, `\`${names.join("::")}\` has no field \`${f.name.name}\``, `fields are: ${fields.map((x) => x.name).join(", ")}`); this.expr(f.value, ctx, undefined); continue; }
      if (seen.has(f.name.name)) this.err("E0210", f.name.span, `field \`${f.name.name}\` is given twice`, "remove the duplicate");
      seen.add(f.name.name);
      this.coerce(this.expr(f.value, ctx, decl.ty), decl.ty, f.value.span, `field \`${f.name.name}\` has type \`${this.u.show(decl.ty)}\``);
    }
    const missing = fields.filter((f) => !seen.has(f.name)).map((f) => f.name);
    if (missing.length) this.err("E0209", e.span, `missing field${missing.length > 1 ? "s" : ""} ${missing.map((m) => `\`${m}\``).join(", ")} in \`${names.join("::")}\``, "every field must be given a value");
    return ty;
  }

  private field(e: Extract<Expr, { kind: "field" }>, ctx: FnCtx): Type {
    const rt = this.u.shallow(this.expr(e.recv, ctx, undefined));
    const name = e.name.name;
    if (rt.k === "adt") {
      const st = this.decls.structs.get(rt.name);
      const f = st?.fields.find((x) => x.name === name);
      if (f) return f.ty;
      if (this.decls.opaque.has(rt.name)) { this.err("E0616", e.name.span, `\`${rt.name}\` is an opaque host type; it has no fields`, "call its methods instead"); return ERROR; }
      this.err("E0203", e.name.span, `\`${rt.name}\` has no field \`${name}\``, st ? `fields are: ${st.fields.map((x) => x.name).join(", ")}` : undefined);
      return ERROR;
    }
    if (rt.k === "units") {
      const fam = this.decls.units.get(rt.name);
      const u = fam?.units.find((x) => x.name === name);
      if (fam && u) { e.res = { kind: "unit_get", family: rt.name, factor: u.factor }; return fam.backing === "int" ? INT : FLOAT; }
      this.err("E0262", e.name.span, `\`${rt.name}\` has no unit \`${name}\``, fam ? `units are: ${fam.units.map((x) => x.name).join(", ")}` : undefined);
      return ERROR;
    }
    if (rt.k === "error") return ERROR;
    if (rt.k === "var") { this.err("E0282", e.recv.span, "type annotations needed before accessing a field", "annotate the binding"); return ERROR; }
    this.err("E0203", e.name.span, `\`${this.u.show(rt)}\` has no field \`${name}\``, "did you mean a method call `.name()`?");
    return ERROR;
  }

  /** The parsed declaration of a built-in method. */
  builtinDecl(table: BuiltinTable, key: string, name: string): FnDecl | undefined {
    const k = `${key}.${name}`;
    const hit = this.builtinDecls.get(k);
    if (hit) return hit;
    const entry = table[name];
    if (!entry) return undefined;
    const item = parse("<builtin>", entry.sig, { interfaceMode: true }).program.items[0];
    if (item?.kind !== "fn") return undefined;
    this.builtinDecls.set(k, item);
    return item;
  }

  /** Instantiate a built-in method signature for a receiver. */
  builtinSig(table: BuiltinTable, key: string, name: string, recvParams: Map<string, Type>): FnSig | undefined {
    const d = this.builtinDecl(table, key, name);
    if (!d) return undefined;
    const g = new Map(recvParams);
    for (const gp of d.generics) g.set(gp.name.name, this.u.fresh());
    return { generics: [], params: d.params.map((p) => (p.ty ? this.typeOf(p.ty, g, undefined) : ERROR)), paramNames: d.params.map((p) => p.name.name), ret: d.ret ? this.typeOf(d.ret, g, undefined) : UNIT };
  }

  /** Instantiate a (possibly generic) signature with fresh variables, deferring bound checks. */
  instantiate(sig: FnSig, span: Span): FnSig {
    if (!sig.generics.length) return sig;
    const m = new Map<string, Type>();
    for (const g of sig.generics) {
      const v = this.u.fresh();
      m.set(g.name, v);
      for (const b of g.bounds) this.pendingBounds.push([v, b, span]);
    }
    return { generics: [], params: sig.params.map((p) => substParams(p, m)), paramNames: sig.paramNames, ret: substParams(sig.ret, m) };
  }

  /** Check arguments against parameter types. */
  args(args: Expr[], params: Type[], ctx: FnCtx, span: Span, what: string): void {
    if (args.length !== params.length) this.err("E0205", span, `${what} takes ${params.length} argument${params.length === 1 ? "" : "s"} but ${args.length} ${args.length === 1 ? "was" : "were"} given`, undefined);
    args.forEach((a, i) => {
      const p = params[i];
      this.coerce(this.expr(a, ctx, p), p, a.span, p ? `argument ${i + 1} of ${what} has type \`${this.u.show(p)}\`` : undefined);
    });
  }

  /** Report deferred generic bound failures. */
  finishBounds(): void {
    for (const [t, b, span] of this.pendingBounds) {
      if (!this.implements(t, b)) this.err("E0504", span, `\`${this.u.show(t)}\` does not implement \`${b}\``, `the called function requires \`${b}\`; derive or implement it`);
    }
    this.pendingBounds = [];
  }

  /** Built-in method tables by receiver kind. */
  tableFor(t: Type): [BuiltinTable, string, Map<string, Type>] | undefined {
    switch (t.k) {
      case "list": return [LIST_METHODS, "list", new Map([["T", t.elem]])];
      case "map": return [MAP_METHODS, "map", new Map([["K", t.key], ["V", t.val]])];
      case "string": return [STRING_METHODS, "string", new Map()];
      case "char": return [CHAR_METHODS, "char", new Map()];
      case "weak": return [WEAK_METHODS, "weak", new Map([["T", t.inner]])];
      case "adt":
        if (t.name === "Option") return [OPTION_METHODS, "option", new Map([["T", t.args[0] ?? ERROR]])];
        if (t.name === "Result") return [RESULT_METHODS, "result", new Map([["T", t.args[0] ?? ERROR], ["E", t.args[1] ?? ERROR]])];
        if (t.name === "Value") return [VALUE_METHODS, "value", new Map()];
        return undefined;
      default: return undefined;
    }
  }

  isPrelude(name: string, ctx: FnCtx): boolean {
    return PRELUDE.has(name) && !this.lookup(ctx, name) && !this.decls.fns.get(ctx.file.module)?.has(name) && !ctx.file.items.has(name);
  }

  identSpan(i: Ident): Span { return i.span; }
}

export { optionOf };
