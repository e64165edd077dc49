/**
 * The REPL engine behind `vmlab wscript repl` (process_use_repl.md, PRD §8
 * "persistent top-level `let` bindings across lines; acceptable to
 * re-compile incrementally"). Built on a `Session`.
 *
 * Theory of operation. The REPL keeps two things between inputs: the items
 * entered so far (`fn`, `struct`, `use math`, …; a later item with the same
 * name replaces the earlier one) and the bindings (name, static type, live
 * value). One input is split at top-level statement boundaries into items and
 * statements. The statements become the body of a wrapper function whose
 * parameters are the existing bindings, typed as the checker inferred them:
 *
 *     <items so far + new items>
 *     fn __repl_line(xs: List[int], …) {
 *         <the input's statements, verbatim>   // last expression → `let __repl_it = …`
 *         __repl::store("xs", xs) …            // every binding visible at the end
 *     }
 *
 * The program is compiled (all type errors surface, mapped back onto the
 * input), the wrapper runs with the stored values as arguments, and
 * `__repl::store` (a generic host function) collects the values. Items and
 * bindings are committed only when the input compiles, and bindings only when
 * it also runs without a fault, so an error leaves the session as it was.
 * A binding whose type is not fully inferred (e.g. `let f = |x| x`) cannot be
 * written as a parameter type and is dropped with a note.
 *
 * Contract: `eval` never throws; `needsMore` says whether an input is still
 * open (brackets, block comment, trailing operator) so a front end keeps
 * reading lines.
 */
import type { Block, Item } from "./syntax/ast.ts";
import { patternIdents, type BindingRecord } from "./check/checker.ts";
import type { Decls } from "./check/decls.ts";
import { renderDiagnostic, type Diagnostic } from "./syntax/diagnostic.ts";
import { HostModule } from "./host.ts";
import { lex, type Token } from "./syntax/lexer.ts";
import { parse } from "./syntax/parser.ts";
import { show, showD, showUnit, type Desc } from "./rt/core.ts";
import { Session } from "./session.ts";
import { SourceFile, type Span } from "./syntax/span.ts";
import type { Type, Unifier } from "./check/types.ts";
import { renderFault, Vm, type RuntimeError } from "./rt/vm.ts";

/** The composed program's file name (diagnostics outside the input name it). */
const SESSION_FILE = "<session>";
/** The current input's file name in rendered diagnostics and faults. */
const INPUT_FILE = "<input>";
const WRAPPER = "__repl_line";
const IT = "__repl_it";
const STORE_MODULE = "__repl";
const ITEM_KEYWORDS = new Set(["fn", "struct", "enum", "trait", "impl", "use", "const"]);
/** Tokens after which an input cannot be complete. */
const CONTINUES = new Set([
  "+",
  "-",
  "*",
  "/",
  "%",
  "=",
  "==",
  "!=",
  "<",
  "<=",
  ">",
  ">=",
  "&&",
  "||",
  ",",
  ".",
  "::",
  "->",
  "=>",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
]);

export type ReplOutput =
  /** `value` is the rendered value of a final expression (undefined for unit or none); `notes` are informational. */
  | { ok: true; value: string | undefined; notes: string[] }
  /** `error` is rendered text (diagnostics or a fault) ready to print. */
  | { ok: false; error: string };

type Stored = { value: unknown; ty: Type; typeSrc: string };
type Piece = { text: string; input: number | undefined };

/** Builds the composed program and maps its offsets back to the input. */
class Composer {
  private pieces: { at: number; len: number; input: number }[] = [];
  text = "";
  add(p: Piece): void {
    if (p.input !== undefined) this.pieces.push({ at: this.text.length, len: p.text.length, input: p.input });
    this.text += p.text;
  }
  /** The input offset of a composed offset, if it falls in a piece of the input. */
  toInput(offset: number): number | undefined {
    for (const p of this.pieces) if (offset >= p.at && offset <= p.at + p.len) return p.input + offset - p.at;
    return undefined;
  }
  mapSpan(s: Span): Span {
    if (s.file !== SESSION_FILE) return s;
    const a = this.toInput(s.start);
    const b = this.toInput(s.end);
    return a !== undefined && b !== undefined ? { file: INPUT_FILE, start: a, end: b } : s;
  }
}

