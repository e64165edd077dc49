/**
 * The checker's per-file and per-function context: what `use` brought into
 * scope, the locals of the function being checked, and the observer record
 * of a binding. Leaf module: the rule files and the Checker share it.
 */
import type { Ident, Pattern, Program } from "../syntax/ast.ts";
import type { Span } from "../syntax/span.ts";
import type { Type } from "./types.ts";

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

/** Expected-type marker for statement position. */
export const DISCARD: Type = { k: "unit" };

/** The names a pattern binds, in source order. */
export function patternIdents(p: Pattern): Ident[] {
  switch (p.kind) {
    case "bind":
      return [p.name];
    case "or":
      return p.alts.flatMap(patternIdents);
    case "variant":
      return [...(p.args ?? []).flatMap(patternIdents), ...(p.fields ?? []).flatMap((f) => patternIdents(f.pat))];
    case "wild":
    case "lit":
      return [];
  }
}
