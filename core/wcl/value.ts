/**
 * Evaluated WCL values and the typed document an evaluation produces.
 *
 * Values are a closed union on `kind`; each remembers the `span` of the
 * expression that produced it so that a schema layer can point at the exact
 * list element or literal at fault. Byte sizes are their own kind (`bytes`,
 * a count of bytes) and never compare equal to integers. The `error` kind
 * marks a value whose evaluation already produced a diagnostic: operations on
 * it yield `error` silently, so one mistake is reported once.
 */
import type { Span } from "./diagnostic.ts";
import type { Expr } from "./ast.ts";
import { formatBytes } from "./units.ts";

export type Value =
  | { readonly kind: "null"; readonly span: Span }
  | { readonly kind: "bool"; readonly value: boolean; readonly span: Span }
  | { readonly kind: "int"; readonly value: number; readonly span: Span }
  | { readonly kind: "float"; readonly value: number; readonly span: Span }
  | { readonly kind: "bytes"; readonly value: number; readonly span: Span }
  | { readonly kind: "string"; readonly value: string; readonly span: Span }
  | { readonly kind: "list"; readonly items: readonly Value[]; readonly span: Span }
  | { readonly kind: "map"; readonly entries: ReadonlyMap<string, Value>; readonly span: Span }
  | { readonly kind: "function"; readonly params: readonly string[]; readonly body: Expr; readonly closure: unknown; readonly span: Span }
  | { readonly kind: "error"; readonly span: Span };

export type ValueKind = Value["kind"];

/** An attribute of an evaluated block. */
export interface DocAttr {
  readonly name: string;
  readonly nameSpan: Span;
  readonly value: Value;
  readonly span: Span;
}

/** An evaluated block: `kind [id] [args…] { attrs… blocks… }`. */
export interface DocBlock {
  readonly kind: string;
  readonly kindSpan: Span;
  readonly id: string | undefined;
  readonly args: readonly Value[];
  readonly attrs: readonly DocAttr[];
  readonly blocks: readonly DocBlock[];
  readonly span: Span;
}

/** The result of evaluating a file and its imports: top-level attributes and blocks. */
export interface Document {
  readonly attrs: readonly DocAttr[];
  readonly blocks: readonly DocBlock[];
  /** Every source that took part (entry first), for rendering diagnostics. */
  readonly sources: ReadonlyMap<string, string>;
}

/** The name of a value's type as users see it in messages. */
export function typeName(v: Value): string {
  switch (v.kind) {
    case "bytes":
      return "byte size";
    case "function":
      return "function";
    default:
      return v.kind;
  }
}

/** Structural equality; ints and floats compare numerically, sizes only with sizes. */
export function valuesEqual(a: Value, b: Value): boolean {
  const num = (v: Value) => (v.kind === "int" || v.kind === "float" ? v.value : undefined);
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  switch (a.kind) {
    case "null":
      return b.kind === "null";
    case "bool":
    case "string":
    case "bytes":
      return b.kind === a.kind && b.value === a.value;
    case "list":
      return b.kind === "list" && a.items.length === b.items.length && a.items.every((x, i) => valuesEqual(x, b.items[i] as Value));
    case "map":
      return (
        b.kind === "map" &&
        a.entries.size === b.entries.size &&
        [...a.entries].every(([k, x]) => {
          const y = b.entries.get(k);
          return y !== undefined && valuesEqual(x, y);
        })
      );
    default:
      return false;
  }
}

/** Text of a value as interpolated into a string. */
export function displayValue(v: Value): string {
  switch (v.kind) {
    case "string":
      return v.value;
    case "null":
      return "null";
    case "bool":
    case "int":
      return String(v.value);
    case "float":
      return Number.isInteger(v.value) ? v.value.toFixed(1) : String(v.value);
    case "bytes":
      return formatBytes(v.value);
    case "list":
      return `[${v.items.map(jsonish).join(", ")}]`;
    case "map":
      return `{${[...v.entries].map(([k, x]) => `${k} = ${jsonish(x)}`).join(", ")}}`;
    case "function":
      return "<function>";
    case "error":
      return "";
  }
}

function jsonish(v: Value): string {
  return v.kind === "string" ? JSON.stringify(v.value) : displayValue(v);
}

/** Convert a value to plain JSON data (sizes become byte counts). */
export function toPlain(v: Value): unknown {
  switch (v.kind) {
    case "null":
    case "error":
    case "function":
      return null;
    case "bool":
    case "int":
    case "float":
    case "bytes":
    case "string":
      return v.value;
    case "list":
      return v.items.map(toPlain);
    case "map":
      return Object.fromEntries([...v.entries].map(([k, x]) => [k, toPlain(x)]));
  }
}

/** The first attribute named `name` in a block, if any. */
export function attr(block: { readonly attrs: readonly DocAttr[] }, name: string): DocAttr | undefined {
  return block.attrs.find((a) => a.name === name);
}
