/**
 * Code generation: the checked tree → one JavaScript module (run by the JIT).
 *
 * Theory of operation: every wscript expression becomes a JS expression
 * string; constructs that need statements (blocks, `if`/`match` with
 * statements, loops, `?`, `return`) are "lifted": their statements are
 * emitted first and a temporary carries the value. When an operand lifts,
 * the operands before it are spilled into temporaries so evaluation order
 * stays left to right. Loops are labelled so `break`/`continue` inside a
 * `match` reach the right loop. Fault-capable operations are preceded by a
 * `/*@n*\/` marker; `finish` strips the markers and records, for every
 * generated line and column, the script span (the source map used for fault
 * traces). Every function entry and loop iteration spends one unit of fuel (see FUEL_SLICE);
 * function entries also count call depth (concept_faults.md).
 */
import type { Block, Expr, FnDecl, Pattern, Stmt } from "../syntax/ast.ts";
import type { Decls, MethodInfo } from "../check/decls.ts";
import { jsIdent } from "../check/decls.ts";
import type { Span } from "../syntax/span.ts";
import type { Type, Unifier } from "../check/types.ts";

/** One source-map entry: generated (line, col) → script span. */
export type MapEntry = { line: number; col: number; span: Span };
export type Generated = { code: string; map: MapEntry[]; fnNames: Map<string, string> };

const RESERVED = new Set("break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await arguments eval undefined NaN Infinity".split(" "));
const PROP_BAD = new Set(["constructor", "__proto__", "prototype", "toString", "valueOf", "hasOwnProperty"]);
export const prop = (n: string): string => (PROP_BAD.has(n) || n.startsWith("$") ? `${n}$` : n);

type Ctx = { closure: boolean; scopes: Map<string, string>[]; loops: { label: string; result: string | undefined }[] };

/**
 * Fuel lives in an Int32Array slot (the engine keeps it an int32, much
 * cheaper than a closure variable holding a double) refilled from `$bank` in
 * slices of this size; the total spent is exact, so exhaustion stays
 * deterministic. Call depth lives in the second slot.
 */
const FUEL_SLICE = 1 << 30;

function intLit(b: bigint): string {
  if (b >= -9007199254740991n && b <= 9007199254740991n) return b < 0n ? `(${b})` : `${b}`;
  return `${BigInt.asIntN(64, b)}n`;
}

export class CodeGen {
  private out: string[] = [];
  private ind = "";
  private n = 0;
  private spans: Span[] = [];
  private hostUsed = new Set<string>();
  fnNames = new Map<string, string>();

  constructor(private d: Decls, private u: Unifier) {}

  private t(): string { return `$${++this.n}`; }
  private emit(s: string): void { this.out.push(this.ind + s); }
  private mark(span: Span): string { this.spans.push(span); return `/*@${this.spans.length - 1}*/`; }
  private ty(e: { ty?: Type }): Type { return e.ty ? this.u.shallow(e.ty) : { k: "error" }; }
  private host(key: string): string { this.hostUsed.add(key); return `h_${jsIdent(key)}_${this.hash(key)}`; }
  private hash(s: string): string { let h = 0; for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0; return (h >>> 0).toString(36); }

  private bind(ctx: Ctx, name: string): string {
    const js = `${RESERVED.has(name) ? "_" : ""}${jsIdent(name)}_${++this.n}`;
    (ctx.scopes[ctx.scopes.length - 1] as Map<string, string>).set(name, js);
    return js;
  }
  private local(ctx: Ctx, name: string): string {
    for (let i = ctx.scopes.length - 1; i >= 0; i--) { const v = ctx.scopes[i]?.get(name); if (v) return v; }
    return "undefined";
  }

  // ---------- lifting analysis ----------
  private liftCache = new WeakMap<object, boolean>();
  lifts(e: Expr): boolean {
    const hit = this.liftCache.get(e);
    if (hit !== undefined) return hit;
    let r: boolean;
    switch (e.kind) {
      case "block": case "if_let": case "match": case "while": case "loop": case "for": case "break": case "continue": case "return": case "try": case "assign": r = true; break;
      case "if": r = this.lifts(e.cond) || e.then.stmts.length > 0 || !e.then.tail || this.lifts(e.then.tail) || !e.else_ || this.lifts(e.else_); break;
      case "str": r = e.parts.some((p) => p.kind === "hole" && this.lifts(p.expr)); break;
      case "list": r = e.items.some((x) => this.lifts(x)); break;
      case "map": r = e.entries.some(([k, v]) => this.lifts(k) || this.lifts(v)); break;
      case "struct_lit": r = e.fields.some((f) => this.lifts(f.value)); break;
      case "unary": r = this.lifts(e.operand); break;
      case "binary": r = this.lifts(e.left) || this.lifts(e.right); break;
      case "call": r = this.lifts(e.callee) || e.args.some((x) => this.lifts(x)); break;
      case "method": r = this.lifts(e.recv) || e.args.some((x) => this.lifts(x)); break;
      case "field": r = this.lifts(e.recv); break;
      case "index": r = this.lifts(e.recv) || this.lifts(e.index); break;
      default: r = false;
    }
    this.liftCache.set(e, r);
    return r;
  }

