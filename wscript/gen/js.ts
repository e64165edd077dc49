/**
 * JavaScript-level helpers shared by the code generator and its emitters:
 * identifier/property escaping, int literals, and the per-function context.
 */

export const RESERVED = new Set(
  "break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await arguments eval undefined NaN Infinity".split(
    " ",
  ),
);
const PROP_BAD = new Set(["constructor", "__proto__", "prototype", "toString", "valueOf", "hasOwnProperty"]);
/** A script field name as a JS property (escaping names JS objects already use). */
export const prop = (n: string): string => (PROP_BAD.has(n) || n.startsWith("$") ? `${n}$` : n);

/** Per-function emission context: closure-ness, JS names of locals by scope, enclosing loops. */
export type Ctx = { closure: boolean; scopes: Map<string, string>[]; loops: { label: string; result: string | undefined }[] };

/** An int literal: a JS number when it is a safe integer, else a wrapped bigint. */
export function intLit(b: bigint): string {
  if (b >= -9007199254740991n && b <= 9007199254740991n) return b < 0n ? `(${b})` : `${b}`;
  return `${BigInt.asIntN(64, b)}n`;
}