/** A type in source syntax, or undefined when it cannot be written (not fully inferred). */
function typeSource(u: Unifier, t0: Type): string | undefined {
  const t = u.shallow(t0);
  const all = (ts: Type[]): string[] | undefined => {
    const r = ts.map((x) => typeSource(u, x));
    return r.every((x) => x !== undefined) ? (r as string[]) : undefined;
  };
  switch (t.k) {
    case "int":
    case "float":
    case "bool":
    case "char":
    case "string":
      return t.k;
    case "unit":
      return "()";
    case "list": {
      const e = typeSource(u, t.elem);
      return e && `List[${e}]`;
    }
    case "map": {
      const r = all([t.key, t.val]);
      return r && `Map[${r.join(", ")}]`;
    }
    case "weak": {
      const e = typeSource(u, t.inner);
      return e && `weak[${e}]`;
    }
    case "fn": {
      const r = all([...t.params, t.ret]);
      return r && `fn(${r.slice(0, -1).join(", ")}) -> ${r[r.length - 1]}`;
    }
    case "adt": {
      if (!t.args.length) return t.name;
      const r = all(t.args);
      return r && `${t.name}[${r.join(", ")}]`;
    }
    case "dyn":
      return `dyn ${t.trait}`;
    case "units":
      return t.name;
    case "never":
    case "error":
    case "var":
    case "param":
      return undefined;
  }
}

/** Split an input into top-level segments: items and statements (as [start, end) offsets). */
function segments(tokens: Token[], text: string): { kind: "item" | "stmt"; start: number; end: number }[] {
  const out: { kind: "item" | "stmt"; start: number; end: number }[] = [];
  let depth = 0;
  let first: Token | undefined;
  let last: Token | undefined;
  let attr = false;
  const flush = () => {
    if (!first || !last) return;
    const isItem =
      first.kind === "punct" && first.text === "#"
        ? true
        : first.kind === "ident" && (ITEM_KEYWORDS.has(first.text) || (first.text === "units" && /^units\s+[A-Za-z_]/.test(text.slice(first.span.start))));
    out.push({ kind: isItem ? "item" : "stmt", start: first.span.start, end: last.span.end });
    first = last = undefined;
  };
  for (const t of tokens) {
    if (t.kind === "eof") break;
    if (depth === 0 && (t.kind === "nl" || (t.kind === "punct" && t.text === ";"))) {
      // An attribute line (`#[derive(Eq)]`) belongs to the item after it.
      if (attr) continue;
      flush();
      continue;
    }
    if (t.kind === "punct") {
      if ("([{".includes(t.text)) depth++;
      else if (")]}".includes(t.text)) depth = Math.max(0, depth - 1);
    }
    if (!first) {
      first = t;
      attr = t.kind === "punct" && t.text === "#";
    } else if (attr && depth === 0 && t.kind === "punct" && t.text === "]") {
      last = t;
      attr = false;
      continue;
    }
    last = t;
  }
  flush();
  return out;
}

/** The key under which an item replaces an earlier one. */
function itemKey(it: Item, text: string): string {
  switch (it.kind) {
    case "use":
      return `use:${text.trim()}`;
    case "impl":
      return `impl:${it.trait?.name ?? ""}:${text.slice(it.target.span.start, it.target.span.end)}`;
    default:
      return `${it.kind}:${it.name.name}`;
  }
}

export class Repl {
  private items: { key: string; text: string }[] = [];
  private bindings = new Map<string, Stored>();
  private readonly session: Session;
  private readonly stdout: (s: string) => void;
  private pending = new Map<string, unknown>();

  /** `session` supplies the registered modules (e.g. the stdlib); its resolver serves `use "file" as x`. */
  constructor(session: Session, opts: { stdout?: (s: string) => void } = {}) {
    this.stdout =
      opts.stdout ??
      ((s) => {
        process.stdout.write(s);
      });
    const store = new HostModule(STORE_MODULE).fn("store[T](name: string, v: T)", (name: string, v: unknown) => {
      this.pending.set(name, v);
    });
    const b = Session.builder().resolver(session.context().importResolver);
    for (const m of session.modules()) b.module(m);
    this.session = b.module(store).build();
  }

