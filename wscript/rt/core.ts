/**
 * Runtime core used by generated code: value representation, 64-bit int
 * arithmetic, faults, equality, ordering, cloning and display.
 *
 * Representation (decided for speed and exactness):
 * - `int` is a JS number while it is a safe integer (|v| ≤ 2^53−1) and a
 *   BigInt otherwise — the invariant "number iff safe" keeps `===` and `<`
 *   exact. Arithmetic takes a number fast path and falls back to
 *   `BigInt.asIntN(64, …)` only when a result leaves the safe range, so
 *   wrapping is exact at the i64 edges (fact_primitive_types.md).
 * - `float` is a JS number, `bool` a boolean, `char` a one-code-point
 *   string, `string` a JS string, `unit` `undefined`.
 * - Lists are arrays, maps are `Map`s, structs and enum variants are class
 *   instances (enums carry a numeric tag `$t`, tuple payloads `$0…`),
 *   closures are JS functions, `weak[T]` is a `WeakRef`.
 * Faults are `ScriptFault` exceptions; the VM maps their JS stack to script
 * spans. Leaves out: reference counting (JS is garbage collected, so cycles
 * do not leak and `upgrade()` only yields None after a collection).
 */

const MAX_SAFE = 9007199254740991;

/** A trappable script fault (concept_faults.md). */
export class ScriptFault extends Error {
  constructor(message: string, readonly exitCode?: number) {
    super(message);
  }
}

/** Stack depth captured for a fault's script trace. */
const FAULT_TRACE_DEPTH = 64;

export function fault(msg: string): never {
  const prev = Error.stackTraceLimit;
  Error.stackTraceLimit = FAULT_TRACE_DEPTH;
  const e = new ScriptFault(msg);
  Error.stackTraceLimit = prev;
  throw e;
}

export type Int = number | bigint;

/** Normalise a BigInt to the int representation (wrapping to 64 bits). */
export function norm(b: bigint): Int {
  const w = BigInt.asIntN(64, b);
  return w >= -9007199254740991n && w <= 9007199254740991n ? Number(w) : w;
}
export function iadd(a: Int, b: Int): Int {
  if (typeof a === "number" && typeof b === "number") { const r = a + b; if (r >= -MAX_SAFE && r <= MAX_SAFE) return r; }
  return norm(BigInt(a) + BigInt(b));
}
export function isub(a: Int, b: Int): Int {
  if (typeof a === "number" && typeof b === "number") { const r = a - b; if (r >= -MAX_SAFE && r <= MAX_SAFE) return r; }
  return norm(BigInt(a) - BigInt(b));
}
export function imul(a: Int, b: Int): Int {
  if (typeof a === "number" && typeof b === "number") { const r = a * b; if (r >= -MAX_SAFE && r <= MAX_SAFE) return r + 0; }
  return norm(BigInt(a) * BigInt(b));
}
export function idiv(a: Int, b: Int): Int {
  if (b === 0) fault("division by zero");
  if (typeof a === "number" && typeof b === "number") return Math.trunc(a / b) + 0;
  return norm(BigInt(a) / BigInt(b));
}
export function irem(a: Int, b: Int): Int {
  if (b === 0) fault("remainder by zero");
  if (typeof a === "number" && typeof b === "number") return (a % b) + 0;
  return norm(BigInt(a) % BigInt(b));
}
export function ineg(a: Int): Int {
  return typeof a === "number" ? 0 - a : norm(-a);
}
/** `int(x)` from a float: truncate, NaN → 0, saturate at the i64 bounds (Rust `as`). */
export function f2i(x: number): Int {
  if (Number.isNaN(x)) return 0;
  const t = Math.trunc(x);
  if (t >= -MAX_SAFE && t <= MAX_SAFE) return t + 0;
  if (t >= 9223372036854775807) return 9223372036854775807n;
  if (t <= -9223372036854775808) return -9223372036854775808n;
  return norm(BigInt(t));
}
export function i2f(x: Int): number {
  return typeof x === "number" ? x : Number(x);
}
/** A list index as a JS number, or -1 when it cannot be one. */
function ix(i: Int): number {
  return typeof i === "number" ? i : -1;
}

// ---------- enums built into the language ----------

