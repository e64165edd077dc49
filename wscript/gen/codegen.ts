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
 *
 * Layout: `CodeGen` holds the emitter state (output lines, indentation,
 * temporaries, span markers), items, statements, patterns and the dispatch
 * over expressions; each construct's emitter is a function over it in
 * emit_literals.ts, emit_ops.ts (operators, fields, indexing, assignment),
 * emit_calls.ts (paths, calls, prelude, methods) and emit_control.ts
 * (blocks, `if`, `match`, loops, jumps, `?`, closures). Emitters import
 * `CodeGen` as a type only.
 */
import type { Block, Expr, FnDecl, Pattern, Stmt } from "../syntax/ast.ts";
import type { Decls, MethodInfo } from "../check/decls.ts";
import { jsIdent } from "../check/decls.ts";
import type { Span } from "../syntax/span.ts";
import type { Type, Unifier } from "../check/types.ts";
import { emitBlock, emitBreak, emitClosure, emitFor, emitIf, emitIfLet, emitLoop, emitMatch, emitReturnExpr, emitTry, emitWhile } from "./emit_control.ts";
import { emitCall, emitMethod, emitPath } from "./emit_calls.ts";
import { emitMap, emitStr, emitStructLit } from "./emit_literals.ts";
import { emitAssign, emitBinary, emitField, emitIndex, emitUnary } from "./emit_ops.ts";
import { RESERVED, intLit, prop, type Ctx } from "./js.ts";

export { prop } from "./js.ts";

/** One source-map entry: generated (line, col) → script span. */
export type MapEntry = { line: number; col: number; span: Span };
export type Generated = { code: string; map: MapEntry[]; fnNames: Map<string, string> };

/**
 * Fuel lives in an Int32Array slot (the engine keeps it an int32, much
 * cheaper than a closure variable holding a double) refilled from `$bank` in
 * slices of this size; the total spent is exact, so exhaustion stays
 * deterministic. The second slot holds the call depth still available
 * (counted down on entry, up on return), so one `(fuel | depth) < 0` test
 * guards a call.
 */
const FUEL_SLICE = 1 << 30;

export class CodeGen {
  out: string[] = [];
  ind = "";
  n = 0;
  spans: Span[] = [];
  hostUsed = new Set<string>();
  fnNames = new Map<string, string>();

  /**
   * `tracked`: the program takes weak references, so every function keeps its
   * live locals in `$roots` (pushed when bound, updated when assigned,
   * dropped when their block, loop iteration or function ends) and
   * `upgrade()` asks whether the target is still reachable from them — the
   * deterministic answer of reference counting (concept_memory.md), which the
   * engine's garbage collector cannot give. Programs without `weak` pay nothing.
   */
  constructor(
    readonly d: Decls,
    readonly u: Unifier,
    readonly tracked = false,
  ) {}
  /** Root slot of a tracked local, by its JS name. */
  rootSlots = new Map<string, string>();

  /** Register a just-bound local as a root (tracked programs only). */
  root(js: string): void {
    if (!this.tracked) return;
    const slot = `${js}$r`;
    this.rootSlots.set(js, slot);
    this.emit(`const ${slot} = $roots.push(${js}) - 1;`);
  }
  /** After assigning a local, update its root slot. */
  reroot(js: string): void {
    const slot = this.tracked ? this.rootSlots.get(js) : undefined;
    if (slot) this.emit(`$roots[${slot}] = ${js};`);
  }
  /** Start a root scope (function, block, loop); returns its mark, or undefined when untracked. */
  rootMark(): string | undefined {
    if (!this.tracked) return undefined;
    const m = `$B${++this.n}`;
    this.emit(`const ${m} = $roots.length;`);
    return m;
  }
  rootDrop(mark: string | undefined): void {
    if (mark) this.emit(`$roots.length = ${mark};`);
  }

  t(): string {
    return `$${++this.n}`;
  }
  emit(s: string): void {
    this.out.push(this.ind + s);
  }
  mark(span: Span): string {
    this.spans.push(span);
    return `/*@${this.spans.length - 1}*/`;
  }
  ty(e: { ty?: Type }): Type {
    return e.ty ? this.u.shallow(e.ty) : { k: "error" };
  }
  host(key: string): string {
    this.hostUsed.add(key);
    return `h_${jsIdent(key)}_${this.hash(key)}`;
  }
  hash(s: string): string {
    let h = 0;
    for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
    return (h >>> 0).toString(36);
  }

