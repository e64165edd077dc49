/**
 * The static type checker (concept_type_system.md): one `Checker` holding the
 * state of a compile (declarations, unifier, diagnostics, pending checks) and
 * the queries every rule needs (type resolution, trait bounds, coercion,
 * built-in method tables), plus the dispatch over statements and expressions.
 *
 * The typing rules themselves are functions over a `Checker`, one per
 * construct, grouped by concern: declare.ts (declaration passes), expr.ts
 * (literals, control flow, let, fields), call.ts (paths, calls, methods),
 * ops.ts (operators and unit literals), pattern.ts (patterns and
 * exhaustiveness). Rules import `Checker` as a type only; this file is the
 * only one that imports the rules, so the folder has no import cycle.
 *
 * Bidirectional checking with local inference: annotations are required on
 * signatures only; locals, closure parameters and empty literals are inferred
 * through a per-function `Unifier`. The checker annotates the tree in place
 * (`ty`, `res`, `opKind`) for the code generator. Errors are `Diagnostic`
 * data; an `error` type stops cascades.
 */
import type { Block, Expr, FnDecl, Ident, Pattern, Stmt, TypeExpr } from "../syntax/ast.ts";
import { diag, type Diagnostic } from "../syntax/diagnostic.ts";
import { parse } from "../syntax/parser.ts";
import type { Span } from "../syntax/span.ts";
import {
  CHAR_METHODS,
  LIST_METHODS,
  MAP_METHODS,
  OPTION_METHODS,
  PRELUDE,
  RESULT_METHODS,
  STRING_METHODS,
  VALUE_METHODS,
  WEAK_METHODS,
  type BuiltinTable,
} from "./builtins.ts";
import { checkCall, checkMethod, checkPath } from "./call.ts";
import { emptyDecls, type Decls, type EnumInfo } from "./decls.ts";
import { declareItems } from "./declare.ts";
import {
  checkBreakExpr,
  checkClosure,
  checkField,
  checkForLoop,
  checkIfExpr,
  checkIfLet,
  checkIndex,
  checkIntLit,
  checkLet,
  checkListLit,
  checkLoop,
  checkMapLit,
  checkMatch,
  checkReturnExpr,
  checkStructLit,
  checkTryOp,
  checkWhileLoop,
} from "./expr.ts";
import { checkAssign, checkBinary, checkUnary, unitLiteral } from "./ops.ts";
import { DISCARD, patternIdents, type BindingRecord, type CheckInput, type FileScope, type FnCtx } from "./scope.ts";
import { BOOL, CHAR, ERROR, FLOAT, INT, NEVER, STRING, UNIT, Unifier, substParams, type FnSig, type Type } from "./types.ts";

export { DISCARD, patternIdents, type BindingRecord, type CheckInput, type FileScope, type FnCtx } from "./scope.ts";
export { BUILTIN_TRAITS } from "./declare.ts";

export class Checker {
  private builtinDecls = new Map<string, FnDecl>();
  /** Does the program take weak references? Then its code tracks strong roots (gen/, concept_memory.md). */
  usesWeak = false;
  diagnostics: Diagnostic[] = [];
  decls: Decls = emptyDecls();
  u = new Unifier();
  files = new Map<string, FileScope>();
  /** Deferred bound checks at generic call sites: [type, bound, span]. */
  pendingBounds: [Type, string, Span, string?][] = [];
  /** Deferred "type annotations needed" checks for empty literals. */
  pendingVars: [Type, Span][] = [];

  /** Observer of every local binding (set by analysis; undefined when only compiling). */
  onBind: ((b: BindingRecord) => void) | undefined;
  /** Spans of the blocks being checked, innermost last: the scope of a `let`. */
  blockSpans: Span[] = [];

  /** Report the bindings of `pat` (typed in `binds`) to the observer, visible in `scope`. */
  recordBinds(pat: Pattern, binds: ReadonlyMap<string, Type>, scope: Span): void {
    if (!this.onBind) return;
    for (const id of patternIdents(pat)) {
      const ty = binds.get(id.name);
      if (ty) this.onBind({ name: id.name, ty, def: id.span, scope, kind: "let" });
    }
  }

