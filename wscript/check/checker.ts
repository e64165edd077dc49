/**
 * The static type checker: declarations, signatures and item bodies.
 *
 * Bidirectional checking with local inference (concept_type_system.md):
 * annotations are required on signatures only; locals, closure parameters
 * and empty literals are inferred through a per-function `Unifier`. The
 * checker annotates the tree in place (`ty`, `res`, `opKind`) for the code
 * generator. Expression rules live in check_expr.ts, patterns in
 * check_pattern.ts. Errors are `Diagnostic` data; an `error` type stops
 * cascades.
 */
import type { Block, Expr, FnDecl, Ident, Item, Pattern, Program, TypeExpr } from "../syntax/ast.ts";
import { diag, type Diagnostic } from "../syntax/diagnostic.ts";
import { parse } from "../syntax/parser.ts";
import type { Span } from "../syntax/span.ts";
import {
  BOOL, CHAR, ERROR, FLOAT, INT, STRING, UNIT, Unifier, VALUE, type FnSig, type Type,
} from "./types.ts";
import { emptyDecls, jsIdent, type Decls, type EnumInfo, type FnInfo, type MethodInfo } from "./decls.ts";
import { BUILTIN_ENUMS } from "./builtins.ts";

/** Traits the compiler knows: operator traits and derivable ones (fact_operator_traits.md). */
export const BUILTIN_TRAITS: Record<string, string> = {
  Add: "fn add(self, other: Self) -> Self", Sub: "fn sub(self, other: Self) -> Self", Mul: "fn mul(self, other: Self) -> Self",
  Div: "fn div(self, other: Self) -> Self", Rem: "fn rem(self, other: Self) -> Self", Neg: "fn neg(self) -> Self",
  Eq: "fn eq(self, other: Self) -> bool", Ord: "fn cmp(self, other: Self) -> int", Display: "fn fmt(self) -> string",
  Clone: "fn clone(self) -> Self", Index: "fn index(self, i: int) -> int",
};
const DERIVABLE = new Set(["Eq", "Ord", "Display", "Clone"]);
const OPERATOR_TRAITS = new Set(["Add", "Sub", "Mul", "Div", "Rem", "Neg", "Eq", "Ord", "Index", "Clone"]);

/** One file to check: its module name ("" for the entry file) and parsed program. */
export type CheckInput = { module: string; program: Program };

/** What a file's `use` items bring into scope. */
export type FileScope = {
  module: string;
  /** alias → module name for `use m` (host or script). */
  modules: Map<string, { kind: "host" | "script"; name: string }>;
  /** bare name → module item for `use m::item`. */
  items: Map<string, { kind: "host" | "script"; module: string; name: string }>;
};

/**
 * One local binding as the checker saw it: `def` is the binding's name, `scope`
 * the range of source in which it is visible (for editors and the REPL).
 */
export type BindingRecord = { name: string; ty: Type; def: Span; scope: Span; kind: "let" | "param" };

/** Per-function checking context. */
export type FnCtx = {
  ret: Type;
  loops: { breakTy: Type | undefined; isLoop: boolean }[];
  generics: Map<string, Type>;
  selfTy: Type | undefined;
  scopes: Map<string, Type>[];
  file: FileScope;
};

export class Checker {
  diagnostics: Diagnostic[] = [];
  decls: Decls = emptyDecls();
  u = new Unifier();
  files = new Map<string, FileScope>();
  /** Deferred bound checks at generic call sites: [type, bound, span]. */
  pendingBounds: [Type, string, Span][] = [];
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

  // ---------- declarations ----------

