/**
 * Analysis for editors: what `Session.analyze(path, source)` returns. It runs
 * the front end (parse + check, never code generation) and keeps the
 * checker's tables however partial, so a file with errors still answers
 * questions about its good parts.
 *
 * Contract: `analyze` never throws on bad scripts. Offsets are UTF-16 offsets
 * into a file of `files` (the LSP maps them to line/character). The result
 * holds:
 * - `diagnostics`: every parse and type error of the import graph;
 * - `bindings`: every local (let, parameter, pattern binding) with its type
 *   and the range in which it is visible;
 * - `occurrences`: every name in the source with its hover text and, where
 *   known, the span of its definition (script items, locals, and host items
 *   declared in `.wscripti` files, whose `origin` the manifest loader sets).
 * `hoverAt` / `definitionAt` pick the innermost occurrence at an offset;
 * `membersOf` / `scopeAt` feed completion (complete.ts).
 */
import type { Expr, Item, Pattern, Program, TypeExpr } from "../syntax/ast.ts";
import type { BindingRecord, Checker, FileScope } from "../check/checker.ts";

import type { Context, FrontEnd } from "../compile.ts";
import type { Diagnostic } from "../syntax/diagnostic.ts";
import type { Decls } from "../check/decls.ts";
import { parse } from "../syntax/parser.ts";
import type { SourceFile, Span } from "../syntax/span.ts";
import type { FnSig, Type } from "../check/types.ts";
import { walkProgram } from "../syntax/walk.ts";

/** A name in the source: what hovering shows, and where it is defined. */
export type Occurrence = { span: Span; hover: string; def: Span | undefined };
/** A local binding with its rendered type. */
export type Binding = { name: string; type: string; ty: Type; def: Span; scope: Span; kind: BindingRecord["kind"] };
/** A typed expression (for finding a method call's receiver). */
export type TypedExpr = { span: Span; ty: Type };

const contains = (s: Span, file: string, offset: number): boolean => s.file === file && s.start <= offset && offset <= s.end;
const width = (s: Span): number => s.end - s.start;

export class Analysis {
  readonly diagnostics: readonly Diagnostic[];
  readonly files: ReadonlyMap<string, SourceFile>;
  readonly bindings: Binding[] = [];
  readonly occurrences: Occurrence[] = [];
  readonly exprs: TypedExpr[] = [];
  /** Definition spans of types (`Name`), variants (`Enum::V`), fields (`Struct.f`). */
  private defs = new Map<string, Span>();
  /** Where host items were declared (`mod::fn`, `mod::CONST`, `Type.method`). */
  private hostOrigins = new Map<string, Span>();

  constructor(
    readonly entry: string,
    private fe: FrontEnd,
    readonly ctx: Context,
    records: BindingRecord[],
  ) {
    this.diagnostics = fe.diagnostics;
    this.files = fe.files;
    const c = fe.checker;
    for (const r of records) this.bindings.push({ ...r, type: c.u.show(c.u.resolve(r.ty)) });
    this.indexHost();
    for (const inp of fe.inputs) this.indexDefs(inp.program.items);
    for (const inp of fe.inputs) this.indexOccurrences(inp.program);
  }

  /** The checker's declaration tables (functions, types, methods, host modules). */
  get decls(): Decls {
    return this.fe.checker.decls;
  }
  get checker(): Checker {
    return this.fe.checker;
  }
  /** The `use` scope of a file (undefined for a file outside the graph). */
  fileScope(file: string): FileScope | undefined {
    const mod = this.fe.inputs.find((i) => i.program.file === file)?.module;
    return mod === undefined ? undefined : this.fe.checker.files.get(mod);
  }
  show(t: Type): string {
    return this.fe.checker.u.show(this.fe.checker.u.resolve(t));
  }

  /** The innermost occurrence at `offset`. */
  occurrenceAt(file: string, offset: number): Occurrence | undefined {
    let best: Occurrence | undefined;
    for (const o of this.occurrences) if (contains(o.span, file, offset) && (!best || width(o.span) < width(best.span))) best = o;
    return best;
  }
  hoverAt(file: string, offset: number): { span: Span; text: string } | undefined {
    const o = this.occurrenceAt(file, offset);
    return o ? { span: o.span, text: o.hover } : undefined;
  }
  definitionAt(file: string, offset: number): Span | undefined {
    return this.occurrenceAt(file, offset)?.def;
  }