  err(code: string, span: Span, msg: string, help?: string, notes: string[] = []): void {
    this.diagnostics.push(diag(code, span, msg, help, notes));
  }

  declare(inputs: CheckInput[]): void {
    declareItems(this, inputs);
  }

  /** A function signature from its declaration. */
  sigOf(f: FnDecl, selfTy: Type | undefined): FnSig {
    const generics = new Map<string, Type>();
    for (const g of f.generics) {
      for (const b of g.bounds)
        if (!["Eq", "Ord", "Clone"].includes(b.name)) this.err("E0504", b.span, `unsupported bound \`${b.name}\``, "generic bounds are Eq, Ord and Clone");
      generics.set(g.name.name, { k: "param", name: g.name.name, bounds: g.bounds.map((b) => b.name) });
    }
    const params = f.params.map((p) => (p.ty ? this.typeOf(p.ty, generics, selfTy) : ERROR));
    const ret = f.ret ? this.typeOf(f.ret, generics, selfTy) : UNIT;
    for (const g of f.generics) {
      const used = (t: Type): boolean =>
        t.k === "param"
          ? t.name === g.name.name
          : t.k === "list"
            ? used(t.elem)
            : t.k === "map"
              ? used(t.key) || used(t.val)
              : t.k === "weak"
                ? used(t.inner)
                : t.k === "fn"
                  ? t.params.some(used) || used(t.ret)
                  : t.k === "adt"
                    ? t.args.some(used)
                    : false;
      if (!params.some(used) && !used(ret))
        this.err(
          "E0504",
          g.name.span,
          `type parameter \`${g.name.name}\` does not appear in the signature`,
          "every type parameter must appear in a parameter or the return type",
        );
    }
    return {
      generics: f.generics.map((g) => ({ name: g.name.name, bounds: g.bounds.map((b) => b.name) })),
      params,
      paramNames: f.params.map((p) => p.name.name),
      ret,
    };
  }

  /** Resolve a written type. */
  typeOf(te: TypeExpr, generics: ReadonlyMap<string, Type>, selfTy: Type | undefined): Type {
    switch (te.kind) {
      case "unit":
        return UNIT;
      case "fn":
        return { k: "fn", params: te.params.map((p) => this.typeOf(p, generics, selfTy)), ret: te.ret ? this.typeOf(te.ret, generics, selfTy) : UNIT };
      case "dyn":
        if (!this.decls.traits.has(te.trait.name)) {
          this.err("E0405", te.trait.span, `unknown trait \`${te.trait.name}\``, "declare it with `trait Name { … }`");
          return ERROR;
        }
        return { k: "dyn", trait: te.trait.name };
      case "named": {
        const name = te.path.map((p) => p.name).join("::");
        const args = te.args.map((a) => this.typeOf(a, generics, selfTy));
        const arity = (n: number): boolean => {
          if (args.length === n) return true;
          this.err("E0202", te.span, `\`${name}\` takes ${n} type argument${n === 1 ? "" : "s"}, found ${args.length}`, n ? `write \`${name}[…]\`` : undefined);
          return false;
        };
        const simple: Record<string, Type> = { int: INT, float: FLOAT, bool: BOOL, char: CHAR, string: STRING, unit: UNIT };
        const s = simple[name];
        if (s) return arity(0) ? s : ERROR;
        const g = generics.get(name);
        if (g) return arity(0) ? g : ERROR;
        switch (name) {
          case "List":
            return arity(1) ? { k: "list", elem: args[0] as Type } : ERROR;
          case "Map": {
            if (!arity(2)) return ERROR;
            const key = this.u.shallow(args[0] as Type);
            if (!["int", "bool", "char", "string", "error", "param"].includes(key.k))
              this.err("E0202", te.span, `\`${this.u.show(key)}\` cannot be a map key`, "map keys are int, bool, char or string");
            return { k: "map", key: args[0] as Type, val: args[1] as Type };
          }
          case "Option":
            return arity(1) ? { k: "adt", name, args } : ERROR;
          case "Result":
            return arity(2) ? { k: "adt", name, args } : ERROR;
          case "weak":
            this.usesWeak = true;
            return arity(1) ? { k: "weak", inner: args[0] as Type } : ERROR;
          case "Self":
            if (selfTy) return selfTy;
            this.err("E0202", te.span, "`Self` is only valid inside an impl or trait", undefined);
            return ERROR;
        }
        if (this.decls.structs.has(name) || this.decls.enums.has(name) || this.decls.opaque.has(name)) return arity(0) ? { k: "adt", name, args: [] } : ERROR;
        const un = this.decls.units.get(name);
        if (un) return arity(0) ? { k: "units", name, backing: un.backing } : ERROR;
        if (this.decls.traits.has(name)) {
          this.err("E0202", te.span, `\`${name}\` is a trait, not a type`, `write \`dyn ${name}\` for a value of any type implementing it`);
          return ERROR;
        }
        this.err("E0202", te.span, `unknown type \`${name}\``, "declare it, or check the spelling");
        return ERROR;
      }
    }
  }