/** Base of every enum variant instance. */
export class Variant {
  declare $t: number;
  declare $n: string;
  declare $e: string;
  declare $f: [string, string][] | undefined;
  declare $tuple: boolean;
}
function variantClass(enumName: string, name: string, tag: number, arity: number): new (...a: unknown[]) => Variant {
  const C = class extends Variant {
    constructor(...a: unknown[]) {
      super();
      this.$t = tag;
      for (let i = 0; i < arity; i++) (this as unknown as Record<string, unknown>)[`$${i}`] = a[i];
    }
  };
  Object.assign(C.prototype, { $n: name, $e: enumName, $tuple: true, $f: Array.from({ length: arity }, (_, i) => [String(i), `$${i}`]) });
  return C;
}
const SomeC = variantClass("Option", "Some", 1, 1);
const OkC = variantClass("Result", "Ok", 0, 1);
const ErrC = variantClass("Result", "Err", 1, 1);
export const None: Variant = new (variantClass("Option", "None", 0, 0))();
export const Some = (v: unknown): Variant => new SomeC(v);
export const Ok = (v: unknown): Variant => new OkC(v);
export const Err = (v: unknown): Variant => new ErrC(v);

/** The shared dynamic `Value` (fact_value_methods.md), tags in declaration order. */
export const ValueTag = { Null: 0, Bool: 1, Int: 2, Float: 3, String: 4, List: 5, Map: 6 } as const;
const valueClasses = Object.entries(ValueTag).map(([n, t]) => variantClass("Value", n, t, t === 0 ? 0 : 1));
export const VNull: Variant = new (valueClasses[0] as new () => Variant)();
export const mkValue = (tag: number, v: unknown): Variant => tag === 0 ? VNull : new (valueClasses[tag] as new (x: unknown) => Variant)(v);

/** Variant constructors by `Enum::Variant`, for the built-in enums. */
export const BUILTIN_VARIANTS: Record<string, (v?: unknown) => Variant> = {
  "Option::None": () => None, "Option::Some": Some, "Result::Ok": Ok, "Result::Err": Err,
  ...Object.fromEntries(Object.entries(ValueTag).map(([n, t]) => [`Value::${n}`, (v?: unknown) => mkValue(t, v)])),
};

// ---------- equality, ordering, cloning ----------

type Obj = Record<string, unknown> & { $eq?: (a: unknown, b: unknown) => boolean; $cmp?: (a: unknown, b: unknown) => Int; $clone?: (a: unknown) => unknown; $show?: (a: unknown) => string; $f?: [string, string][]; $t?: number };

/** Structural equality (derived Eq), deferring to a custom `Eq` impl. */
export function eq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!eq(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !eq(v, b.get(k))) return false;
    return true;
  }
  const oa = a as Obj;
  if (oa.$eq) return oa.$eq(a, b);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  for (const k in oa) if (!eq(oa[k], (b as Obj)[k])) return false;
  return true;
}

/** Structural ordering (derived Ord): -1, 0 or 1. */
export function cmp(a: unknown, b: unknown): number {
  if (typeof a === "number" || typeof a === "bigint" || typeof a === "string") return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  if (typeof a === "boolean") return a === b ? 0 : a ? 1 : -1;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    const n = Math.min(a.length, bb.length);
    for (let i = 0; i < n; i++) { const c = cmp(a[i], bb[i]); if (c) return c; }
    return a.length < bb.length ? -1 : a.length > bb.length ? 1 : 0;
  }
  if (typeof a === "object" && a !== null) {
    const oa = a as Obj;
    if (oa.$cmp) { const r = oa.$cmp(a, b); return r < 0 ? -1 : r > 0 ? 1 : 0; }
    const ob = b as Obj;
    if (oa.$t !== undefined && oa.$t !== ob.$t) return (oa.$t as number) < (ob.$t as number) ? -1 : 1;
    for (const k in oa) { const c = cmp(oa[k], ob[k]); if (c) return c; }
  }
  return 0;
}

/** Deep copy (derived Clone), deferring to a custom `Clone` impl. */
export function clone<T>(v: T): T {
  if (typeof v !== "object" || v === null || v instanceof WeakRef) return v;
  if (Array.isArray(v)) return v.map(clone) as T;
  if (v instanceof Map) { const m = new Map(); for (const [k, x] of v) m.set(k, clone(x)); return m as T; }
  const o = v as unknown as Obj;
  if (o.$clone) return o.$clone(v) as T;
  if (o.$t !== undefined && Object.keys(o).length === 1) return v;
  const c = Object.create(Object.getPrototypeOf(v)) as Obj;
  for (const k in o) c[k] = clone(o[k]);
  return c as unknown as T;
}

// ---------- display ----------