  /** Locals visible at `offset`, innermost (latest) first, one per name. */
  scopeAt(file: string, offset: number): Binding[] {
    const vis = this.bindings.filter((b) => b.scope.file === file && b.scope.start <= offset && offset <= b.scope.end && b.def.start < offset);
    vis.sort((a, b) => b.def.start - a.def.start);
    const seen = new Set<string>();
    return vis.filter((b) => (seen.has(b.name) ? false : (seen.add(b.name), true)));
  }

  /** The binding a local named `name` at `offset` refers to. */
  private bindingFor(name: string, file: string, offset: number): Binding | undefined {
    return this.scopeAt(file, offset).find((b) => b.name === name);
  }

  /** The outermost expression ending exactly at `end` (a receiver before `.`). */
  exprEndingAt(file: string, end: number): TypedExpr | undefined {
    let best: TypedExpr | undefined;
    for (const e of this.exprs) if (e.span.file === file && e.span.end === end && (!best || width(e.span) > width(best.span))) best = e;
    return best;
  }

  /** Render a signature: `fn name[T: Ord](a: int) -> int`. */
  sigText(name: string, sig: FnSig): string {
    const g = sig.generics.length ? `[${sig.generics.map((x) => (x.bounds.length ? `${x.name}: ${x.bounds.join(" + ")}` : x.name)).join(", ")}]` : "";
    const ps = sig.params.map((p, i) => `${sig.paramNames[i] ?? `a${i}`}: ${this.show(p)}`).join(", ");
    const r = this.fe.checker.u.shallow(sig.ret);
    return `fn ${name}${g}(${ps})${r.k === "unit" ? "" : ` -> ${this.show(sig.ret)}`}`;
  }

  private indexHost(): void {
    for (const m of this.ctx.modules.values()) {
      for (const f of m.fns) if (f.origin) this.hostOrigins.set(`${m.name}::${f.name}`, f.origin);
      for (const k of m.consts) if (k.origin) this.hostOrigins.set(`${m.name}::${k.name}`, k.origin);
      for (const o of m.opaqueTypes) {
        if (o.origin) this.defs.set(o.name, o.origin);
        for (const f of o.methods) if (f.origin) this.hostOrigins.set(`${o.name}.${f.name}`, f.origin);
      }
      m.dataTypes.forEach((src, i) => {
        const at = m.dataTypeOrigins.get(i);
        if (!at) return;
        const shift = (s: Span): Span => ({ file: at.file, start: at.start + s.start, end: at.start + s.end });
        const items = parse("<host>", src).program.items;
        this.indexDefs(items, shift);
      });
    }
  }

  private indexDefs(items: Item[], shift: (s: Span) => Span = (s) => s): void {
    for (const it of items) {
      if (it.kind === "struct") {
        this.defs.set(it.name.name, shift(it.name.span));
        for (const f of it.fields) this.defs.set(`${it.name.name}.${f.name.name}`, shift(f.name.span));
      } else if (it.kind === "enum") {
        this.defs.set(it.name.name, shift(it.name.span));
        for (const v of it.variants) {
          this.defs.set(`${it.name.name}::${v.name.name}`, shift(v.name.span));
          for (const f of v.fields ?? []) this.defs.set(`${it.name.name}::${v.name.name}.${f.name.name}`, shift(f.name.span));
        }
      } else if (it.kind === "trait" || it.kind === "units") this.defs.set(it.name.name, shift(it.name.span));
    }
  }

  private methodInfo(typeName: string, name: string, trait: string | undefined) {
    const ms = this.decls.methods.get(typeName);
    return (trait ? ms?.get(`${trait}::${name}`) : undefined) ?? ms?.get(name);
  }

