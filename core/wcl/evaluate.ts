/**
 * The WCL evaluator: syntax tree (+ imports) → typed `Document`.
 *
 * Contract: `evaluate(entry, host)` never throws and never touches the file
 * system itself — sources come from the injected `SourceHost`, so tests run
 * in memory and the CLI reads real files. All problems become diagnostics.
 *
 * Semantics (reference/wcl/syntax.md): `let` bindings are scoped to the body
 * declaring them, order-independent and lazily evaluated (cycles → E041);
 * `export let` bindings of an imported file become visible to the importer.
 * `import "./x.wcl"` splices the file's attributes and blocks in place
 * (relative to the importing file; each file is included once; cycles →
 * E041, depth > MAX_IMPORT_DEPTH → E014); `import <name>` reads a library
 * from the host (E015 if unknown); `import?` tolerates a missing file.
 * `if` (bool condition, E026) and `for x[, i] in list` (E025) splice their
 * bodies into the enclosing block, each iteration in its own scope.
 * Duplicate attributes in one block → E031, duplicate inline ids → E030.
 *
 * Left out: glob and lazy imports, everything E190 covers in the parser.
 */
import { dirname, resolve } from "node:path";
import { error, type Diagnostic, type Span } from "./diagnostic.ts";
import type { Block, Expr, Item } from "./ast.ts";
import { parse } from "./parser.ts";
import { BUILTIN_NAMES, UNSUPPORTED_FUNCTIONS, builtin } from "./builtins.ts";
import { binary, isOpError, unary, type OpResult } from "./operators.ts";
import { didYouMean } from "./suggest.ts";
import { displayValue, typeName, type DocAttr, type DocBlock, type Document, type Value } from "./value.ts";

/** Deepest chain of nested imports. */
export const MAX_IMPORT_DEPTH = 32;
/** Total `for` iterations allowed in one evaluation (E028 beyond). */
export const MAX_ITERATIONS = 100_000;
/** Deepest lambda call chain (E029 beyond). */
export const MAX_CALL_DEPTH = 256;

/** Where sources come from. */
export interface SourceHost {
  /** Text of the file at an absolute path, or undefined when it cannot be read. */
  read(path: string): string | undefined;
  /** Text of the library named in `import <name>`, or undefined when unknown. */
  library(name: string): string | undefined;
}

export interface EvalResult {
  readonly document: Document;
  readonly diagnostics: Diagnostic[];
}

interface Binding {
  state: "pending" | "busy" | "done";
  readonly expr: Expr | undefined;
  readonly scope: Scope;
  value: Value | undefined;
  readonly exported: boolean;
  readonly span: Span;
}

class Scope {
  readonly vars = new Map<string, Binding>();
  constructor(readonly parent: Scope | undefined) {}
  lookup(name: string): Binding | undefined {
    return this.vars.get(name) ?? this.parent?.lookup(name);
  }
  names(): string[] {
    return [...this.vars.keys(), ...(this.parent?.names() ?? [])];
  }
}

interface Sink {
  readonly attrs: DocAttr[];
  readonly blocks: DocBlock[];
  readonly ids: Map<string, Span>;
}

/** Evaluate the file at absolute path `entry` (read through `host`). */
export function evaluate(entry: string, host: SourceHost): EvalResult {
  const ev = new Evaluator(host);
  const sink: Sink = { attrs: [], blocks: [], ids: new Map() };
  const text = host.read(entry);
  if (text === undefined) {
    ev.diagnostics.push(error("E010", `cannot read \`${entry}\``, { file: entry, start: 0, end: 0 }, { name: entry }));
  } else {
    ev.evalFile(entry, text, new Scope(undefined), sink, 0);
  }
  return { document: { attrs: sink.attrs, blocks: sink.blocks, sources: ev.sources }, diagnostics: ev.diagnostics };
}

/** Evaluate source text held in memory (imports resolve through `host`, none by default). */
export function evaluateSource(text: string, file: string, host: SourceHost = { read: () => undefined, library: () => undefined }): EvalResult {
  return evaluate(file, { read: (p) => (p === file ? text : host.read(p)), library: (n) => host.library(n) });
}