  // ---------- trait & bound queries ----------

  /** Does `t` implement `trait` (built-in or user)? Unresolved variables are given the benefit of the doubt. */
  implements(t: Type, trait: string): boolean {
    t = this.u.shallow(t);
    switch (t.k) {
      case "var":
      case "error":
      case "never":
        return true;
      case "int":
      case "float":
      case "bool":
      case "char":
      case "string":
      case "unit":
      case "units":
        return ["Eq", "Ord", "Clone", "Display"].includes(trait) && !(t.k === "bool" && false);
      case "param":
        return t.bounds.includes(trait) || (trait === "Eq" && t.bounds.includes("Ord"));
      case "list":
        return trait === "Clone" || ((trait === "Eq" || trait === "Ord" || trait === "Display") && this.implements(t.elem, trait));
      case "weak":
        return trait === "Clone" || trait === "Display";
      case "map":
        return trait === "Clone" || ((trait === "Eq" || trait === "Display") && this.implements(t.key, trait) && this.implements(t.val, trait));
      case "adt":
        if (t.name === "Option" || t.name === "Result") return t.args.every((a) => this.implements(a, trait));
        return this.decls.traitImpls.has(`${trait}:${t.name}`);
      case "dyn":
        return t.trait === trait;
      case "fn":
        return false;
    }
  }

  /** Check the bodies of every function and method. */
  checkBodies(): void {
    for (const fns of this.decls.fns.values()) {
      for (const f of fns.values()) this.checkFnBody(f.decl, f.sig, undefined, this.files.get(f.module));
    }
    for (const methods of this.decls.methods.values()) {
      for (const m of methods.values()) {
        if (!m.decl) continue;
        const selfTy = this.decls.units.has(m.typeName)
          ? { k: "units" as const, name: m.typeName, backing: (this.decls.units.get(m.typeName) as { backing: "int" | "float" }).backing }
          : { k: "adt" as const, name: m.typeName, args: [] };
        this.checkFnBody(m.decl, m.sig, m.hasSelf ? selfTy : undefined, this.files.get(this.moduleOfSpan(m.decl.span)), selfTy);
      }
    }
  }

  moduleOfSpan(span: Span): string {
    for (const [mod, fs] of this.files) if (fs && this.fileNames.get(mod) === span.file) return mod;
    return "";
  }
  fileNames = new Map<string, string>();