  /** Evaluate operands left to right, spilling earlier ones when a later one lifts. */
  private operands(ctx: Ctx, es: Expr[]): string[] {
    const out: string[] = [];
    es.forEach((e, i) => {
      const v = this.expr(ctx, e);
      if (es.slice(i + 1).some((x) => this.lifts(x)) && !/^[\w$]+$/.test(v)) {
        const t = this.t();
        this.emit(`const ${t} = ${v};`);
        out.push(t);
      } else out.push(v);
    });
    return out;
  }

  // ---------- display ----------
  showOf(t: Type, v: string): string {
    switch (t.k) {
      case "string": return v;
      case "int": return `("" + ${v})`;
      case "float": return `showFloat(${v})`;
      case "units": {
        const disp = this.d.methods.get(t.name)?.get("Display::fmt");
        if (disp) return `${disp.jsName}(${v})`;
        const fam = this.d.units.get(t.name);
        const table = JSON.stringify([...(fam?.units ?? [])].sort((a, b) => b.factor - a.factor).map((x) => [x.name, x.factor]));
        return `showUnit(${v}, ${table}, ${t.backing === "int"})`;
      }
      default: return `show(${v})`;
    }
  }

  // ---------- items ----------
  program(entryModule: string): Generated {
    const body: string[] = [];
    this.out = body;
    for (const s of this.d.structs.values()) {
      const ps = s.fields.map((f) => prop(f.name));
      this.emit(`class S_${jsIdent(s.name)} { constructor(${ps.map((_, i) => `a${i}`).join(", ")}) { ${ps.map((p, i) => `this.${p} = a${i};`).join(" ")} } }`);
      this.emit(`Object.assign(S_${jsIdent(s.name)}.prototype, { $n: ${JSON.stringify(s.name)}, $f: ${JSON.stringify(s.fields.map((f) => [f.name, prop(f.name)]))} });`);
    }
    for (const en of this.d.enums.values()) {
      if (["Option", "Result", "Value"].includes(en.name)) continue;
      for (const v of en.variants) {
        const fs = v.tuple ? v.tuple.map((_, i) => [String(i), `$${i}`]) : (v.fields ?? []).map((f) => [f.name, prop(f.name)]);
        const cn = `E_${jsIdent(en.name)}_${jsIdent(v.name)}`;
        this.emit(`class ${cn} { constructor(${fs.map((_, i) => `a${i}`).join(", ")}) { this.$t = ${v.tag}; ${fs.map((f, i) => `this.${f[1]} = a${i};`).join(" ")} } }`);
        this.emit(`Object.assign(${cn}.prototype, { $n: ${JSON.stringify(v.name)}, $e: ${JSON.stringify(en.name)}, $tuple: ${!!v.tuple}, $f: ${JSON.stringify(fs)} });`);
        if (!v.tuple && !v.fields) this.emit(`const ${cn}_1 = new ${cn}();`);
      }
    }
    for (const fns of this.d.fns.values()) for (const f of fns.values()) this.fn(f.jsName, f.decl, false, f.module ? `${f.module}::${f.name}` : f.name);
    for (const ms of this.d.methods.values()) for (const m of ms.values()) if (m.decl) this.fn(m.jsName, m.decl, m.hasSelf, `${m.typeName}::${m.name}`);
    for (const ms of this.d.methods.values()) for (const m of ms.values()) this.install(m);
    const exports = [...(this.d.fns.get(entryModule)?.values() ?? [])].map((f) => `${JSON.stringify(f.name)}: ${f.jsName}`);
    const classes: string[] = [];
    for (const st of this.d.structs.values()) classes.push(`${JSON.stringify(st.name)}: S_${jsIdent(st.name)}`);
    for (const en of this.d.enums.values()) {
      if (["Option", "Result", "Value"].includes(en.name)) continue;
      for (const v of en.variants) classes.push(`${JSON.stringify(`${en.name}::${v.name}`)}: E_${jsIdent(en.name)}_${jsIdent(v.name)}`);
    }
    this.emit(`return { fns: { ${exports.join(", ")} }, classes: { ${classes.join(", ")} }, setFuel(n) { const first = Math.min(n, ${FUEL_SLICE}); $S[0] = first; $bank = n - first; }, getFuel() { return $bank + Math.max(0, $S[0]); }, setMaxDepth(n) { $maxDepth = n; }, resetDepth() { $S[1] = 0; } };`);
    const head = [
      `// sloppy mode on purpose: strict mode enables proper tail calls in JSC, which drop frames from fault traces`,
      `const { ${RT_NAMES.join(", ")} } = R;`,
      ...[...this.hostUsed].map((k) => `const ${this.host(k)} = H[${JSON.stringify(k)}];`),
      `const $S = new Int32Array(2);`,
      `let $bank = Infinity, $maxDepth = 0;`,
      `function $refuel() { const take = Math.min($bank, ${FUEL_SLICE}); if (take <= 0) { $S[0] = 0; fault("fuel exhausted"); } $bank -= take; $S[0] += take; }`,
      `function $limit() { if ($S[0] < 0) { $refuel(); if (++$S[1] <= $maxDepth) return; } fault("call depth limit exceeded (" + $maxDepth + ")"); }`,
      `function $nomatch() { fault("no match arm matched (internal)"); }`,
    ];
    return this.finish([...head, ...body].join("\n"));
  }