  /** Names and types of the current bindings. */
  bound(): { name: string; type: string }[] {
    return [...this.bindings].map(([name, b]) => ({ name, type: b.typeSrc }));
  }

  /** Is `input` still open (unclosed bracket or block comment, or ending in an operator)? */
  static needsMore(input: string): boolean {
    const lexed = lex(INPUT_FILE, input);
    if (lexed.diagnostics.some((d) => d.code === "E0006")) return true;
    let depth = 0;
    let last: Token | undefined;
    for (const t of lexed.tokens) {
      if (t.kind === "punct" && "([{".includes(t.text)) depth++;
      else if (t.kind === "punct" && ")]}".includes(t.text)) depth--;
      if (t.kind !== "eof" && t.kind !== "nl") last = t;
    }
    return depth > 0 || (last?.kind === "punct" && CONTINUES.has(last.text));
  }

  /** Evaluate one (possibly multi-line) input. */
  eval(input: string): ReplOutput {
    const segs = segments(lex(INPUT_FILE, input).tokens, input);
    const newItems: { text: string; start: number; key: string }[] = [];
    let body = input;
    for (const s of segs) {
      if (s.kind !== "item") continue;
      const text = input.slice(s.start, s.end);
      const it = parse(INPUT_FILE, text).program.items[0];
      newItems.push({ text, start: s.start, key: it ? itemKey(it, text) : `raw:${text}` });
      body = body.slice(0, s.start) + body.slice(s.start, s.end).replace(/[^\n]/g, " ") + body.slice(s.end);
    }
    // Pass 0 (parse only): the final expression and the names the input binds at top level.
    const probe = parse(INPUT_FILE, `fn ${WRAPPER}() {\n${body}\n}`);
    const wrapperDecl = probe.program.items.find((i) => i.kind === "fn" && i.name.name === WRAPPER);
    const block: Block | undefined = wrapperDecl?.kind === "fn" ? wrapperDecl.body : undefined;
    const shift = `fn ${WRAPPER}() {\n`.length;
    const tailAt = block?.tail ? block.tail.span.start - shift : undefined;
    const newNames = new Set<string>();
    for (const st of block?.stmts ?? []) if (st.kind === "let") for (const id of patternIdents(st.pat)) newNames.add(id.name);

    // Compose the program.
    const keep = newItems.map((n) => n.key);
    const c = new Composer();
    c.add({ text: `use ${STORE_MODULE}\n`, input: undefined });
    for (const it of this.items) if (!keep.includes(it.key)) c.add({ text: `${it.text}\n`, input: undefined });
    for (const it of newItems) {
      c.add({ text: it.text, input: it.start });
      c.add({ text: "\n", input: undefined });
    }
    const params = [...this.bindings].map(([n, b]) => `${n}: ${b.typeSrc}`).join(", ");
    c.add({ text: `fn ${WRAPPER}(${params}) {\n`, input: undefined });
    const bodyStart = c.text.length;
    if (tailAt !== undefined) {
      c.add({ text: body.slice(0, tailAt), input: 0 });
      c.add({ text: `let ${IT} = `, input: undefined });
      c.add({ text: body.slice(tailAt), input: tailAt });
    } else c.add({ text: body, input: 0 });
    const names = [...new Set([...this.bindings.keys(), ...newNames, ...(tailAt !== undefined ? [IT] : [])])];
    c.add({ text: `\n${names.map((n) => `    ${STORE_MODULE}::store("${n}", ${n})\n`).join("")}}\n`, input: undefined });
    const bodyEnd = c.text.length - 1;

    // Compile, watching the bindings the checker infers.
    const records: BindingRecord[] = [];
    let decls: Decls | undefined;
    let unifier: Unifier | undefined;
    const r = this.session.context().compile(SESSION_FILE, c.text, (chk) => {
      chk.onBind = (b) => records.push(b);
      decls = chk.decls;
      unifier = chk.u;
    });
    const inputFile = new SourceFile(INPUT_FILE, input);
    if (!r.ok) {
      const files = new Map([
        [INPUT_FILE, inputFile],
        [SESSION_FILE, new SourceFile(SESSION_FILE, c.text)],
      ]);
      return {
        ok: false,
        error: r.diagnostics
          .map((d): Diagnostic => ({ ...d, span: c.mapSpan(d.span) }))
          .map((d) => renderDiagnostic(d, files))
          .join(""),
      };
    }
    // Items compile: keep them whatever the statements do next.
    this.items = [...this.items.filter((i) => !keep.includes(i.key)), ...newItems.map((n) => ({ key: n.key, text: n.text }))];

    // Run.
    this.pending.clear();
    const vm = new Vm(r.unit, { stdout: this.stdout });
    const res = vm.call(
      WRAPPER,
      [...this.bindings.values()].map((b) => b.value),
    );
    if (!res.ok) {
      const files = new Map([
        [INPUT_FILE, inputFile],
        [SESSION_FILE, new SourceFile(SESSION_FILE, c.text)],
      ]);
      const mapped: RuntimeError = {
        ...res.error,
        span: res.error.span && c.mapSpan(res.error.span),
        trace: res.error.trace
          .filter((t) => t.fn !== WRAPPER || t.span)
          .map((t) => ({ fn: t.fn === WRAPPER ? "<input>" : t.fn, span: t.span && c.mapSpan(t.span) })),
      };
      return { ok: false, error: renderFault(mapped, files) };
    }

    // Commit the bindings visible at the end of the wrapper body.
    const notes: string[] = [];
    const topLevel = (b: BindingRecord) => b.def.file === SESSION_FILE && b.def.start >= bodyStart && b.scope.end >= bodyEnd;
    const next = new Map<string, Stored>();
    let it: { value: unknown; ty: Type } | undefined;
    for (const n of names) {
      if (!this.pending.has(n)) continue;
      const value = this.pending.get(n);
      const rec = records.filter((b) => b.name === n && topLevel(b)).sort((a, b) => b.def.start - a.def.start)[0];
      const prev = this.bindings.get(n);
      const ty = rec?.ty ?? prev?.ty;
      if (!ty || !unifier) continue;
      const resolved = unifier.resolve(ty);
      if (n === IT) {
        it = { value, ty: resolved };
        continue;
      }
      const src = rec ? typeSource(unifier, resolved) : prev?.typeSrc;
      if (src === undefined) {
        notes.push(`note: \`${n}\` has a type that is not fully inferred (${unifier.show(resolved)}); it is not kept — annotate it, e.g. \`let ${n}: … = …\``);
        continue;
      }
      next.set(n, { value, ty: resolved, typeSrc: src });
    }
    this.bindings = next;
    return { ok: true, value: it && unifier ? display(it.value, it.ty, unifier, decls) : undefined, notes };
  }
}