class Evaluator {
  readonly diagnostics: Diagnostic[] = [];
  readonly sources = new Map<string, string>();
  private readonly importStack: string[] = [];
  private readonly included = new Set<string>();
  private iterations = 0;
  private callDepth = 0;

  constructor(private readonly host: SourceHost) {}

  private report(code: string, message: string, span: Span, name?: string, hint?: string): Value {
    this.diagnostics.push(error(code, message, span, { name, hint }));
    return { kind: "error", span };
  }

  evalFile(file: string, text: string, fileScope: Scope, sink: Sink, depth: number): void {
    this.sources.set(file, text);
    this.included.add(file);
    this.importStack.push(file);
    const parsed = parse(text, file);
    this.diagnostics.push(...parsed.diagnostics);
    this.evalBody(parsed.file.items, fileScope, sink, file, depth, true);
    this.importStack.pop();
  }

  /** Evaluate `items` into `sink`; `reuseScope` evaluates directly in `scope` (file level). */
  private evalBody(items: readonly Item[], parent: Scope, sink: Sink, file: string, depth: number, reuseScope = false): void {
    const scope = reuseScope ? parent : new Scope(parent);
    for (const item of items) {
      if (item.type === "let") {
        const prior = scope.vars.get(item.name);
        if (prior !== undefined) {
          this.report("E030", `\`${item.name}\` is already defined in this scope`, item.nameSpan, item.name);
          continue;
        }
        scope.vars.set(item.name, { state: "pending", expr: item.value, scope, value: undefined, exported: item.exported, span: item.nameSpan });
      } else if (item.type === "import") {
        this.evalImport(item, scope, sink, file, depth);
      }
    }
    for (const item of items) {
      switch (item.type) {
        case "let":
          this.force(item.name, scope.vars.get(item.name), item.nameSpan);
          break;
        case "attr": {
          const value = this.evalExpr(item.value, scope);
          if (sink.attrs.some((a) => a.name === item.name)) {
            this.report("E031", `attribute \`${item.name}\` is set more than once`, item.nameSpan, item.name, "remove one of the assignments");
            break;
          }
          sink.attrs.push({ name: item.name, nameSpan: item.nameSpan, value, span: item.span });
          break;
        }
        case "block":
          this.evalBlock(item, scope, sink, file, depth);
          break;
        case "if": {
          const c = this.evalExpr(item.cond, scope);
          if (c.kind === "error") break;
          if (c.kind !== "bool") {
            this.report("E026", `an \`if\` condition must be a bool, not ${typeName(c)}`, item.cond.span);
            break;
          }
          const branch = c.value ? item.then : item.else;
          if (branch) this.evalBody(branch, scope, sink, file, depth);
          break;
        }
        case "for": {
          const it = this.evalExpr(item.iterable, scope);
          if (it.kind === "error") break;
          if (it.kind !== "list") {
            this.report("E025", `a \`for\` loop needs a list, not ${typeName(it)}`, item.iterable.span);
            break;
          }
          for (let i = 0; i < it.items.length; i++) {
            if (++this.iterations > MAX_ITERATIONS) {
              this.report("E028", `more than ${MAX_ITERATIONS} loop iterations`, item.span);
              return;
            }
            const loop = new Scope(scope);
            const bind = (name: string, value: Value) =>
              loop.vars.set(name, { state: "done", expr: undefined, scope: loop, value, exported: false, span: item.span });
            bind(item.name, it.items[i] as Value);
            if (item.index !== undefined) bind(item.index, { kind: "int", value: i, span: item.span });
            this.evalBody(item.body, loop, sink, file, depth, true);
          }
          break;
        }
        case "import":
        case "unsupported":
          break;
      }
    }
  }

  private evalBlock(block: Block, scope: Scope, sink: Sink, file: string, depth: number): void {
    const args = block.args.map((a) => this.evalExpr(a, scope));
    if (block.id) {
      const prev = sink.ids.get(block.id.text);
      if (prev) this.report("E030", `duplicate block id \`${block.id.text}\``, block.id.span, block.id.text);
      else sink.ids.set(block.id.text, block.id.span);
    }
    const inner: Sink = { attrs: [], blocks: [], ids: new Map() };
    this.evalBody(block.body, scope, inner, file, depth);
    sink.blocks.push({ kind: block.kind, kindSpan: block.kindSpan, id: block.id?.text, args, attrs: inner.attrs, blocks: inner.blocks, span: block.span });
  }