  private install(m: MethodInfo): void {
    if (!m.trait || !m.decl) return;
    const special: Record<string, string> = { Eq: "$eq", Ord: "$cmp", Display: "$show", Clone: "$clone" };
    const key = special[m.trait] ?? `$d_${jsIdent(m.trait)}_${jsIdent(m.name)}`;
    for (const cls of this.classesOf(m.typeName)) this.emit(`${cls}.prototype.${key} = ${m.jsName};`);
  }

  private classesOf(typeName: string): string[] {
    if (this.d.structs.has(typeName)) return [`S_${jsIdent(typeName)}`];
    const en = this.d.enums.get(typeName);
    return en ? en.variants.map((v) => `E_${jsIdent(typeName)}_${jsIdent(v.name)}`) : [];
  }

  private fn(jsName: string, decl: FnDecl, hasSelf: boolean, display: string): void {
    if (!decl.body) return;
    this.fnNames.set(jsName, display);
    const ctx: Ctx = { closure: false, scopes: [new Map()], loops: [] };
    const params = decl.params.map((p) => this.bind(ctx, p.name.name));
    if (hasSelf) params.unshift(this.bind(ctx, "self"));
    this.emit(`function ${jsName}(${params.join(", ")}) {`);
    const save = this.ind;
    this.ind += "  ";
    this.emit(`if (--$S[0] < 0 || ++$S[1] > $maxDepth) $limit();`);
    this.emitReturn(ctx, this.blockInline(ctx, decl.body));
    this.ind = save;
    this.emit("}");
  }

  /** Emit a block's statements into the current JS scope; returns the tail value. */
  private blockInline(ctx: Ctx, b: Block): string {
    ctx.scopes.push(new Map());
    for (const s of b.stmts) this.stmt(ctx, s);
    const v = b.tail ? this.expr(ctx, b.tail) : "undefined";
    ctx.scopes.pop();
    return v;
  }

  /** Emit a block in its own JS block, assigning its value to `into` (if given). */
  private blockInto(ctx: Ctx, b: Block | Expr, into: string | undefined): void {
    this.emit("{");
    const save = this.ind;
    this.ind += "  ";
    const v = b.kind === "block" ? this.blockInline(ctx, b) : this.expr(ctx, b);
    if (into) this.emit(`${into} = ${v};`);
    else if (v !== "undefined" && !/^[\w$]+$/.test(v)) this.emit(`${v};`);
    this.ind = save;
    this.emit("}");
  }

  private stmt(ctx: Ctx, s: Stmt): void {
    if (s.kind === "item") return;
    if (s.kind === "expr") {
      const v = this.expr(ctx, s.expr);
      if (v !== "undefined" && !/^[\w$]+$/.test(v)) this.emit(`${v};`);
      return;
    }
    const v = s.value ? this.expr(ctx, s.value) : "undefined";
    if (s.pat.kind === "bind") { this.emit(`let ${this.bind(ctx, s.pat.name.name)} = ${v};`); return; }
    if (s.pat.kind === "wild") { if (!/^[\w$]+$/.test(v)) this.emit(`${v};`); return; }
    const tmp = this.t();
    this.emit(`const ${tmp} = ${v};`);
    if (s.else_) {
      this.emit(`if (!(${this.test(s.pat, tmp)}))`);
      this.blockInto(ctx, s.else_, undefined);
    }
    for (const [name, expr] of this.binds(s.pat, tmp)) this.emit(`let ${this.bind(ctx, name)} = ${expr};`);
  }

  // ---------- patterns ----------
  test(p: Pattern, s: string): string {
    switch (p.kind) {
      case "wild": case "bind": return "true";
      case "lit": {
        const v = p.value;
        if (v.kind === "int") return `${s} === ${intLit(v.value)}`;
        if (v.kind === "unary" && v.operand.kind === "int") return `${s} === ${intLit(-v.operand.value)}`;
        if (v.kind === "unary" && v.operand.kind === "float") return `${s} === ${-v.operand.value}`;
        if (v.kind === "float") return `${s} === ${v.value}`;
        if (v.kind === "str") return `${s} === ${JSON.stringify(v.parts.map((x) => (x.kind === "text" ? x.text : "")).join(""))}`;
        if (v.kind === "char") return `${s} === ${JSON.stringify(v.value)}`;
        if (v.kind === "bool") return `${s} === ${v.value}`;
        return "false";
      }
      case "or": return `(${p.alts.map((a) => this.test(a, s)).join(" || ")})`;
      case "variant": {
        if (!p.res) return "false";
        const parts: string[] = p.res.struct ? [] : [`${s}.$t === ${p.res.tag}`];
        for (const [sub, acc] of this.subPatterns(p, s)) { const t = this.test(sub, acc); if (t !== "true") parts.push(t); }
        return parts.length ? parts.join(" && ") : "true";
      }
    }
  }
  private subPatterns(p: Extract<Pattern, { kind: "variant" }>, s: string): [Pattern, string][] {
    if (p.args) return p.args.map((a, i) => [a, `${s}.$${i}`]);
    return (p.fields ?? []).map((f) => [f.pat, `${s}.${prop(f.name.name)}`]);
  }
  binds(p: Pattern, s: string): [string, string][] {
    switch (p.kind) {
      case "bind": return [[p.name.name, s]];
      case "variant": return this.subPatterns(p, s).flatMap(([sub, acc]) => this.binds(sub, acc));
      default: return [];
    }
  }