  private indexOccurrences(program: Program): void {
    const c = this.fe.checker;
    const add = (span: Span, hover: string, def: Span | undefined) => this.occurrences.push({ span, hover, def });
    const typeName = (name: string): string =>
      this.decls.structs.has(name)
        ? "struct"
        : this.decls.enums.has(name)
          ? "enum"
          : this.decls.traits.has(name)
            ? "trait"
            : this.decls.units.has(name)
              ? "units"
              : this.decls.opaque.has(name)
                ? "opaque"
                : "type";
    walkProgram(program, {
      item: (it) => {
        if (it.kind === "struct" || it.kind === "enum" || it.kind === "trait" || it.kind === "units")
          add(it.name.span, `${it.kind} ${it.name.name}`, it.name.span);
        if (it.kind === "struct")
          for (const f of it.fields) {
            const ty = this.decls.structs.get(it.name.name)?.fields.find((x) => x.name === f.name.name)?.ty;
            add(f.name.span, `${it.name.name}.${f.name.name}: ${ty ? this.show(ty) : "?"}`, f.name.span);
          }
        if (it.kind === "enum") for (const v of it.variants) add(v.name.span, `${it.name.name}::${v.name.name}`, v.name.span);
        if (it.kind === "use" && it.path.length) {
          const head = it.path[0] as { name: string; span: Span };
          add(head.span, this.decls.hostModules.has(head.name) ? `module ${head.name} (host)` : `module ${head.name}`, this.moduleFileSpan(head.name));
        }
      },
      fn: (f, owner) => {
        const sig = this.fnSigOf(f.name.name, owner);
        add(f.name.span, sig ? this.sigText(f.name.name, sig) : `fn ${f.name.name}`, f.name.span);
      },
      type: (t: TypeExpr) => {
        if (t.kind !== "named" || t.path.length !== 1) return;
        const n = (t.path[0] as { name: string }).name;
        const d = this.defs.get(n);
        if (d || this.decls.structs.has(n) || this.decls.enums.has(n) || this.decls.opaque.has(n))
          add((t.path[0] as { span: Span }).span, `${typeName(n)} ${n}`, d);
      },
      pattern: (p: Pattern) => {
        if (p.kind === "bind") {
          const b = this.bindings.find((x) => x.def.file === p.name.span.file && x.def.start === p.name.span.start);
          add(p.name.span, `${b?.kind === "param" ? "" : "let "}${p.name.name}: ${b?.type ?? "?"}`, p.name.span);
        } else if (p.kind === "variant" && p.res) {
          const last = p.path[p.path.length - 1];
          if (last) add(last.span, `${p.res.enumName}::${p.res.variant}`, this.defs.get(p.res.struct ? p.res.enumName : `${p.res.enumName}::${p.res.variant}`));
        }
      },
      expr: (e: Expr) => {
        if (e.ty) this.exprs.push({ span: e.span, ty: e.ty });
        this.exprOccurrence(e, add, c);
      },
    });
    // Function parameters are bindings too (their idents are not patterns).
    for (const b of this.bindings) if (b.kind === "param" && b.def.file === program.file) add(b.def, `${b.name}: ${b.type}`, b.def);
  }

  private fnSigOf(name: string, owner: Item): FnSig | undefined {
    if (owner.kind === "fn") {
      for (const fns of this.decls.fns.values()) {
        const f = fns.get(name);
        if (f && f.decl === owner) return f.sig;
      }
      return undefined;
    }
    if (owner.kind === "impl") {
      const t = owner.target.kind === "named" ? owner.target.path.map((p) => p.name).join("::") : "";
      return this.methodInfo(t, name, owner.trait?.name)?.sig;
    }
    if (owner.kind === "trait") return this.decls.traits.get(owner.name.name)?.methods.get(name);
    return undefined;
  }

  private moduleFileSpan(module: string): Span | undefined {
    const inp = this.fe.inputs.find((i) => i.module === module && module !== "");
    return inp ? { file: inp.program.file, start: 0, end: 0 } : undefined;
  }