  declare(inputs: CheckInput[]): void {
    const builtin = parse("<builtin>", BUILTIN_ENUMS);
    const all: { module: string; item: Item }[] = [];
    for (const it of builtin.program.items) all.push({ module: "<builtin>", item: it });
    for (const inp of inputs) for (const it of inp.program.items) all.push({ module: inp.module, item: it });
    this.decls.enums.set("Option", { name: "Option", params: ["T"], derives: new Set(["Eq", "Ord", "Display", "Clone"]), variants: [
      { name: "None", tag: 0, tuple: undefined, fields: undefined },
      { name: "Some", tag: 1, tuple: [{ k: "param", name: "T", bounds: [] }], fields: undefined },
    ] });
    this.decls.enums.set("Result", { name: "Result", params: ["T", "E"], derives: new Set(["Eq", "Ord", "Display", "Clone"]), variants: [
      { name: "Ok", tag: 0, tuple: [{ k: "param", name: "T", bounds: [] }], fields: undefined },
      { name: "Err", tag: 1, tuple: [{ k: "param", name: "E", bounds: [] }], fields: undefined },
    ] });
    for (const t of ["Option", "Result", "Value"]) for (const d of ["Eq", "Ord", "Display", "Clone"]) this.decls.traitImpls.add(`${d}:${t}`);
    const taken = new Map<string, Span>();
    const claim = (name: string, span: Span) => {
      const prev = taken.get(name);
      if (prev || ["int", "float", "bool", "char", "string", "List", "Map", "Option", "Result", "Self"].includes(name)) {
        this.err("E0210", span, `the type name \`${name}\` is defined more than once`, "rename one of them");
        return false;
      }
      taken.set(name, span);
      return true;
    };
    // Pass 1: names.
    for (const { item } of all) {
      if (item.kind === "struct") { if (claim(item.name.name, item.name.span)) this.decls.structs.set(item.name.name, { name: item.name.name, fields: [], derives: new Set(), host: false }); }
      else if (item.kind === "enum") { if (claim(item.name.name, item.name.span)) this.decls.enums.set(item.name.name, { name: item.name.name, params: [], variants: [], derives: new Set() }); }
      else if (item.kind === "trait") { if (claim(item.name.name, item.name.span)) this.decls.traits.set(item.name.name, { name: item.name.name, methods: new Map() }); }
      else if (item.kind === "units") this.declareUnits(item, claim);
    }
    for (const name of this.decls.opaque) claim(name, { file: "<host>", start: 0, end: 0 });
    // Pass 2: bodies of type declarations.
    for (const { item } of all) {
      if (item.kind === "struct") {
        const info = this.decls.structs.get(item.name.name);
        if (!info || info.fields.length) continue;
        const seen = new Set<string>();
        for (const f of item.fields) {
          if (seen.has(f.name.name)) this.err("E0210", f.name.span, `field \`${f.name.name}\` is declared twice`, "remove the duplicate");
          seen.add(f.name.name);
          info.fields.push({ name: f.name.name, ty: this.typeOf(f.ty, new Map(), undefined) });
        }
        this.derive(item.name.name, item.derives);
      } else if (item.kind === "enum") {
        const info = this.decls.enums.get(item.name.name);
        if (!info || info.variants.length) continue;
        item.variants.forEach((v, tag) => {
          if (info.variants.some((x) => x.name === v.name.name)) this.err("E0210", v.name.span, `variant \`${v.name.name}\` is declared twice`, "remove the duplicate");
          info.variants.push({
            name: v.name.name, tag,
            tuple: v.tuple?.map((t) => this.typeOf(t, new Map(), undefined)),
            fields: v.fields?.map((f) => ({ name: f.name.name, ty: this.typeOf(f.ty, new Map(), undefined) })),
          });
        });
        this.derive(item.name.name, item.derives);
      } else if (item.kind === "trait") {
        const info = this.decls.traits.get(item.name.name);
        if (!info) continue;
        for (const m of item.methods) {
          if (!m.hasSelf) this.err("E0207", m.name.span, `trait method \`${m.name.name}\` must take \`self\``, "add `self` as the first parameter");
          if (m.body) this.err("E0207", m.name.span, "trait methods cannot have default bodies in v1", "move the body into each `impl`");
          info.methods.set(m.name.name, this.sigOf(m, { k: "dyn", trait: item.name.name }));
        }
      }
    }
    // Pass 3: functions and impls.
    for (const { module, item } of all) {
      if (item.kind === "fn") {
        let fns = this.decls.fns.get(module);
        if (!fns) { fns = new Map(); this.decls.fns.set(module, fns); }
        if (fns.has(item.name.name)) { this.err("E0210", item.name.span, `function \`${item.name.name}\` is defined more than once`, "rename one of them"); continue; }
        const info: FnInfo = { module, name: item.name.name, sig: this.sigOf(item, undefined), decl: item, jsName: `f_${jsIdent(module)}_${jsIdent(item.name.name)}` };
        fns.set(item.name.name, info);
      } else if (item.kind === "impl") this.declareImpl(item);
    }
  }