  checkFnBody(decl: FnDecl, sig: FnSig, self: Type | undefined, file: FileScope | undefined, selfTy?: Type): void {
    if (!decl.body) return;
    const generics = new Map<string, Type>();
    for (const g of sig.generics) generics.set(g.name, { k: "param", name: g.name, bounds: g.bounds });
    const scope = new Map<string, Type>();
    if (self) scope.set("self", self);
    decl.params.forEach((p, i) => {
      scope.set(p.name.name, sig.params[i] ?? ERROR);
      this.onBind?.({ name: p.name.name, ty: sig.params[i] ?? ERROR, def: p.name.span, scope: decl.body?.span ?? decl.span, kind: "param" });
    });
    const ctx: FnCtx = {
      ret: sig.ret,
      loops: [],
      generics,
      selfTy: selfTy ?? self,
      scopes: [scope],
      file: file ?? { module: "", modules: new Map(), items: new Map() },
    };
    this.fnBlock(decl.body, ctx, sig.ret, decl);
  }

  enumOf(name: string): EnumInfo | undefined {
    return this.decls.enums.get(name);
  }

  /** A function body: its block must produce the declared return type. */
  private fnBlock(b: Block, ctx: FnCtx, ret: Type, decl: FnDecl): void {
    const t = this.block(b, ctx, ret);
    const rt = this.u.shallow(ret);
    if (!this.u.unify(t, ret)) {
      const at = b.tail?.span ?? b.span;
      if (rt.k === "unit")
        this.err(
          "E0201",
          at,
          `\`${decl.name.name}\` has no return type, but its body ends in a value of type \`${this.u.show(t)}\``,
          "add `;` to discard it, bind it with `let _ = …`, or declare a return type",
        );
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
    if (this.u.unify(a, e)) return;
    if (a.k === "units" && e.k === "units")
      this.err(
        "E0201",
        span,
        `mismatched unit families: expected \`${e.name}\`, found \`${a.name}\``,
        what ?? `a \`${a.name}\` value cannot stand for a \`${e.name}\`; use a unit of \`${e.name}\``,
      );
    else this.err("E0201", span, `expected \`${this.u.show(e)}\`, found \`${this.u.show(a)}\``, what);
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
    } else t = diverges ? NEVER : b.recovered ? ERROR : UNIT;
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
    return checkLet(this, s, ctx);
  }

  expr(e: Expr, ctx: FnCtx, exp: Type | undefined): Type {
    const t = this.exprInner(e, ctx, exp);
    e.ty = t;
    return t;
  }

  /** One expression construct: the per-construct rules live in expr.ts, call.ts and ops.ts. */
  private exprInner(e: Expr, ctx: FnCtx, exp: Type | undefined): Type {
    switch (e.kind) {
      case "int":
      case "float":
        return e.suffix ? unitLiteral(this, e, exp) : e.kind === "int" ? checkIntLit(this, e) : FLOAT;
      case "str":
        for (const p of e.parts) if (p.kind === "hole") this.expr(p.expr, ctx, undefined);
        return STRING;
      case "char":
        return CHAR;
      case "bool":
        return BOOL;
      case "unit":
        return UNIT;
      case "error":
        return ERROR;
      case "path":
        return checkPath(this, e, ctx, exp);
      case "list":
        return checkListLit(this, e, ctx, exp);
      case "map":
        return checkMapLit(this, e, ctx, exp);
      case "struct_lit":
        return checkStructLit(this, e, ctx);
      case "unary":
        return checkUnary(this, e, ctx, exp);
      case "binary":
        return checkBinary(this, e, ctx);
      case "assign":
        return checkAssign(this, e, ctx);
      case "call":
        return checkCall(this, e, ctx, exp);
      case "method":
        return checkMethod(this, e, ctx, exp);
      case "field":
        return checkField(this, e, ctx);
      case "index":
        return checkIndex(this, e, ctx);
      case "try":
        return checkTryOp(this, e, ctx);
      case "closure":
        return checkClosure(this, e, ctx, exp);
      case "if":
        return checkIfExpr(this, e, ctx, exp);
      case "if_let":
        return checkIfLet(this, e, ctx, exp);
      case "match":
        return checkMatch(this, e, ctx, exp);
      case "while":
        return checkWhileLoop(this, e, ctx);
      case "loop":
        return checkLoop(this, e, ctx);
      case "for":
        return checkForLoop(this, e, ctx);
      case "break":
        return checkBreakExpr(this, e, ctx);
      case "continue":
        if (!ctx.loops.length) this.err("E0501", e.span, "`continue` outside of a loop", undefined);
        return NEVER;
      case "return":
        return checkReturnExpr(this, e, ctx);
      case "block":
        return this.block(e, ctx, exp);
    }
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
    return {
      generics: [],
      params: d.params.map((p) => (p.ty ? this.typeOf(p.ty, g, undefined) : ERROR)),
      paramNames: d.params.map((p) => p.name.name),
      ret: d.ret ? this.typeOf(d.ret, g, undefined) : UNIT,
    };
  }