  // ---------- expressions ----------
  expr(ctx: Ctx, e: Expr): string {
    switch (e.kind) {
      case "int": return e.unitValue !== undefined ? (typeof e.unitValue === "bigint" ? intLit(e.unitValue) : String(e.unitValue)) : intLit(e.value);
      case "float": return e.unitValue !== undefined ? (typeof e.unitValue === "bigint" ? intLit(e.unitValue) : `(${e.unitValue})`) : `(${e.value})`;
      case "char": return JSON.stringify(e.value);
      case "bool": return String(e.value);
      case "unit": return "undefined";
      case "error": return "undefined";
      case "str": {
        const holes = e.parts.flatMap((p) => (p.kind === "hole" ? [p.expr] : []));
        const vals = this.operands(ctx, holes);
        let i = 0;
        const parts = e.parts.map((p) => (p.kind === "text" ? JSON.stringify(p.text) : this.showOf(this.ty(p.expr), vals[i++] as string)));
        return parts.length === 1 && e.parts[0]?.kind === "text" ? (parts[0] as string) : `(${parts.join(" + ") || '""'})`;
      }
      case "path": return this.path(ctx, e);
      case "list": return `[${this.operands(ctx, e.items).join(", ")}]`;
      case "map": {
        const vs = this.operands(ctx, e.entries.flat());
        const pairs: string[] = [];
        for (let i = 0; i < vs.length; i += 2) pairs.push(`[${vs[i]}, ${vs[i + 1]}]`);
        return `new Map([${pairs.join(", ")}])`;
      }
      case "struct_lit": {
        if (!e.res) return "undefined";
        const vals = this.operands(ctx, e.fields.map((f) => f.value)).map((v, i) => {
          if (/^[\w$]+$/.test(v) || e.fields.length < 2) return v;
          const t = this.t();
          this.emit(`const ${t} = ${v};`);
          void i;
          return t;
        });
        const byName = new Map(e.fields.map((f, i) => [f.name.name, vals[i] as string]));
        const res = e.res;
        if (res.struct) return `new S_${jsIdent(res.enumName)}(${(this.d.structs.get(res.enumName)?.fields ?? []).map((f) => byName.get(f.name) ?? "undefined").join(", ")})`;
        const v = this.d.enums.get(res.enumName)?.variants.find((x) => x.name === res.variant);
        return `new E_${jsIdent(res.enumName)}_${jsIdent(res.variant)}(${(v?.fields ?? []).map((f) => byName.get(f.name) ?? "undefined").join(", ")})`;
      }
      case "unary": {
        const v = this.expr(ctx, e.operand);
        if (e.op === "!") return `!${v}`;
        if (e.opTrait) return `${this.mark(e.span)}${e.opTrait}(${v})`;
        const t = this.ty(e);
        if (e.operand.kind === "int" && !e.operand.suffix) return intLit(-e.operand.value);
        return t.k === "int" || (t.k === "units" && t.backing === "int") ? `ineg(${v})` : `(-${v})`;
      }
      case "binary": return this.binary(ctx, e);
      case "assign": this.assign(ctx, e); return "undefined";
      case "call": return this.call(ctx, e);
      case "method": return this.method(ctx, e);
      case "field": {
        const r = this.expr(ctx, e.recv);
        if (e.res?.kind === "unit_get") {
          const fam = this.d.units.get(e.res.family);
          if (e.res.factor === 1) return r;
          return fam?.backing === "int" ? `idiv(${r}, ${e.res.factor})` : `(${r} / ${e.res.factor})`;
        }
        return `${r}.${prop(e.name.name)}`;
      }
      case "index": {
        const [r, i] = this.operands(ctx, [e.recv, e.index]) as [string, string];
        const m = this.mark(e.span);
        if (e.res === "map") return `${m}midx(${r}, ${i})`;
        if (e.res === "user") {
          const t = this.ty(e.recv);
          const mi = t.k === "adt" ? this.d.methods.get(t.name)?.get("Index::index") : undefined;
          return `${m}${mi?.jsName ?? "undefined"}(${r}, ${i})`;
        }
        return `${m}idx(${r}, ${i})`;
      }
      case "try": {
        const v = this.expr(ctx, e.operand);
        const t = this.t();
        this.emit(`const ${t} = ${v};`);
        this.emit(`if (${t}.$t === ${e.isOption ? 0 : 1}) return ${ctx.closure ? t : `($S[1]--, ${t})`};`);
        return `${t}.$0`;
      }
      case "closure": {
        const inner: Ctx = { closure: true, scopes: [...ctx.scopes, new Map()], loops: [] };
        const params = e.params.map((p) => this.bind(inner, p.name.name));
        const saveOut = this.out;
        const saveInd = this.ind;
        this.out = [];
        this.ind = saveInd + "  ";
        this.emit(`if (--$S[0] < 0) $refuel();`);
        const v = e.body.kind === "block" ? this.blockInline(inner, e.body) : this.expr(inner, e.body);
        this.emit(`return ${v};`);
        const body = this.out.join("\n");
        this.out = saveOut;
        this.ind = saveInd;
        return `((${params.join(", ")}) => {\n${body}\n${saveInd}})`;
      }
      case "if": {
        if (!this.lifts(e) && e.else_ && e.then.tail) {
          return `(${this.expr(ctx, e.cond)} ? ${this.expr(ctx, e.then.tail)} : ${this.expr(ctx, e.else_)})`;
        }
        const r = this.resultVar(e);
        const c = this.expr(ctx, e.cond);
        this.emit(`if (${c})`);
        this.blockInto(ctx, e.then, r);
        if (e.else_) { this.emit("else"); this.blockInto(ctx, e.else_, r); }
        return r ?? "undefined";
      }
      case "if_let": {
        const r = this.resultVar(e);
        const s = this.t();
        this.emit(`const ${s} = ${this.expr(ctx, e.value)};`);
        this.emit(`if (${this.test(e.pat, s)}) {`);
        ctx.scopes.push(new Map());
        for (const [n, x] of this.binds(e.pat, s)) this.emit(`  const ${this.bind(ctx, n)} = ${x};`);
        this.blockInto(ctx, e.then, r);
        ctx.scopes.pop();
        this.emit("}");
        if (e.else_) { this.emit("else"); this.blockInto(ctx, e.else_, r); }
        return r ?? "undefined";
      }
      case "match": {
        const r = this.resultVar(e);
        const s = this.t();
        this.emit(`const ${s} = ${this.expr(ctx, e.scrutinee)};`);
        const label = `M${++this.n}`;
        this.emit(`${label}: {`);
        const save = this.ind;
        this.ind += "  ";
        for (const arm of e.arms) {
          this.emit(`if (${this.test(arm.pat, s)}) {`);
          const save2 = this.ind;
          this.ind += "  ";
          ctx.scopes.push(new Map());
          for (const [n, x] of this.binds(arm.pat, s)) this.emit(`const ${this.bind(ctx, n)} = ${x};`);
          if (arm.guard) {
            const g = this.expr(ctx, arm.guard);
            this.emit(`if (${g}) {`);
            this.blockInto(ctx, arm.body, r);
            this.emit(`  break ${label};`);
            this.emit("}");
          } else {
            this.blockInto(ctx, arm.body, r);
            this.emit(`break ${label};`);
          }
          ctx.scopes.pop();
          this.ind = save2;
          this.emit("}");
        }
        this.emit("$nomatch();");
        this.ind = save;
        this.emit("}");
        return r ?? "undefined";
      }
      case "while": {
        const label = `L${++this.n}`;
        ctx.loops.push({ label, result: undefined });
        if (!this.lifts(e.cond)) {
          this.emit(`${label}: while (${this.expr(ctx, e.cond)}) {`);
          this.emit(`  if (--$S[0] < 0) $refuel();`);
        } else {
          this.emit(`${label}: for (;;) {`);
          this.emit(`  if (--$S[0] < 0) $refuel();`);
          const save = this.ind;
          this.ind += "  ";
          const c = this.expr(ctx, e.cond);
          this.emit(`if (!(${c})) break;`);
          this.ind = save;
        }
        this.blockInto(ctx, e.body, undefined);
        this.emit("}");
        ctx.loops.pop();
        return "undefined";
      }
      case "loop": {
        const label = `L${++this.n}`;
        const t = this.ty(e);
        const r = t.k === "unit" || t.k === "never" ? undefined : this.t();
        if (r) this.emit(`let ${r};`);
        ctx.loops.push({ label, result: r });
        this.emit(`${label}: for (;;) {`);
        this.emit(`  if (--$S[0] < 0) $refuel();`);
        this.blockInto(ctx, e.body, undefined);
        this.emit("}");
        ctx.loops.pop();
        return r ?? "undefined";
      }
      case "for": return this.forLoop(ctx, e);
      case "break": {
        const loop = ctx.loops[ctx.loops.length - 1];
        if (e.value) {
          const v = this.expr(ctx, e.value);
          if (loop?.result) this.emit(`${loop.result} = ${v};`);
        }
        this.emit(`break ${loop?.label ?? ""};`);
        return "undefined";
      }
      case "continue": this.emit(`continue ${ctx.loops[ctx.loops.length - 1]?.label ?? ""};`); return "undefined";
      case "return": {
        this.emitReturn(ctx, e.value ? this.expr(ctx, e.value) : "undefined");
        return "undefined";
      }
      case "block": {
        const r = this.resultVar(e);
        this.blockInto(ctx, e, r);
        return r ?? "undefined";
      }
    }
  }