  private exprOccurrence(e: Expr, add: (s: Span, h: string, d: Span | undefined) => void, c: Checker): void {
    const ty = e.ty ? this.show(e.ty) : "?";
    switch (e.kind) {
      case "path": {
        const name = e.segs.map((s) => s.name).join("::");
        const res = e.res;
        if (!res) return;
        switch (res.kind) {
          case "local": {
            const b = this.bindingFor(name, e.span.file, e.span.start);
            add(e.span, `${name}: ${ty}`, b?.def);
            return;
          }
          case "fn": {
            const f = this.decls.fns.get(res.module ?? "")?.get(res.name);
            add(e.span, f ? this.sigText(name, f.sig) : `${name}: ${ty}`, f?.decl.name.span);
            return;
          }
          case "host": {
            const m = this.decls.hostModules.get(res.module);
            const f = m?.fns.get(res.name);
            const k = m?.consts.get(res.name);
            add(
              e.span,
              f ? this.sigText(`${res.module}::${res.name}`, f.sig) : k ? `const ${res.module}::${res.name}: ${this.show(k.ty)}` : name,
              this.hostOrigins.get(`${res.module}::${res.name}`),
            );
            return;
          }
          case "variant":
            add(e.span, `${res.v.enumName}::${res.v.variant}: ${ty}`, this.defs.get(`${res.v.enumName}::${res.v.variant}`));
            return;
          case "assoc": {
            const m = this.methodInfo(res.typeName, res.name, undefined);
            add(e.span, m ? this.sigText(`${res.typeName}::${res.name}`, m.sig) : name, m?.decl?.name.span);
            return;
          }
          case "unit_ctor":
            add(e.span, `${name}: ${ty}`, this.defs.get(res.family));
            return;
          case "prelude":
            add(e.span, `${name} (prelude)`, undefined);
            return;
        }
        return;
      }
      case "method": {
        const res = e.res;
        const name = e.name.name;
        if (!res) return;
        switch (res.kind) {
          case "user":
          case "host": {
            const m = this.methodInfo(res.typeName, name, res.kind === "user" ? res.trait : undefined);
            const def = res.kind === "user" ? m?.decl?.name.span : this.hostOrigins.get(`${res.typeName}.${name}`);
            add(e.name.span, m ? this.sigText(`${res.typeName}.${name}`, m.sig) : `.${name}() -> ${ty}`, def);
            return;
          }
          case "dyn": {
            const sig = this.decls.traits.get(res.trait)?.methods.get(name);
            add(
              e.name.span,
              sig ? this.sigText(`${res.trait}.${name}`, sig) : `.${name}() -> ${ty}`,
              this.methodInfo(res.trait, name, undefined)?.decl?.name.span,
            );
            return;
          }
          case "builtin": {
            const t = c.tableFor(c.u.shallow(c.u.resolve(res.recvTy)));
            const sig = t ? c.builtinSig(t[0], t[1], name, t[2]) : undefined;
            add(e.name.span, sig ? this.sigText(`${this.show(res.recvTy)}.${name}`, sig) : `.${name}() -> ${ty}`, undefined);
            return;
          }
          default:
            add(e.name.span, `.${name}: ${ty}`, undefined);
            return;
        }
      }
      case "field": {
        const rt = e.recv.ty ? c.u.shallow(c.u.resolve(e.recv.ty)) : undefined;
        const owner = rt?.k === "adt" || rt?.k === "units" ? rt.name : "";
        add(e.name.span, `${owner ? `${owner}.` : ""}${e.name.name}: ${ty}`, this.defs.get(`${owner}.${e.name.name}`));
        return;
      }
      case "struct_lit": {
        const last = e.path[e.path.length - 1];
        if (last && e.res)
          add(
            last.span,
            e.res.struct ? `struct ${e.res.enumName}` : `${e.res.enumName}::${e.res.variant}`,
            this.defs.get(e.res.struct ? e.res.enumName : `${e.res.enumName}::${e.res.variant}`),
          );
        for (const f of e.fields) {
          const key = e.res ? (e.res.struct ? `${e.res.enumName}.${f.name.name}` : `${e.res.enumName}::${e.res.variant}.${f.name.name}`) : "";
          add(f.name.span, `${f.name.name}: ${f.value.ty ? this.show(f.value.ty) : "?"}`, this.defs.get(key));
        }
        return;
      }
      case "int":
      case "float":
      case "str":
      case "char":
      case "bool":
        add(e.span, ty, undefined);
        return;
      default:
        return;
    }
  }
}

/** Run the front end of `ctx` on a file and build its analysis. */
export function analyzeWith(ctx: Context, path: string, source: string): Analysis {
  const records: BindingRecord[] = [];
  const fe = ctx.check(path, source, (c) => {
    c.onBind = (b) => records.push(b);
  });
  return new Analysis(path, fe, ctx, records);
}
