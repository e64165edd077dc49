/**
 * Unary and binary operators over evaluated values.
 *
 * Arithmetic: int∘int → int (integer division truncates), any float → float;
 * byte sizes add/subtract with sizes and scale by numbers (`2 * 4GiB`);
 * `+` also concatenates strings and lists. Comparisons order numbers, sizes
 * and strings; `==`/`!=` are structural. `..` builds the half-open integer
 * range `[a, b)`. `&&`/`||` are handled by the evaluator (short-circuit).
 * Failures are returned as `{ code, message }`, never thrown.
 */
import type { Span } from "./diagnostic.ts";
import type { BinaryOp } from "./ast.ts";
import { typeName, valuesEqual, type Value } from "./value.ts";

/** Longest list a `..` range may produce. */
export const MAX_RANGE = 100_000;

/** A failed operation: a WCL error code and a message. */
export interface OpError {
  readonly code: string;
  readonly message: string;
}

export type OpResult = Value | OpError;

export function isOpError(r: OpResult): r is OpError {
  return "code" in r;
}

const num = (v: Value): number | undefined => (v.kind === "int" || v.kind === "float" ? v.value : undefined);

export function unary(op: "-" | "!", v: Value, span: Span): OpResult {
  if (v.kind === "error") return v;
  if (op === "!") return v.kind === "bool" ? { kind: "bool", value: !v.value, span } : typeError(`\`!\` needs a bool, not ${typeName(v)}`);
  if (v.kind === "int" || v.kind === "float" || v.kind === "bytes") return { kind: v.kind, value: -v.value, span };
  return typeError(`\`-\` needs a number, not ${typeName(v)}`);
}

export function binary(op: Exclude<BinaryOp, "&&" | "||">, a: Value, b: Value, span: Span): OpResult {
  if (a.kind === "error") return a;
  if (b.kind === "error") return b;
  if (op === "==") return { kind: "bool", value: valuesEqual(a, b), span };
  if (op === "!=") return { kind: "bool", value: !valuesEqual(a, b), span };
  const x = num(a);
  const y = num(b);
  if (op === "..") {
    if (a.kind !== "int" || b.kind !== "int") return typeError(`a range needs two integers, not ${typeName(a)} and ${typeName(b)}`);
    const n = Math.max(0, b.value - a.value);
    if (n > MAX_RANGE) return { code: "E028", message: `range ${a.value}..${b.value} has more than ${MAX_RANGE} elements` };
    return { kind: "list", items: Array.from({ length: n }, (_, i) => ({ kind: "int" as const, value: a.value + i, span })), span };
  }
  if (op === "<" || op === "<=" || op === ">" || op === ">=") {
    let c: number | undefined;
    if (x !== undefined && y !== undefined) c = x - y;
    else if (a.kind === "bytes" && b.kind === "bytes") c = a.value - b.value;
    else if (a.kind === "string" && b.kind === "string") c = a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
    if (c === undefined) return typeError(`cannot compare ${typeName(a)} with ${typeName(b)}`);
    const value = op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
    return { kind: "bool", value, span };
  }
  if (op === "+" && a.kind === "string" && b.kind === "string") return { kind: "string", value: a.value + b.value, span };
  if (op === "+" && a.kind === "list" && b.kind === "list") return { kind: "list", items: [...a.items, ...b.items], span };
  if (x !== undefined && y !== undefined) {
    const isInt = a.kind === "int" && b.kind === "int";
    return arith(op, x, y, isInt, span, isInt ? "int" : "float");
  }
  if (a.kind === "bytes" && b.kind === "bytes" && (op === "+" || op === "-")) return arith(op, a.value, b.value, true, span, "bytes");
  if (a.kind === "bytes" && y !== undefined && (op === "*" || op === "/")) return arith(op, a.value, y, true, span, "bytes");
  if (x !== undefined && b.kind === "bytes" && op === "*") return arith(op, x, b.value, true, span, "bytes");
  return typeError(`cannot apply \`${op}\` to ${typeName(a)} and ${typeName(b)}`);
}

function arith(op: "+" | "-" | "*" | "/" | "%", x: number, y: number, integral: boolean, span: Span, kind: "int" | "float" | "bytes"): OpResult {
  if ((op === "/" || op === "%") && y === 0) return { code: "E051", message: "division by zero" };
  let r: number;
  switch (op) {
    case "+":
      r = x + y;
      break;
    case "-":
      r = x - y;
      break;
    case "*":
      r = x * y;
      break;
    case "/":
      r = x / y;
      break;
    case "%":
      r = x % y;
      break;
  }
  if (integral) r = kind === "bytes" ? Math.round(r) : Math.trunc(r);
  return { kind, value: r, span };
}

function typeError(message: string): OpResult {
  return { code: "E050", message };
}