  /**
   * Return from a script function: the value is computed *before* the call
   * depth is released (a tail call must still count as one frame deeper).
   */
  private emitReturn(ctx: Ctx, v: string): void {
    if (ctx.closure) { this.emit(`return ${v};`); return; }
    if (/^[\w$]+$/.test(v)) { this.emit(`return ($S[1]--, ${v});`); return; }
    const r = this.t();
    this.emit(`const ${r} = ${v};`);
    this.emit(`return ($S[1]--, ${r});`);
  }

  /** Declare a result temporary for a lifted value-producing construct (none for unit/never). */
  private resultVar(e: Expr): string | undefined {
    const t = this.ty(e);
    if (t.k === "unit" || t.k === "never") return undefined;
    const r = this.t();
    this.emit(`let ${r};`);
    return r;
  }

  private forLoop(ctx: Ctx, e: Extract<Expr, { kind: "for" }>): string {
    const label = `L${++this.n}`;
    ctx.loops.push({ label, result: undefined });
    ctx.scopes.push(new Map());
    const name = e.pat.kind === "bind" ? e.pat.name.name : undefined;
    const i = this.t();
    let head: string;
    let item: string;
    if (e.iterKind === "range") {
      const [a, b] = this.operands(ctx, [e.iter, e.rangeEnd as Expr]) as [string, string];
      const end = this.t();
      const fast = this.t();
      // Safe-integer bounds keep `i + 1` exact (it reaches at most 2^53); otherwise step with wrapping iadd.
      this.emit(`const ${end} = ${b}, ${fast} = typeof ${end} === "number" && typeof ${a} === "number";`);
      head = `for (let ${i} = ${a}; ${i} ${e.inclusive ? "<=" : "<"} ${end}; ${i} = ${fast} ? ${i} + 1 : iadd(${i}, 1))`;
      item = i;
    } else {
      const src = this.t();
      const it = this.expr(ctx, e.iter);
      if (e.iterKind === "map") this.emit(`const ${src} = [...${it}.keys()];`);
      else if (e.iterKind === "string") this.emit(`const ${src} = [...${it}];`);
      else this.emit(`const ${src} = ${it};`);
      head = `for (let ${i} = 0; ${i} < ${src}.length; ${i}++)`;
      item = `${src}[${i}]`;
    }
    this.emit(`${label}: ${head} {`);
    this.emit(`  if (--$S[0] < 0) $refuel();`);
    if (name) this.emit(`  const ${this.bind(ctx, name)} = ${item};`);
    this.blockInto(ctx, e.body, undefined);
    this.emit("}");
    ctx.scopes.pop();
    ctx.loops.pop();
    return "undefined";
  }

