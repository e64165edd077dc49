/**
 * Completion for editors: what may be typed at an offset of a script.
 *
 * Three contexts, decided from the text before the cursor:
 * - `recv.pre|` — the members of the receiver's type (built-in methods, struct
 *   fields, script/host/trait methods, unit names). The text being typed is
 *   usually broken, so the receiver is found in an analysis of the text with
 *   `.pre` blanked out (same offsets, now a well-formed expression);
 * - `name::pre|` — module members (host functions and constants, script
 *   functions), enum variants, associated functions, unit constructors;
 * - otherwise — locals visible at the cursor, the file's functions and
 *   imports, modules, types, prelude functions and keywords.
 * `complete` never throws; items are sorted by label and filtered by prefix.
 */
import type { Analysis } from "./analysis.ts";
import { PRELUDE } from "../check/builtins.ts";
import type { Type } from "../check/types.ts";

export type CompletionKind =
  | "variable"
  | "function"
  | "method"
  | "field"
  | "module"
  | "struct"
  | "enum"
  | "variant"
  | "constant"
  | "keyword"
  | "unit"
  | "trait";
export type CompletionItem = { label: string; kind: CompletionKind; detail: string };

const KEYWORDS = [
  "fn",
  "let",
  "if",
  "else",
  "match",
  "while",
  "loop",
  "for",
  "in",
  "break",
  "continue",
  "return",
  "struct",
  "enum",
  "impl",
  "trait",
  "use",
  "const",
  "units",
  "true",
  "false",
  "self",
];

/**
 * Completions at `offset` of `text` (the file `path`). `analyze` analyses a
 * version of the text (called at most twice).
 */
export function complete(analyze: (text: string) => Analysis, path: string, text: string, offset: number): CompletionItem[] {
  const before = text.slice(0, offset);
  const member = /\.\s*([A-Za-z_]\w*)?$/.exec(before);
  if (member && !/\d\.\s*$/.test(before.slice(0, member.index + 1))) {
    const dot = member.index;
    const patched = text.slice(0, dot) + " ".repeat(offset - dot) + text.slice(offset);
    const a = analyze(patched);
    let end = dot;
    while (end > 0 && /\s/.test(text[end - 1] ?? "")) end--;
    const recv = a.exprEndingAt(path, end);
    return filter(recv ? membersOf(a, recv.ty) : [], member[1] ?? "");
  }
  const a = analyze(text);
  const path2 = /([A-Za-z_]\w*)::([A-Za-z_]\w*)?$/.exec(before);
  if (path2) return filter(pathMembers(a, path, path2[1] as string), path2[2] ?? "");
  const word = /[A-Za-z_]\w*$/.exec(before)?.[0] ?? "";
  if (/\buse\s+\w*$/.test(before))
    return filter(
      [...a.decls.hostModules.keys()].filter((m) => !m.startsWith("<")).map((m) => ({ label: m, kind: "module" as const, detail: "host module" })),
      word,
    );
  return filter(scopeItems(a, path, offset - word.length), word);
}

function filter(items: CompletionItem[], prefix: string): CompletionItem[] {
  const seen = new Set<string>();
  return items
    .filter((i) => i.label.startsWith(prefix) && !i.label.startsWith("<") && (seen.has(i.label) ? false : (seen.add(i.label), true)))
    .sort((x, y) => x.label.localeCompare(y.label));
}