  private evalImport(item: Extract<Item, { type: "import" }>, scope: Scope, sink: Sink, file: string, depth: number): void {
    if (depth + 1 > MAX_IMPORT_DEPTH) {
      this.report("E014", `imports nested deeper than ${MAX_IMPORT_DEPTH}`, item.span, item.path);
      return;
    }
    let target: string;
    let text: string | undefined;
    if (item.library) {
      target = `<${item.path}>`;
      text = this.host.library(item.path);
      if (text === undefined) {
        if (!item.optional) this.report("E015", `library \`${item.path}\` not found`, item.span, item.path, "the built-in library is `<vmlab.wcl>`");
        return;
      }
    } else {
      if (item.path.includes("*")) {
        this.report("E190", "glob imports are not supported", item.span, item.path, "import each file by name");
        return;
      }
      target = resolve(file.startsWith("<") ? "." : dirname(file), item.path);
      if (this.importStack.includes(target)) {
        this.report("E041", `import cycle: ${[...this.importStack, target].join(" → ")}`, item.span, item.path);
        return;
      }
      if (this.included.has(target)) return this.shareExports(target, scope);
      text = this.host.read(target);
      if (text === undefined) {
        if (!item.optional) this.report("E010", `imported file \`${item.path}\` not found`, item.span, item.path, `looked for ${target}`);
        return;
      }
    }
    if (this.included.has(target)) return this.shareExports(target, scope);
    const fileScope = new Scope(undefined);
    this.fileScopes.set(target, fileScope);
    this.evalFile(target, text, fileScope, sink, depth + 1);
    this.shareExports(target, scope);
  }

  private readonly fileScopes = new Map<string, Scope>();

  private shareExports(target: string, into: Scope): void {
    for (const [name, b] of this.fileScopes.get(target)?.vars ?? []) if (b.exported && !into.vars.has(name)) into.vars.set(name, b);
  }

  private force(name: string, b: Binding | undefined, at: Span): Value {
    if (b === undefined) return { kind: "error", span: at };
    if (b.state === "done") return b.value as Value;
    if (b.state === "busy") return this.report("E041", `\`${name}\` is defined in terms of itself`, b.span, name);
    b.state = "busy";
    const v = b.expr ? this.evalExpr(b.expr, b.scope) : ({ kind: "null", span: at } as Value);
    b.value = v;
    b.state = "done";
    return v;
  }

  private fromOp(r: OpResult, span: Span): Value {
    return isOpError(r) ? this.report(r.code, r.message, span) : r;
  }