  private path(ctx: Ctx, e: Extract<Expr, { kind: "path" }>): string {
    const res = e.res;
    if (!res) return "undefined";
    switch (res.kind) {
      case "local": return this.local(ctx, (e.segs[0] as { name: string }).name);
      case "fn": return this.d.fns.get(res.module ?? "")?.get(res.name)?.jsName ?? "undefined";
      case "host": return this.host(`${res.module}::${res.name}`);
      case "assoc": return this.d.methods.get(res.typeName)?.get(res.name)?.jsName ?? "undefined";
      case "variant": {
        const v = res.v;
        const en = this.d.enums.get(v.enumName);
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
        const fam = this.d.units.get(res.family);
        return fam?.backing === "int" ? `((x) => imul(x, ${res.factor}))` : `((x) => x * ${res.factor})`;
      }
      case "prelude": return "undefined";
    }
  }

  private binary(ctx: Ctx, e: Extract<Expr, { kind: "binary" }>): string {
    const k = e.opKind ?? { kind: "prim" };
    if (k.kind === "bool") {
      const a = this.expr(ctx, e.left);
      if (!this.lifts(e.right)) return `(${a} ${e.op} ${this.expr(ctx, e.right)})`;
      const t = this.t();
      this.emit(`let ${t} = ${a};`);
      this.emit(`if (${e.op === "&&" ? t : `!${t}`}) {`);
      const b = this.expr(ctx, e.right);
      this.emit(`  ${t} = ${b};`);
      this.emit("}");
      return t;
    }
    const [a, b] = this.operands(ctx, [e.left, e.right]) as [string, string];
    const op = e.op;
    switch (k.kind) {
      case "int": {
        const f = ({ "+": "iadd", "-": "isub", "*": "imul", "/": "idiv", "%": "irem" } as Record<string, string>)[op];
        if (f) return `${f === "idiv" || f === "irem" ? this.mark(e.span) : ""}${f}(${a}, ${b})`;
        return `(${a} ${op === "==" ? "===" : op === "!=" ? "!==" : op} ${b})`;
      }
      case "float": case "str": case "prim": return `(${a} ${op === "==" ? "===" : op === "!=" ? "!==" : op} ${b})`;
      case "deep":
        if (op === "==") return `eq(${a}, ${b})`;
        if (op === "!=") return `!eq(${a}, ${b})`;
        return `(cmp(${a}, ${b}) ${op} 0)`;
      case "trait": return `${this.mark(e.span)}${k.method}(${a}, ${b})`;
      default: return `(${a} ${op} ${b})`;
    }
  }