  private derive(typeName: string, derives: { name: string; span: Span }[]): void {
    const info = this.decls.structs.get(typeName) ?? this.decls.enums.get(typeName);
    for (const d of derives) {
      if (!DERIVABLE.has(d.name)) { this.err("E0211", d.span, `cannot derive \`${d.name}\``, "derivable traits are Eq, Ord, Display and Clone"); continue; }
      info?.derives.add(d.name);
      this.decls.traitImpls.add(`${d.name}:${typeName}`);
      if (d.name === "Ord") this.decls.traitImpls.add(`Eq:${typeName}`);
    }
  }

  private declareUnits(item: Extract<Item, { kind: "units" }>, claim: (n: string, s: Span) => boolean): void {
    if (!claim(item.name.name, item.name.span)) return;
    const backing = item.backing.name;
    if (backing !== "int" && backing !== "float") {
      this.err("E0264", item.backing.span, `a unit family must be backed by \`int\` or \`float\`, not \`${backing}\``, "write `units Name: int { … }`");
      return;
    }
    if (item.derives.length) this.err("E0206", item.name.span, "`#[derive]` is not allowed on a unit family", "unit families take equality, ordering and cloning from their backing number");
    const units: { name: string; factor: number }[] = [];
    const evalFactor = (e: Expr): number | undefined => {
      switch (e.kind) {
        case "int": return e.suffix ? undefined : Number(e.value);
        case "float": return e.suffix ? undefined : e.value;
        case "path": return e.segs.length === 1 ? units.find((u) => u.name === (e.segs[0] as { name: string }).name)?.factor : undefined;
        case "binary": {
          const a = evalFactor(e.left);
          const b = evalFactor(e.right);
          if (a === undefined || b === undefined) return undefined;
          switch (e.op) { case "+": return a + b; case "-": return a - b; case "*": return a * b; case "/": return a / b; default: return undefined; }
        }
        default: return undefined;
      }
    };
    for (const en of item.entries) {
      if (units.some((u) => u.name === en.name.name)) { this.err("E0265", en.name.span, `unit \`${en.name.name}\` is declared twice in \`${item.name.name}\``, "remove the duplicate"); continue; }
      const f = evalFactor(en.factor);
      if (f === undefined) { this.err("E0268", en.factor.span, `the factor of \`${en.name.name}\` is not a constant expression`, "use numeric literals, earlier units of this family and + - * /"); continue; }
      if (!(f > 0) || !Number.isFinite(f) || (backing === "int" && (!Number.isInteger(f) || f > 9.2e18))) {
        this.err("E0266", en.factor.span, `the factor of \`${en.name.name}\` must be positive and finite${backing === "int" ? " and a whole number" : ""}`, "check the expression");
        continue;
      }
      units.push({ name: en.name.name, factor: f });
    }
    const bases = units.filter((u) => u.factor === 1);
    if (bases.length !== 1) this.err("E0267", item.name.span, `unit family \`${item.name.name}\` must have exactly one base unit (factor 1), found ${bases.length}`, "give exactly one unit the factor 1");
    this.decls.units.set(item.name.name, { name: item.name.name, backing, units });
  }