/** Render a float the way Rust's Display does for common values. */
export function showFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (Number.isInteger(x) && Math.abs(x) < 1e21) return String(x);
  const s = String(x);
  if (!s.includes("e")) return s;
  const [m, e] = s.split("e") as [string, string];
  const exp = Number(e);
  const neg = m.startsWith("-");
  const digits = m.replace("-", "").replace(".", "");
  const point = (m.replace("-", "").indexOf(".") < 0 ? m.replace("-", "").length : m.replace("-", "").indexOf(".")) + exp;
  const body = point <= 0 ? "0." + "0".repeat(-point) + digits : point >= digits.length ? digits + "0".repeat(point - digits.length) : digits.slice(0, point) + "." + digits.slice(point);
  return (neg ? "-" : "") + body;
}

function quote(s: string): string {
  return JSON.stringify(s);
}

/** `str(x)`: display a value (nested strings and chars are quoted). */
export function show(v: unknown, nested = false): string {
  switch (typeof v) {
    case "string": return nested ? (isChar(v) ? `'${v}'` : quote(v)) : v;
    case "number": return showFloat(v);
    case "bigint": return String(v);
    case "boolean": return v ? "true" : "false";
    case "undefined": return "()";
    case "function": return "<fn>";
  }
  if (Array.isArray(v)) return `[${v.map((x) => show(x, true)).join(", ")}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${show(k, true)}: ${show(x, true)}`).join(", ")}}`;
  if (v instanceof WeakRef) return "<weak>";
  const o = v as Obj;
  if (o.$show) return o.$show(v);
  if (o instanceof Variant && o.$e === "Value") return valueToJson(o, false);
  const name = (o as { $n?: string }).$n ?? "?";
  const fields = o.$f ?? [];
  if (!fields.length) return name;
  if ((o as { $tuple?: boolean }).$tuple) return `${name}(${fields.map(([, p]) => show(o[p], true)).join(", ")})`;
  return `${name} { ${fields.map(([n, p]) => `${n}: ${show(o[p], true)}`).join(", ")} }`;
}

/** A char is a one-code-point string; containers quote it with `'`. Strings of one char render as strings. */
function isChar(_s: string): boolean {
  return false;
}

/** Display a unit-family value in the largest unit that names it cleanly (concept_units.md). */
export function showUnit(v: Int | number, units: [string, number][], isInt: boolean): string {
  // `units` is sorted by factor, largest first; the last entry is the base unit.
  if (isInt) {
    const b = BigInt(v);
    if (b === 0n) return `0${units[units.length - 1]?.[0] ?? ""}`;
    for (const [n, f] of units) if (b % BigInt(f) === 0n) return `${b / BigInt(f)}${n}`;
    return String(v);
  }
  const x = v as number;
  if (x === 0) return `0${units[units.length - 1]?.[0] ?? ""}`;
  for (const [n, f] of units) if (Math.abs(x) >= f) return `${showFloat(x / f)}${n}`;
  const base = units[units.length - 1];
  return `${showFloat(x / (base?.[1] ?? 1))}${base?.[0] ?? ""}`;
}

// ---------- Value <-> JSON text (shared by show and the json module) ----------

export function valueToJson(v: unknown, pretty: boolean, indent = ""): string {
  const o = v as Variant & Record<string, unknown>;
  const inner = indent + "  ";
  switch (o.$t) {
    case 0: return "null";
    case 1: return o.$0 ? "true" : "false";
    case 2: return String(o.$0);
    case 3: { const x = o.$0 as number; return Number.isFinite(x) ? (Number.isInteger(x) ? x.toFixed(1) : String(x)) : "null"; }
    case 4: return quote(o.$0 as string);
    case 5: {
      const xs = o.$0 as unknown[];
      if (!xs.length) return "[]";
      if (!pretty) return `[${xs.map((x) => valueToJson(x, false)).join(",")}]`;
      return `[\n${xs.map((x) => inner + valueToJson(x, true, inner)).join(",\n")}\n${indent}]`;
    }
    case 6: {
      const m = o.$0 as Map<string, unknown>;
      const keys = [...m.keys()].sort();
      if (!keys.length) return "{}";
      if (!pretty) return `{${keys.map((k) => `${quote(k)}:${valueToJson(m.get(k), false)}`).join(",")}}`;
      return `{\n${keys.map((k) => `${inner}${quote(k)}: ${valueToJson(m.get(k), true, inner)}`).join(",\n")}\n${indent}}`;
    }
  }
  return "null";
}

export { ix };