  private arithExpr(k: Expr["ty"] extends unknown ? { kind: string; method?: string } : never, op: string, a: string, b: string, span: Span): string {
    if (k.kind === "int") return `${this.mark(span)}${({ "+": "iadd", "-": "isub", "*": "imul", "/": "idiv", "%": "irem" } as Record<string, string>)[op]}(${a}, ${b})`;
    if (k.kind === "trait") return `${this.mark(span)}${k.method}(${a}, ${b})`;
    return `(${a} ${op} ${b})`;
  }

  private assign(ctx: Ctx, e: Extract<Expr, { kind: "assign" }>): void {
    const tg = e.target;
    const op = e.op.slice(0, 1);
    const k = (e.opKind ?? { kind: "prim" }) as { kind: string; method?: string };
    if (tg.kind === "path") {
      const name = this.local(ctx, (tg.segs[0] as { name: string }).name);
      const v = this.expr(ctx, e.value);
      this.emit(e.op === "=" ? `${name} = ${v};` : `${name} = ${this.arithExpr(k, op, name, v, e.span)};`);
      return;
    }
    if (tg.kind === "field") {
      const o = this.t();
      this.emit(`const ${o} = ${this.expr(ctx, tg.recv)};`);
      const v = this.expr(ctx, e.value);
      const p = `${o}.${prop(tg.name.name)}`;
      this.emit(e.op === "=" ? `${p} = ${v};` : `${p} = ${this.arithExpr(k, op, p, v, e.span)};`);
      return;
    }
    if (tg.kind === "index") {
      const [r, i] = this.operands(ctx, [tg.recv, tg.index]) as [string, string];
      const rt = this.t();
      const it = this.t();
      this.emit(`const ${rt} = ${r}, ${it} = ${i};`);
      const v = this.expr(ctx, e.value);
      const m = this.mark(e.span);
      if (tg.res === "map") {
        this.emit(e.op === "=" ? `${rt}.set(${it}, ${v});` : `${rt}.set(${it}, ${this.arithExpr(k, op, `${m}midx(${rt}, ${it})`, v, e.span)});`);
      } else {
        this.emit(e.op === "=" ? `${m}list_set(${rt}, ${it}, ${v});` : `${m}list_set(${rt}, ${it}, ${this.arithExpr(k, op, `idx(${rt}, ${it})`, v, e.span)});`);
      }
    }
  }

  private call(ctx: Ctx, e: Extract<Expr, { kind: "call" }>): string {
    const c = e.callee;
    if (c.kind === "path" && c.res?.kind === "prelude") return this.prelude(ctx, e, c.res.name, c.res.argTypes);
    if (c.kind === "path" && c.res?.kind === "variant") {
      const args = this.operands(ctx, e.args);
      const v = c.res.v;
      if (["Option", "Result", "Value"].includes(v.enumName)) {
        if (v.enumName === "Option") return `Some(${args[0]})`;
        if (v.enumName === "Result") return `${v.variant}(${args[0]})`;
        return `mkValue(${v.tag}, ${args[0]})`;
      }
      return `new E_${jsIdent(v.enumName)}_${jsIdent(v.variant)}(${args.join(", ")})`;
    }
    const f = this.expr(ctx, c);
    const args = this.operands(ctx, e.args);
    if (c.kind === "path" && c.res?.kind === "unit_ctor") {
      const fam = this.d.units.get(c.res.family);
      return fam?.backing === "int" ? `${this.mark(e.span)}imul(${args[0]}, ${c.res.factor})` : `(${args[0]} * ${c.res.factor})`;
    }
    return `${this.mark(e.span)}${/^[\w$]+$/.test(f) ? f : `(${f})`}(${args.join(", ")})`;
  }