  private declareImpl(item: Extract<Item, { kind: "impl" }>): void {
    const target = this.typeOf(item.target, new Map(), undefined);
    if (target.k === "error") return;
    let typeName: string;
    if (target.k === "adt" && (this.decls.structs.has(target.name) || this.decls.enums.has(target.name)) && !["Option", "Result", "Value"].includes(target.name)) typeName = target.name;
    else if (target.k === "units") typeName = target.name;
    else { this.err("E0207", item.target.span, `cannot implement methods for \`${this.u.show(target)}\``, "impl blocks apply to structs, enums and unit families declared in this program"); return; }
    let methods = this.decls.methods.get(typeName);
    if (!methods) { methods = new Map(); this.decls.methods.set(typeName, methods); }
    const trait = item.trait?.name;
    if (trait) {
      const user = this.decls.traits.get(trait);
      const builtin = BUILTIN_TRAITS[trait];
      if (!user && !builtin) { this.err("E0405", item.trait!.span, `unknown trait \`${trait}\``, "declare it with `trait Name { … }`"); return; }
      if (target.k === "units" && trait !== "Display") { this.err("E0206", item.trait!.span, `unit family \`${typeName}\` cannot implement \`${trait}\``, "unit families take their operators from the backing number; only Display may be implemented"); return; }
      if (this.decls.traitImpls.has(`${trait}:${typeName}`)) { this.err("E0210", item.trait!.span, `\`${trait}\` is implemented for \`${typeName}\` more than once`, "remove the duplicate impl or derive"); return; }
      this.decls.traitImpls.add(`${trait}:${typeName}`);
      if (trait === "Ord") this.decls.traitImpls.add(`Eq:${typeName}`);
      const required = user ? [...user.methods.keys()] : [(/fn (\w+)/.exec(builtin ?? "") as RegExpExecArray)[1] as string];
      for (const r of required) if (!item.methods.some((m) => m.name.name === r)) this.err("E0208", item.span, `missing method \`${r}\` in the impl of \`${trait}\` for \`${typeName}\``, `add \`fn ${r}(self, …)\``);
    }
    for (const m of item.methods) {
      if (target.k === "units" && this.decls.units.get(typeName)?.units.some((u) => u.name === m.name.name)) {
        this.err("E0206", m.name.span, `method \`${m.name.name}\` shadows a unit of \`${typeName}\``, "rename the method");
        continue;
      }
      const key = trait ? `${trait}::${m.name.name}` : m.name.name;
      if (methods.has(key)) { this.err("E0210", m.name.span, `method \`${m.name.name}\` is defined more than once for \`${typeName}\``, "rename one of them"); continue; }
      if (trait && !(this.decls.traits.get(trait)?.methods.has(m.name.name) ?? BUILTIN_TRAITS[trait]?.includes(`fn ${m.name.name}(`))) {
        this.err("E0207", m.name.span, `\`${m.name.name}\` is not a method of trait \`${trait}\``, "remove it or move it to an inherent impl");
      }
      const sig = this.sigOf(m, target);
      const info: MethodInfo = { typeName, trait, name: m.name.name, sig, hasSelf: m.hasSelf, decl: m, jsName: `m_${jsIdent(typeName)}_${trait ? jsIdent(trait) + "_" : ""}${jsIdent(m.name.name)}` };
      methods.set(key, info);
      if (trait) {
        const ts = this.decls.traits.get(trait)?.methods.get(m.name.name);
        if (ts && (ts.params.length !== sig.params.length || !sameShape(this.u, ts.params, sig.params, target) || !sameShape(this.u, [ts.ret], [sig.ret], target))) {
          this.err("E0209", m.name.span, `method \`${m.name.name}\` does not match its declaration in trait \`${trait}\``, "use the same parameter and return types as the trait");
        }
      }
    }
  }

  /** A function signature from its declaration. */
  sigOf(f: FnDecl, selfTy: Type | undefined): FnSig {
    const generics = new Map<string, Type>();
    for (const g of f.generics) {
      for (const b of g.bounds) if (!["Eq", "Ord", "Clone"].includes(b.name)) this.err("E0504", b.span, `unsupported bound \`${b.name}\``, "generic bounds are Eq, Ord and Clone");
      generics.set(g.name.name, { k: "param", name: g.name.name, bounds: g.bounds.map((b) => b.name) });
    }
    const params = f.params.map((p) => (p.ty ? this.typeOf(p.ty, generics, selfTy) : ERROR));
    const ret = f.ret ? this.typeOf(f.ret, generics, selfTy) : UNIT;
    for (const g of f.generics) {
      const used = (t: Type): boolean => t.k === "param" ? t.name === g.name.name : t.k === "list" ? used(t.elem) : t.k === "map" ? used(t.key) || used(t.val) : t.k === "weak" ? used(t.inner) : t.k === "fn" ? t.params.some(used) || used(t.ret) : t.k === "adt" ? t.args.some(used) : false;
      if (!params.some(used) && !used(ret)) this.err("E0504", g.name.span, `type parameter \`${g.name.name}\` does not appear in the signature`, "every type parameter must appear in a parameter or the return type");
    }
    return { generics: f.generics.map((g) => ({ name: g.name.name, bounds: g.bounds.map((b) => b.name) })), params, paramNames: f.params.map((p) => p.name.name), ret };
  }