/** Render a result the way a REPL shows it: strings and chars quoted, unit values in their unit. */
function display(v: unknown, t0: Type, u: Unifier, decls: Decls | undefined): string | undefined {
  const t = u.shallow(t0);
  switch (t.k) {
    case "unit":
    case "never":
      return undefined;
    case "char":
      return `'${String(v)}'`;
    case "string":
      return JSON.stringify(v);
    case "units": {
      const fam = decls?.units.get(t.name);
      if (!fam) return show(v);
      const table = [...fam.units].sort((a, b) => b.factor - a.factor).map((x): [string, number] => [x.name, x.factor]);
      return showUnit(v as number, table, t.backing === "int");
    }
    default:
      return showD(v, descOf(u, t), true);
  }
}

/** The display descriptor of a static type (where its floats sit; rt/core.ts `Desc`). */
function descOf(u: Unifier, t0: Type): Desc {
  const t = u.shallow(t0);
  switch (t.k) {
    case "float":
      return 0;
    case "units":
      return t.backing === "float" ? 0 : undefined;
    case "list": {
      const d = descOf(u, t.elem);
      return d === undefined ? undefined : [1, d];
    }
    case "map": {
      const k = descOf(u, t.key);
      const v = descOf(u, t.val);
      return k === undefined && v === undefined ? undefined : [2, k, v];
    }
    case "adt":
      if (t.name === "Option") {
        const d = descOf(u, t.args[0] ?? { k: "error" });
        return d === undefined ? undefined : [3, d];
      }
      if (t.name === "Result") {
        const a = descOf(u, t.args[0] ?? { k: "error" });
        const b = descOf(u, t.args[1] ?? { k: "error" });
        return a === undefined && b === undefined ? undefined : [4, a, b];
      }
      return undefined;
    default:
      return undefined;
  }
}
