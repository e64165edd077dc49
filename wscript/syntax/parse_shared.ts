/**
 * What the parser's parts share: the thrown syntax-error carrier (caught at
 * item and statement boundaries, where the parser resynchronises) and the
 * grammar's tables.
 */
import type { Diagnostic } from "./diagnostic.ts";

/** Thrown by `Parser.fail`; caught where the parser can resynchronise. */
export class SyntaxError_ {
  constructor(readonly d: Diagnostic) {}
}

/** Binary operator precedence (higher binds tighter). */
export const PREC: Record<string, number> = {
  "||": 1,
  "&&": 2,
  "==": 3,
  "!=": 3,
  "<": 3,
  "<=": 3,
  ">": 3,
  ">=": 3,
  "+": 4,
  "-": 4,
  "*": 5,
  "/": 5,
  "%": 5,
};
export const ASSIGN_OPS = new Set(["=", "+=", "-=", "*=", "/=", "%="]);
export const ITEM_START = new Set(["fn", "struct", "enum", "trait", "impl", "use", "const", "module", "opaque"]);
/** Maximum nesting of expressions before the parser refuses (keeps the native stack safe). */
export const MAX_DEPTH = 200;