  evalExpr(e: Expr, scope: Scope): Value {
    switch (e.type) {
      case "null":
        return { kind: "null", span: e.span };
      case "bool":
      case "int":
      case "float":
      case "bytes":
        return { kind: e.type, value: e.value, span: e.span } as Value;
      case "string": {
        let s = "";
        for (const p of e.parts) {
          if (p.kind === "text") {
            s += p.text;
            continue;
          }
          const v = this.evalExpr(p.expr, scope);
          if (v.kind === "error") return v;
          if (v.kind === "function") return this.report("E050", "cannot interpolate a function", p.expr.span);
          s += displayValue(v);
        }
        return { kind: "string", value: s, span: e.span };
      }
      case "ident": {
        const b = scope.lookup(e.name);
        if (b === undefined)
          return this.report("E040", `\`${e.name}\` is not defined`, e.span, e.name, didYouMean(e.name, scope.names()) ?? "declare it with `let`");
        const v = this.force(e.name, b, e.span);
        return v;
      }
      case "list":
        return { kind: "list", items: e.items.map((x) => this.evalExpr(x, scope)), span: e.span };
      case "map": {
        const entries = new Map<string, Value>();
        for (const m of e.entries) {
          if (entries.has(m.key)) this.report("E031", `map key \`${m.key}\` appears more than once`, m.keySpan, m.key);
          entries.set(m.key, this.evalExpr(m.value, scope));
        }
        return { kind: "map", entries, span: e.span };
      }
      case "unary":
        return this.fromOp(unary(e.op, this.evalExpr(e.operand, scope), e.span), e.span);
      case "binary": {
        const l = this.evalExpr(e.left, scope);
        if (e.op === "&&" || e.op === "||") {
          if (l.kind === "error") return l;
          if (l.kind !== "bool") return this.report("E050", `\`${e.op}\` needs bools, not ${typeName(l)}`, e.left.span);
          if (l.value === (e.op === "||")) return { kind: "bool", value: l.value, span: e.span };
          const r = this.evalExpr(e.right, scope);
          if (r.kind === "error") return r;
          if (r.kind !== "bool") return this.report("E050", `\`${e.op}\` needs bools, not ${typeName(r)}`, e.right.span);
          return { kind: "bool", value: r.value, span: e.span };
        }
        return this.fromOp(binary(e.op, l, this.evalExpr(e.right, scope), e.span), e.span);
      }
      case "ternary": {
        const c = this.evalExpr(e.cond, scope);
        if (c.kind === "error") return c;
        if (c.kind !== "bool") return this.report("E026", `a ternary condition must be a bool, not ${typeName(c)}`, e.cond.span);
        return this.evalExpr(c.value ? e.then : e.else, scope);
      }
      case "call":
        return this.evalCall(e, scope);
      case "index": {
        const t = this.evalExpr(e.target, scope);
        const i = this.evalExpr(e.index, scope);
        if (t.kind === "error" || i.kind === "error") return { kind: "error", span: e.span };
        if (t.kind === "list" && i.kind === "int") {
          const v = t.items[i.value < 0 ? t.items.length + i.value : i.value];
          return v ?? this.report("E054", `index ${i.value} is out of bounds for a list of ${t.items.length}`, e.index.span);
        }
        if (t.kind === "map" && i.kind === "string")
          return t.entries.get(i.value) ?? this.report("E054", `no key \`${i.value}\` in the map`, e.index.span, i.value);
        return this.report("E050", `cannot index ${typeName(t)} with ${typeName(i)}`, e.span);
      }
      case "member": {
        const t = this.evalExpr(e.target, scope);
        if (t.kind === "error") return t;
        if (t.kind !== "map") return this.report("E050", `cannot read \`.${e.name}\` of ${typeName(t)}`, e.span, e.name);
        return t.entries.get(e.name) ?? this.report("E054", `no key \`${e.name}\` in the map`, e.span, e.name, didYouMean(e.name, t.entries.keys()));
      }
      case "lambda":
        return { kind: "function", params: e.params, body: e.body, closure: scope, span: e.span };
      case "paren":
        return this.evalExpr(e.inner, scope);
      case "unsupported":
      case "invalid":
        return { kind: "error", span: e.span };
    }
  }

  private evalCall(e: Extract<Expr, { type: "call" }>, scope: Scope): Value {
    const args = e.args.map((a) => this.evalExpr(a, scope));
    const local = scope.lookup(e.callee);
    if (local !== undefined) return this.apply(this.force(e.callee, local, e.calleeSpan), args, e.span);
    const f = builtin(e.callee);
    if (f !== undefined)
      return this.fromOp(
        f(args, e.span, (fn, xs) => this.apply(fn, xs, e.span)),
        e.span,
      );
    if (UNSUPPORTED_FUNCTIONS.has(e.callee)) return this.report("E190", `function \`${e.callee}\` is not supported`, e.calleeSpan, e.callee);
    return this.report("E052", `unknown function \`${e.callee}\``, e.calleeSpan, e.callee, didYouMean(e.callee, BUILTIN_NAMES));
  }

  private apply(fn: Value, args: readonly Value[], span: Span): Value {
    if (fn.kind === "error") return fn;
    if (fn.kind !== "function") return this.report("E050", `cannot call ${typeName(fn)}`, span);
    if (args.length !== fn.params.length) return this.report("E050", `function takes ${fn.params.length} argument(s), got ${args.length}`, span);
    if (this.callDepth >= MAX_CALL_DEPTH) return this.report("E029", `calls nested deeper than ${MAX_CALL_DEPTH}`, span);
    const s = new Scope(fn.closure as Scope);
    fn.params.forEach((p, i) => s.vars.set(p, { state: "done", expr: undefined, scope: s, value: args[i] as Value, exported: false, span: fn.span }));
    this.callDepth++;
    try {
      return this.evalExpr(fn.body, s);
    } finally {
      this.callDepth--;
    }
  }
}