/** Members reachable with `.` on a value of type `t`. */
export function membersOf(a: Analysis, t0: Type): CompletionItem[] {
  const c = a.checker;
  const t = c.u.shallow(c.u.resolve(t0));
  const out: CompletionItem[] = [];
  const table = c.tableFor(t);
  if (table) {
    for (const name of Object.keys(table[0])) {
      const sig = c.builtinSig(table[0], table[1], name, table[2]);
      out.push({ label: name, kind: "method", detail: sig ? a.sigText(name, sig) : name });
    }
  }
  if (t.k === "adt" || t.k === "units") {
    for (const f of a.decls.structs.get(t.name)?.fields ?? []) out.push({ label: f.name, kind: "field", detail: `${f.name}: ${a.show(f.ty)}` });
    for (const m of a.decls.methods.get(t.name)?.values() ?? []) if (m.hasSelf) out.push({ label: m.name, kind: "method", detail: a.sigText(m.name, m.sig) });
    if (t.k === "units") for (const u of a.decls.units.get(t.name)?.units ?? []) out.push({ label: u.name, kind: "unit", detail: `${u.name}: ${t.backing}` });
    if (t.k === "adt" && c.implements(t, "Clone") && !table) out.push({ label: "clone", kind: "method", detail: `fn clone() -> ${a.show(t)}` });
  }
  if (t.k === "dyn") for (const [n, sig] of a.decls.traits.get(t.trait)?.methods ?? []) out.push({ label: n, kind: "method", detail: a.sigText(n, sig) });
  if (t.k === "param")
    for (const b of t.bounds) for (const [n, sig] of a.decls.traits.get(b)?.methods ?? []) out.push({ label: n, kind: "method", detail: a.sigText(n, sig) });
  return out;
}

/** Items reachable as `head::…`. */
function pathMembers(a: Analysis, path: string, head: string): CompletionItem[] {
  const out: CompletionItem[] = [];
  const scope = a.fileScope(path);
  const mod = scope?.modules.get(head) ?? (a.decls.hostModules.has(head) ? { kind: "host" as const, name: head } : undefined);
  if (mod?.kind === "host") {
    const m = a.decls.hostModules.get(mod.name);
    for (const [n, f] of m?.fns ?? []) out.push({ label: n, kind: "function", detail: a.sigText(`${mod.name}::${n}`, f.sig) });
    for (const [n, k] of m?.consts ?? []) out.push({ label: n, kind: "constant", detail: `const ${n}: ${a.show(k.ty)}` });
  } else if (mod?.kind === "script") {
    for (const [n, f] of a.decls.fns.get(mod.name) ?? []) out.push({ label: n, kind: "function", detail: a.sigText(`${mod.name}::${n}`, f.sig) });
  }
  for (const v of a.decls.enums.get(head)?.variants ?? []) out.push({ label: v.name, kind: "variant", detail: `${head}::${v.name}` });
  for (const m of a.decls.methods.get(head)?.values() ?? [])
    if (!m.hasSelf) out.push({ label: m.name, kind: "function", detail: a.sigText(`${head}::${m.name}`, m.sig) });
  for (const u of a.decls.units.get(head)?.units ?? []) out.push({ label: u.name, kind: "unit", detail: `${head}::${u.name}` });
  return out;
}

/** Names visible at `offset` with no qualifier. */
function scopeItems(a: Analysis, path: string, offset: number): CompletionItem[] {
  const out: CompletionItem[] = [];
  for (const b of a.scopeAt(path, offset)) out.push({ label: b.name, kind: "variable", detail: `${b.name}: ${b.type}` });
  const scope = a.fileScope(path);
  for (const [n, f] of a.decls.fns.get(scope?.module ?? "") ?? []) out.push({ label: n, kind: "function", detail: a.sigText(n, f.sig) });
  for (const [alias, m] of scope?.modules ?? []) out.push({ label: alias, kind: "module", detail: `module ${m.name}` });
  for (const [n, it] of scope?.items ?? []) {
    const f = it.kind === "host" ? a.decls.hostModules.get(it.module)?.fns.get(it.name) : a.decls.fns.get(it.module)?.get(it.name);
    out.push({ label: n, kind: "function", detail: f ? a.sigText(`${it.module}::${it.name}`, f.sig) : `${it.module}::${it.name}` });
  }
  for (const n of a.decls.structs.keys()) out.push({ label: n, kind: "struct", detail: `struct ${n}` });
  for (const n of a.decls.enums.keys()) out.push({ label: n, kind: "enum", detail: `enum ${n}` });
  for (const n of a.decls.traits.keys()) out.push({ label: n, kind: "trait", detail: `trait ${n}` });
  for (const n of ["Some", "None", "Ok", "Err"]) out.push({ label: n, kind: "variant", detail: n });
  for (const n of PRELUDE) out.push({ label: n, kind: "function", detail: `${n} (prelude)` });
  for (const k of KEYWORDS) out.push({ label: k, kind: "keyword", detail: "keyword" });
  return out;
}