  bind(ctx: Ctx, name: string): string {
    const js = `${RESERVED.has(name) ? "_" : ""}${jsIdent(name)}_${++this.n}`;
    (ctx.scopes[ctx.scopes.length - 1] as Map<string, string>).set(name, js);
    return js;
  }
  local(ctx: Ctx, name: string): string {
    for (let i = ctx.scopes.length - 1; i >= 0; i--) {
      const v = ctx.scopes[i]?.get(name);
      if (v) return v;
    }
    return "undefined";
  }

  // ---------- lifting analysis ----------
  liftCache = new WeakMap<object, boolean>();
  lifts(e: Expr): boolean {
    const hit = this.liftCache.get(e);
    if (hit !== undefined) return hit;
    let r: boolean;
    switch (e.kind) {
      case "block":
      case "if_let":
      case "match":
      case "while":
      case "loop":
      case "for":
      case "break":
      case "continue":
      case "return":
      case "try":
      case "assign":
        r = true;
        break;
      case "if":
        r = this.lifts(e.cond) || e.then.stmts.length > 0 || !e.then.tail || this.lifts(e.then.tail) || !e.else_ || this.lifts(e.else_);
        break;
      case "str":
        r = e.parts.some((p) => p.kind === "hole" && this.lifts(p.expr));
        break;
      case "list":
        r = e.items.some((x) => this.lifts(x));
        break;
      case "map":
        r = e.entries.some(([k, v]) => this.lifts(k) || this.lifts(v));
        break;
      case "struct_lit":
        r = e.fields.some((f) => this.lifts(f.value));
        break;
      case "unary":
        r = this.lifts(e.operand);
        break;
      case "binary":
        r = this.lifts(e.left) || this.lifts(e.right);
        break;
      case "call":
        r = this.lifts(e.callee) || e.args.some((x) => this.lifts(x));
        break;
      case "method":
        r = this.lifts(e.recv) || e.args.some((x) => this.lifts(x));
        break;
      case "field":
        r = this.lifts(e.recv);
        break;
      case "index":
        r = this.lifts(e.recv) || this.lifts(e.index);
        break;
      default:
        r = false;
    }
    this.liftCache.set(e, r);
    return r;
  }