  /** Instantiate a (possibly generic) signature with fresh variables, deferring bound checks. */
  instantiate(sig: FnSig, span: Span): FnSig {
    if (!sig.generics.length) return sig;
    const m = new Map<string, Type>();
    for (const g of sig.generics) {
      const v = this.u.fresh();
      m.set(g.name, v);
      for (const b of g.bounds) this.pendingBounds.push([v, b, span, g.name]);
    }
    return { generics: [], params: sig.params.map((p) => substParams(p, m)), paramNames: sig.paramNames, ret: substParams(sig.ret, m) };
  }

  /** Check arguments against parameter types. */
  args(args: Expr[], params: Type[], ctx: FnCtx, span: Span, what: string): void {
    if (args.length !== params.length)
      this.err(
        "E0205",
        span,
        `${what} takes ${params.length} argument${params.length === 1 ? "" : "s"} but ${args.length} ${args.length === 1 ? "was" : "were"} given`,
        undefined,
      );
    args.forEach((a, i) => {
      const p = params[i];
      this.coerce(this.expr(a, ctx, p), p, a.span, p ? `argument ${i + 1} of ${what} has type \`${this.u.show(p)}\`` : undefined);
    });
  }

  /** Report deferred generic bound failures. */
  finishBounds(): void {
    for (const [t, b, span, param] of this.pendingBounds) {
      if (this.implements(t, b)) continue;
      const shown = this.u.show(t);
      const fix =
        this.u.shallow(t).k === "adt"
          ? `add #[derive(${b})] to \`${shown}\` or implement \`${b}\` for it`
          : `\`${shown}\` cannot be given \`${b}\`; pass a type that has it`;
      this.err("E0504", span, `\`${shown}\` does not satisfy the bound \`${param ?? "T"}: ${b}\``, fix);
    }
    this.pendingBounds = [];
  }

  /** Built-in method tables by receiver kind. */
  tableFor(t: Type): [BuiltinTable, string, Map<string, Type>] | undefined {
    switch (t.k) {
      case "list":
        return [LIST_METHODS, "list", new Map([["T", t.elem]])];
      case "map":
        return [
          MAP_METHODS,
          "map",
          new Map([
            ["K", t.key],
            ["V", t.val],
          ]),
        ];
      case "string":
        return [STRING_METHODS, "string", new Map()];
      case "char":
        return [CHAR_METHODS, "char", new Map()];
      case "weak":
        this.usesWeak = true;
        return [WEAK_METHODS, "weak", new Map([["T", t.inner]])];
      case "adt":
        if (t.name === "Option") return [OPTION_METHODS, "option", new Map([["T", t.args[0] ?? ERROR]])];
        if (t.name === "Result")
          return [
            RESULT_METHODS,
            "result",
            new Map([
              ["T", t.args[0] ?? ERROR],
              ["E", t.args[1] ?? ERROR],
            ]),
          ];
        if (t.name === "Value") return [VALUE_METHODS, "value", new Map()];
        return undefined;
      default:
        return undefined;
    }
  }

  isPrelude(name: string, ctx: FnCtx): boolean {
    return PRELUDE.has(name) && !this.lookup(ctx, name) && !this.decls.fns.get(ctx.file.module)?.has(name) && !ctx.file.items.has(name);
  }

  identSpan(i: Ident): Span {
    return i.span;
  }
}