  /** Resolve a written type. */
  typeOf(te: TypeExpr, generics: ReadonlyMap<string, Type>, selfTy: Type | undefined): Type {
    switch (te.kind) {
      case "unit": return UNIT;
      case "fn": return { k: "fn", params: te.params.map((p) => this.typeOf(p, generics, selfTy)), ret: te.ret ? this.typeOf(te.ret, generics, selfTy) : UNIT };
      case "dyn":
        if (!this.decls.traits.has(te.trait.name)) { this.err("E0405", te.trait.span, `unknown trait \`${te.trait.name}\``, "declare it with `trait Name { … }`"); return ERROR; }
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
          case "List": return arity(1) ? { k: "list", elem: args[0] as Type } : ERROR;
          case "Map": {
            if (!arity(2)) return ERROR;
            const key = this.u.shallow(args[0] as Type);
            if (!["int", "bool", "char", "string", "error", "param"].includes(key.k)) this.err("E0202", te.span, `\`${this.u.show(key)}\` cannot be a map key`, "map keys are int, bool, char or string");
            return { k: "map", key: args[0] as Type, val: args[1] as Type };
          }
          case "Option": return arity(1) ? { k: "adt", name, args } : ERROR;
          case "Result": return arity(2) ? { k: "adt", name, args } : ERROR;
          case "weak": return arity(1) ? { k: "weak", inner: args[0] as Type } : ERROR;
          case "Self":
            if (selfTy) return selfTy;
            this.err("E0202", te.span, "`Self` is only valid inside an impl or trait", undefined);
            return ERROR;
        }
        if (this.decls.structs.has(name) || this.decls.enums.has(name) || this.decls.opaque.has(name)) return arity(0) ? { k: "adt", name, args: [] } : ERROR;
        const un = this.decls.units.get(name);
        if (un) return arity(0) ? { k: "units", name, backing: un.backing } : ERROR;
        if (this.decls.traits.has(name)) { this.err("E0202", te.span, `\`${name}\` is a trait, not a type`, `write \`dyn ${name}\` for a value of any type implementing it`); return ERROR; }
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
      case "var": case "error": case "never": return true;
      case "int": case "float": case "bool": case "char": case "string": case "unit": case "units":
        return ["Eq", "Ord", "Clone", "Display"].includes(trait) && !(t.k === "bool" && false);
      case "param": return t.bounds.includes(trait) || (trait === "Eq" && t.bounds.includes("Ord"));
      case "list": case "weak": return trait === "Clone" || ((trait === "Eq" || trait === "Ord") && t.k === "list" && this.implements(t.elem, trait));
      case "map": return trait === "Clone" || (trait === "Eq" && this.implements(t.val, "Eq"));
      case "adt":
        if (t.name === "Option" || t.name === "Result") return t.args.every((a) => this.implements(a, trait));
        return this.decls.traitImpls.has(`${trait}:${t.name}`);
      case "dyn": return t.trait === trait;
      case "fn": return false;
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
    const ctx: FnCtx = { ret: sig.ret, loops: [], generics, selfTy: selfTy ?? self, scopes: [scope], file: file ?? { module: "", modules: new Map(), items: new Map() } };
    this.checkFnBlock(decl.body, ctx, sig.ret, decl);
  }

  /** Overridden in check_expr.ts. */
  checkFnBlock(_b: Block, _ctx: FnCtx, _ret: Type, _decl: FnDecl): void {}

  enumOf(name: string): EnumInfo | undefined {
    return this.decls.enums.get(name);
  }
}

/** The names a pattern binds, in source order. */
export function patternIdents(p: Pattern): Ident[] {
  switch (p.kind) {
    case "bind": return [p.name];
    case "or": return p.alts.flatMap(patternIdents);
    case "variant": return [...(p.args ?? []).flatMap(patternIdents), ...(p.fields ?? []).flatMap((f) => patternIdents(f.pat))];
    case "wild": case "lit": return [];
  }
}

/** Do two signature type lists agree, reading `dyn` in the trait as the implementing type? */
function sameShape(u: Unifier, a: Type[], b: Type[], selfTy: Type): boolean {
  return a.every((x, i) => {
    const y = b[i] as Type;
    if (x.k === "dyn" && y.k === selfTy.k && u.unify(y, selfTy)) return true;
    return u.unify(x, y);
  });
}

export { VALUE };