  /** Evaluate operands left to right, spilling earlier ones when a later one lifts. */
  operands(ctx: Ctx, es: Expr[]): string[] {
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
  /** Display `v` of static type `t`; `span` marks where a display fault (a cyclic value) is reported. */
  showOf(t: Type, v: string, span?: Span): string {
    switch (t.k) {
      case "string":
        return v;
      case "int":
        return `("" + ${v})`;
      case "float":
        return `showFloat(${v})`;
      case "units": {
        const disp = this.d.methods.get(t.name)?.get("Display::fmt");
        if (disp) return `${disp.jsName}(${v})`;
        const fam = this.d.units.get(t.name);
        const table = JSON.stringify([...(fam?.units ?? [])].sort((a, b) => b.factor - a.factor).map((x) => [x.name, x.factor]));
        return `showUnit(${v}, ${table}, ${t.backing === "int"})`;
      }
      default: {
        const d = this.descOf(t);
        const m = span ? this.mark(span) : "";
        return d ? `${m}showD(${v}, ${d})` : `${m}show(${v})`;
      }
    }
  }

  /** The display descriptor (rt/core.ts `Desc`) of a type as a hoisted JS constant, or undefined if it holds no float. */
  descOf(t0: Type): string | undefined {
    const lit = this.descLit(t0);
    if (!lit) return undefined;
    let name = this.descs.get(lit);
    if (!name) {
      name = `$D${this.descs.size}`;
      this.descs.set(lit, name);
    }
    return name;
  }
  descs = new Map<string, string>();
  private descLit(t0: Type): string | undefined {
    const t = this.u.shallow(t0);
    switch (t.k) {
      case "float":
        return "0";
      // A unit value inside a container prints as its raw base-unit number (concept_units.md) — a float for a float family.
      case "units":
        return t.backing === "float" ? "0" : undefined;
      case "list": {
        const d = this.descLit(t.elem);
        return d && `[1, ${d}]`;
      }
      case "map": {
        const k = this.descLit(t.key);
        const v = this.descLit(t.val);
        return k || v ? `[2, ${k ?? "undefined"}, ${v ?? "undefined"}]` : undefined;
      }
      case "adt":
        if (t.name === "Option") {
          const d = this.descLit(t.args[0] ?? { k: "error" });
          return d && `[3, ${d}]`;
        }
        if (t.name === "Result") {
          const a = this.descLit(t.args[0] ?? { k: "error" });
          const b = this.descLit(t.args[1] ?? { k: "error" });
          return a || b ? `[4, ${a ?? "undefined"}, ${b ?? "undefined"}]` : undefined;
        }
        return undefined;
      default:
        return undefined;
    }
  }

  /** `$fd: [...]` for a class whose fields hold floats (derived Display reads it), or "". */
  private fieldDescs(types: Type[]): string {
    const ds = types.map((t) => this.descLit(t));
    return ds.some((d) => d) ? `, $fd: [${ds.map((d) => d ?? "undefined").join(", ")}]` : "";
  }

  // ---------- items ----------
  program(entryModule: string): Generated {
    const body: string[] = [];
    this.out = body;
    for (const s of this.d.structs.values()) {
      const ps = s.fields.map((f) => prop(f.name));
      this.emit(`class S_${jsIdent(s.name)} { constructor(${ps.map((_, i) => `a${i}`).join(", ")}) { ${ps.map((p, i) => `this.${p} = a${i};`).join(" ")} } }`);
      this.emit(
        `Object.assign(S_${jsIdent(s.name)}.prototype, { $n: ${JSON.stringify(s.name)}, $f: ${JSON.stringify(s.fields.map((f) => [f.name, prop(f.name)]))}${this.fieldDescs(s.fields.map((f) => f.ty))} });`,
      );
    }
    for (const en of this.d.enums.values()) {
      if (["Option", "Result", "Value"].includes(en.name)) continue;
      for (const v of en.variants) {
        const fs = v.tuple ? v.tuple.map((_, i) => [String(i), `$${i}`]) : (v.fields ?? []).map((f) => [f.name, prop(f.name)]);
        const cn = `E_${jsIdent(en.name)}_${jsIdent(v.name)}`;
        this.emit(
          `class ${cn} { constructor(${fs.map((_, i) => `a${i}`).join(", ")}) { this.$t = ${v.tag}; ${fs.map((f, i) => `this.${f[1]} = a${i};`).join(" ")} } }`,
        );
        this.emit(
          `Object.assign(${cn}.prototype, { $n: ${JSON.stringify(v.name)}, $e: ${JSON.stringify(en.name)}, $tuple: ${!!v.tuple}, $f: ${JSON.stringify(fs)}${this.fieldDescs(v.tuple ?? (v.fields ?? []).map((f) => f.ty))} });`,
        );
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
    this.emit(
      `return { fns: { ${exports.join(", ")} }, classes: { ${classes.join(", ")} }, setFuel(n) { const first = Math.min(n, ${FUEL_SLICE}); $S[0] = first; $bank = n - first; }, getFuel() { return $bank + Math.max(0, $S[0]); }, setMaxDepth(n) { n = Math.min(n, 1e9); $S[1] += n - $maxDepth; $maxDepth = n; }, resetDepth() { $S[1] = $maxDepth; } };`,
    );
    const head = [
      `// sloppy mode on purpose: strict mode enables proper tail calls in JSC, which drop frames from fault traces`,
      `const { ${RT_NAMES.join(", ")} } = R;`,
      ...[...this.hostUsed].map((k) => `const ${this.host(k)} = H[${JSON.stringify(k)}];`),
      ...[...this.descs].map(([lit, name]) => `const ${name} = ${lit};`),
      `const $roots = [];`,
      `const $S = new Int32Array(2);`,
      `let $bank = Infinity, $maxDepth = 0;`,
      `function $refuel() { const take = Math.min($bank, ${FUEL_SLICE}); if (take <= 0) { $S[0] = 0; fault("fuel exhausted"); } $bank -= take; $S[0] += take; }`,
      `function $limit() { if ($S[0] < 0) $refuel(); if ($S[1] < 0) fault("call depth limit exceeded (" + $maxDepth + ")"); }`,
      `function $nomatch() { fault("no match arm matched (internal)"); }`,
    ];
    return this.finish([...head, ...body].join("\n"));
  }

  install(m: MethodInfo): void {
    if (!m.trait || !m.decl) return;
    const special: Record<string, string> = { Eq: "$eq", Ord: "$cmp", Display: "$show", Clone: "$clone" };
    const key = special[m.trait] ?? `$d_${jsIdent(m.trait)}_${jsIdent(m.name)}`;
    for (const cls of this.classesOf(m.typeName)) this.emit(`${cls}.prototype.${key} = ${m.jsName};`);
  }

  classesOf(typeName: string): string[] {
    if (this.d.structs.has(typeName)) return [`S_${jsIdent(typeName)}`];
    const en = this.d.enums.get(typeName);
    return en ? en.variants.map((v) => `E_${jsIdent(typeName)}_${jsIdent(v.name)}`) : [];
  }

  fn(jsName: string, decl: FnDecl, hasSelf: boolean, display: string): void {
    if (!decl.body) return;
    this.fnNames.set(jsName, display);
    const ctx: Ctx = { closure: false, scopes: [new Map()], loops: [] };
    const params = decl.params.map((p) => this.bind(ctx, p.name.name));
    if (hasSelf) params.unshift(this.bind(ctx, "self"));
    this.emit(`function ${jsName}(${params.join(", ")}) {`);
    const save = this.ind;
    this.ind += "  ";
    this.emit(`if ((--$S[0] | --$S[1]) < 0) $limit();`);
    if (this.tracked) {
      const mark = this.rootMark() as string;
      for (const p of params) this.root(p);
      this.emit("try {");
      this.ind += "  ";
      this.emitReturn(ctx, this.blockInline(ctx, decl.body));
      this.ind = save + "  ";
      this.emit(`} finally { $roots.length = ${mark}; }`);
    } else this.emitReturn(ctx, this.blockInline(ctx, decl.body));
    this.ind = save;
    this.emit("}");
  }

  /** Emit a block's statements into the current JS scope; returns the tail value. */
  blockInline(ctx: Ctx, b: Block): string {
    ctx.scopes.push(new Map());
    const mark = b.stmts.some((s) => s.kind === "let") ? this.rootMark() : undefined;
    for (const s of b.stmts) this.stmt(ctx, s);
    let v = b.tail ? this.expr(ctx, b.tail) : "undefined";
    if (mark) {
      // The block's locals stay roots while its value is computed.
      if (!/^[\w$]+$/.test(v)) {
        const t = this.t();
        this.emit(`const ${t} = ${v};`);
        v = t;
      }
      this.rootDrop(mark);
    }
    ctx.scopes.pop();
    return v;
  }

  /** Emit a block in its own JS block, assigning its value to `into` (if given). */
  blockInto(ctx: Ctx, b: Block | Expr, into: string | undefined): void {
    this.emit("{");
    const save = this.ind;
    this.ind += "  ";
    const v = b.kind === "block" ? this.blockInline(ctx, b) : this.expr(ctx, b);
    if (into) this.emit(`${into} = ${v};`);
    else if (v !== "undefined" && !/^[\w$]+$/.test(v)) this.emit(`${v};`);
    this.ind = save;
    this.emit("}");
  }

  stmt(ctx: Ctx, s: Stmt): void {
    if (s.kind === "item") return;
    if (s.kind === "expr") {
      const v = this.expr(ctx, s.expr);
      if (v !== "undefined" && !/^[\w$]+$/.test(v)) this.emit(`${v};`);
      return;
    }
    const v = s.value ? this.expr(ctx, s.value) : "undefined";
    if (s.pat.kind === "bind") {
      const js = this.bind(ctx, s.pat.name.name);
      this.emit(`let ${js} = ${v};`);
      this.root(js);
      return;
    }
    if (s.pat.kind === "wild") {
      if (!/^[\w$]+$/.test(v)) this.emit(`${v};`);
      return;
    }
    const tmp = this.t();
    this.emit(`const ${tmp} = ${v};`);
    if (s.else_) {
      this.emit(`if (!(${this.test(s.pat, tmp)}))`);
      this.blockInto(ctx, s.else_, undefined);
    }
    for (const [name, expr] of this.binds(s.pat, tmp)) {
      const js = this.bind(ctx, name);
      this.emit(`let ${js} = ${expr};`);
      this.root(js);
    }
  }

  // ---------- patterns ----------
  test(p: Pattern, s: string): string {
    switch (p.kind) {
      case "wild":
      case "bind":
        return "true";
      case "lit": {
        const v = p.value;
        if ((v.kind === "int" || v.kind === "float") && v.unitValue !== undefined)
          return `${s} === ${typeof v.unitValue === "bigint" ? intLit(v.unitValue) : String(v.unitValue)}`;
        if (v.kind === "int") return `${s} === ${intLit(v.value)}`;
        if (v.kind === "unary" && v.operand.kind === "int") return `${s} === ${intLit(-v.operand.value)}`;
        if (v.kind === "unary" && v.operand.kind === "float") return `${s} === ${-v.operand.value}`;
        if (v.kind === "float") return `${s} === ${v.value}`;
        if (v.kind === "str") return `${s} === ${JSON.stringify(v.parts.map((x) => (x.kind === "text" ? x.text : "")).join(""))}`;
        if (v.kind === "char") return `${s} === ${JSON.stringify(v.value)}`;
        if (v.kind === "bool") return `${s} === ${v.value}`;
        return "false";
      }
      case "or":
        return `(${p.alts.map((a) => this.test(a, s)).join(" || ")})`;
      case "variant": {
        if (!p.res) return "false";
        const parts: string[] = p.res.struct ? [] : [`${s}.$t === ${p.res.tag}`];
        for (const [sub, acc] of this.subPatterns(p, s)) {
          const t = this.test(sub, acc);
          if (t !== "true") parts.push(t);
        }
        return parts.length ? parts.join(" && ") : "true";
      }
    }
  }
  subPatterns(p: Extract<Pattern, { kind: "variant" }>, s: string): [Pattern, string][] {
    if (p.args) return p.args.map((a, i) => [a, `${s}.$${i}`]);
    return (p.fields ?? []).map((f) => [f.pat, `${s}.${prop(f.name.name)}`]);
  }
  binds(p: Pattern, s: string): [string, string][] {
    switch (p.kind) {
      case "bind":
        return [[p.name.name, s]];
      case "variant":
        return this.subPatterns(p, s).flatMap(([sub, acc]) => this.binds(sub, acc));
      default:
        return [];
    }
  }

  // ---------- expressions ----------
  expr(ctx: Ctx, e: Expr): string {
    switch (e.kind) {
      case "int":
        return e.unitValue !== undefined ? (typeof e.unitValue === "bigint" ? intLit(e.unitValue) : String(e.unitValue)) : intLit(e.value);
      case "float":
        return e.unitValue !== undefined ? (typeof e.unitValue === "bigint" ? intLit(e.unitValue) : `(${e.unitValue})`) : `(${e.value})`;
      case "char":
        return JSON.stringify(e.value);
      case "bool":
        return String(e.value);
      case "unit":
        return "undefined";
      case "error":
        return "undefined";
      case "str":
        return emitStr(this, ctx, e);
      case "path":
        return emitPath(this, ctx, e);
      case "list":
        return `[${this.operands(ctx, e.items).join(", ")}]`;
      case "map":
        return emitMap(this, ctx, e);
      case "struct_lit":
        return emitStructLit(this, ctx, e);
      case "unary":
        return emitUnary(this, ctx, e);
      case "binary":
        return emitBinary(this, ctx, e);
      case "assign":
        emitAssign(this, ctx, e);
        return "undefined";
      case "call":
        return emitCall(this, ctx, e);
      case "method":
        return emitMethod(this, ctx, e);
      case "field":
        return emitField(this, ctx, e);
      case "index":
        return emitIndex(this, ctx, e);
      case "try":
        return emitTry(this, ctx, e);
      case "closure":
        return emitClosure(this, ctx, e);
      case "if":
        return emitIf(this, ctx, e);
      case "if_let":
        return emitIfLet(this, ctx, e);
      case "match":
        return emitMatch(this, ctx, e);
      case "while":
        return emitWhile(this, ctx, e);
      case "loop":
        return emitLoop(this, ctx, e);
      case "for":
        return emitFor(this, ctx, e);
      case "break":
        return emitBreak(this, ctx, e);
      case "continue":
        this.emit(`continue ${ctx.loops[ctx.loops.length - 1]?.label ?? ""};`);
        return "undefined";
      case "return":
        return emitReturnExpr(this, ctx, e);
      case "block":
        return emitBlock(this, ctx, e);
    }
  }

  /**
   * Return from a script function: the value is computed *before* the call
   * depth is released (a tail call must still count as one frame deeper).
   */
  emitReturn(ctx: Ctx, v: string): void {
    if (ctx.closure) {
      this.emit(`return ${v};`);
      return;
    }
    if (/^[\w$]+$/.test(v)) {
      this.emit(`return ($S[1]++, ${v});`);
      return;
    }
    const r = this.t();
    this.emit(`const ${r} = ${v};`);
    this.emit(`return ($S[1]++, ${r});`);
  }

  /** Declare a result temporary for a lifted value-producing construct (none for unit/never). */
  resultVar(e: Expr): string | undefined {
    const t = this.ty(e);
    if (t.k === "unit" || t.k === "never") return undefined;
    const r = this.t();
    this.emit(`let ${r};`);
    return r;
  }

  /** Strip span markers, producing the source map. */
  finish(text: string): Generated {
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
  "fault",
  "iadd",
  "isub",
  "imul",
  "idiv",
  "irem",
  "ineg",
  "f2i",
  "i2f",
  "eq",
  "cmp",
  "clone",
  "show",
  "showD",
  "showFloat",
  "showUnit",
  "None",
  "Some",
  "Ok",
  "Err",
  "VNull",
  "mkValue",
  "BUILTIN_VARIANTS",
  "idx",
  "midx",
  "fmt_",
  "$out",
  "list_len",
  "list_is_empty",
  "list_clear",
  "list_push",
  "list_pop",
  "list_insert",
  "list_remove",
  "list_get",
  "list_set",
  "list_first",
  "list_last",
  "list_contains",
  "list_index_of",
  "list_any",
  "list_all",
  "list_count",
  "list_find",
  "list_position",
  "list_reverse",
  "list_sort",
  "list_sort_by",
  "list_map",
  "list_filter",
  "list_fold",
  "list_join",
  "list_slice",
  "list_concat",
  "list_map_indexed",
  "list_zip_with",
  "list_sum",
  "list_min",
  "list_max",
  "list_clone",
  "list_each",
  "map_len",
  "map_is_empty",
  "map_clear",
  "map_insert",
  "map_remove",
  "map_get",
  "map_contains_key",
  "map_keys",
  "map_values",
  "map_each",
  "map_map",
  "map_filter",
  "map_clone",
  "string_len",
  "string_bytes_len",
  "string_is_empty",
  "string_split",
  "string_join",
  "string_trim",
  "string_trim_start",
  "string_trim_end",
  "string_to_upper",
  "string_to_lower",
  "string_starts_with",
  "string_ends_with",
  "string_contains",
  "string_find",
  "string_replace",
  "string_repeat",
  "string_pad_left",
  "string_pad_right",
  "string_chars",
  "string_slice",
  "string_parse_int",
  "string_parse_float",
  "string_lines",
  "string_clone",
  "char_is_digit",
  "char_is_alphabetic",
  "char_is_alphanumeric",
  "char_is_whitespace",
  "char_is_uppercase",
  "char_is_lowercase",
  "char_to_upper",
  "char_to_lower",
  "option_is_some",
  "option_is_none",
  "option_unwrap",
  "option_unwrap_or",
  "option_expect",
  "option_unwrap_or_else",
  "option_map",
  "option_and_then",
  "option_ok_or",
  "option_or",
  "option_filter",
  "option_clone",
  "result_is_ok",
  "result_is_err",
  "result_unwrap",
  "result_unwrap_or",
  "result_unwrap_err",
  "result_expect",
  "result_unwrap_or_else",
  "result_map",
  "result_map_err",
  "result_and_then",
  "result_ok",
  "result_err",
  "result_clone",
  "weak_upgrade",
  "WeakBox",
  "value_get",
  "value_at",
  "value_keys",
  "value_len",
  "value_is_null",
  "value_as_bool",
  "value_as_int",
  "value_as_float",
  "value_as_string",
  "value_as_list",
  "value_as_map",
  "value_clone",
];