  private prelude(ctx: Ctx, e: Extract<Expr, { kind: "call" }>, name: string, argTypes: Type[]): string {
    const args = this.operands(ctx, e.args);
    const t0 = argTypes[0] ? this.u.shallow(argTypes[0]) : ({ k: "unit" } as Type);
    const a0 = args[0] ?? "undefined";
    switch (name) {
      case "print": return `$out(${this.showOf(t0, a0)})`;
      case "println": return args.length ? `$out(${this.showOf(t0, a0)} + "\\n")` : `$out("\\n")`;
      case "str": return this.showOf(t0, a0);
      case "fmt": {
        const rest = args.slice(1).map((a, i) => { const t = this.u.shallow(argTypes[i + 1] as Type); return t.k === "units" ? this.showOf(t, a) : a; });
        return `${this.mark(e.span)}fmt_(${a0}, [${rest.join(", ")}])`;
      }
      case "same": return `(${a0} === ${args[1]})`;
      case "weak": return `new WeakRef(${a0})`;
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

  private method(ctx: Ctx, e: Extract<Expr, { kind: "method" }>): string {
    const [r, ...args] = this.operands(ctx, [e.recv, ...e.args]) as [string, ...string[]];
    const res = e.res;
    const m = this.mark(e.span);
    if (!res) return "undefined";
    switch (res.kind) {
      case "builtin": {
        if (res.recv === "any") return `clone(${r})`;
        if (res.recv === "prim") return r;
        if (res.recv === "list") {
          if (res.name === "len") return `${r}.length`;
          if (res.name === "push") return `${r}.push(${args[0]})`;
          if (res.name === "sum") { const el = res.recvTy.k === "list" ? this.u.shallow(res.recvTy.elem) : undefined; return `list_sum(${r}, ${el?.k === "int" || (el?.k === "units" && el.backing === "int")})`; }
        }
        return `${m}${res.recv}_${res.name}(${[r, ...args].join(", ")})`;
      }
      case "user": {
        const info = this.d.methods.get(res.typeName)?.get(res.trait ? `${res.trait}::${res.name}` : res.name);
        return `${m}${info?.jsName ?? "undefined"}(${[r, ...args].join(", ")})`;
      }
      case "dyn": {
        const t = this.t();
        this.emit(`const ${t} = ${r};`);
        return `${m}${t}.$d_${jsIdent(res.trait)}_${jsIdent(res.name)}(${[t, ...args].join(", ")})`;
      }
      case "host": return `${m}${this.host(`${res.typeName}.${res.name}`)}(${[r, ...args].join(", ")})`;
      case "field_call": return `${m}${r}.${prop(e.name.name)}(${args.join(", ")})`;
      case "unit_get": return r;
    }
  }

  /** Strip span markers, producing the source map. */
  private finish(text: string): Generated {
    const map: MapEntry[] = [];
    const lines = text.split("\n").map((line, li) => {
      let out = "";
      let last = 0;
      for (const mm of line.matchAll(/\/\*@(\d+)\*\//g)) {
        out += line.slice(last, mm.index);
        const span = this.spans[Number(mm[1])];
        if (span) map.push({ line: li + 1, col: out.length + 1, span });
        last = (mm.index ?? 0) + mm[0].length;
      }
      return out + line.slice(last);
    });
    return { code: lines.join("\n"), map, fnNames: this.fnNames };
  }
}

/** Runtime names destructured at the top of every generated module. */
export const RT_NAMES = [
  "fault", "iadd", "isub", "imul", "idiv", "irem", "ineg", "f2i", "i2f", "eq", "cmp", "clone", "show", "showFloat", "showUnit",
  "None", "Some", "Ok", "Err", "VNull", "mkValue", "BUILTIN_VARIANTS", "idx", "midx", "fmt_", "$out",
  "list_len", "list_is_empty", "list_clear", "list_push", "list_pop", "list_insert", "list_remove", "list_get", "list_set", "list_first", "list_last",
  "list_contains", "list_index_of", "list_any", "list_all", "list_count", "list_find", "list_position", "list_reverse", "list_sort", "list_sort_by",
  "list_map", "list_filter", "list_fold", "list_join", "list_slice", "list_concat", "list_map_indexed", "list_zip_with", "list_sum", "list_min", "list_max",
  "list_clone", "list_each",
  "map_len", "map_is_empty", "map_clear", "map_insert", "map_remove", "map_get", "map_contains_key", "map_keys", "map_values", "map_each", "map_map", "map_filter", "map_clone",
  "string_len", "string_bytes_len", "string_is_empty", "string_split", "string_join", "string_trim", "string_trim_start", "string_trim_end", "string_to_upper", "string_to_lower",
  "string_starts_with", "string_ends_with", "string_contains", "string_find", "string_replace", "string_repeat", "string_pad_left", "string_pad_right", "string_chars",
  "string_slice", "string_parse_int", "string_parse_float", "string_lines", "string_clone",
  "char_is_digit", "char_is_alphabetic", "char_is_alphanumeric", "char_is_whitespace", "char_is_uppercase", "char_is_lowercase", "char_to_upper", "char_to_lower",
  "option_is_some", "option_is_none", "option_unwrap", "option_unwrap_or", "option_expect", "option_unwrap_or_else", "option_map", "option_and_then", "option_ok_or", "option_or", "option_filter", "option_clone",
  "result_is_ok", "result_is_err", "result_unwrap", "result_unwrap_or", "result_unwrap_err", "result_expect", "result_unwrap_or_else", "result_map", "result_map_err", "result_and_then", "result_ok", "result_err", "result_clone",
  "weak_upgrade",
  "value_get", "value_at", "value_keys", "value_len", "value_is_null", "value_as_bool", "value_as_int", "value_as_float", "value_as_string", "value_as_list", "value_as_map", "value_clone",
];
