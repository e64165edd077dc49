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
 *   closures are JS functions, `weak[T]` is a `WeakBox` (below).
 * Faults are `ScriptFault` exceptions; the VM maps their JS stack to script
 * spans. Memory is the engine's garbage collector; the one place reference
 * counting is observable — `upgrade()` of a weak reference — is answered
 * deterministically by reachability from the program's live locals (see
 * `WeakBox`). A strong cycle unreachable from every local therefore reads as
 * dropped, where pure reference counting would leak it.
 */

const MAX_SAFE = 9007199254740991;

/** A trappable script fault (concept_faults.md). */
export class ScriptFault extends Error {
  constructor(
    message: string,
    readonly exitCode?: number,
  ) {
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
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b;
    if (r >= -MAX_SAFE && r <= MAX_SAFE) return r;
  }
  return norm(BigInt(a) + BigInt(b));
}
export function isub(a: Int, b: Int): Int {
  if (typeof a === "number" && typeof b === "number") {
    const r = a - b;
    if (r >= -MAX_SAFE && r <= MAX_SAFE) return r;
  }
  return norm(BigInt(a) - BigInt(b));
}
export function imul(a: Int, b: Int): Int {
  if (typeof a === "number" && typeof b === "number") {
    const r = a * b;
    if (r >= -MAX_SAFE && r <= MAX_SAFE) return r + 0;
  }
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
function variantClass(enumName: string, name: string, tag: number, arity: 0 | 1): new (...a: unknown[]) => Variant {
  // One constructor per arity: no rest array and a fixed shape, so construction stays cheap (Some, Ok, Value nodes).
  const C =
    arity === 0
      ? class extends Variant {
          constructor() {
            super();
            this.$t = tag;
          }
        }
      : class extends Variant {
          declare $0: unknown;
          constructor(a: unknown) {
            super();
            this.$t = tag;
            this.$0 = a;
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
export const mkValue = (tag: number, v: unknown): Variant => (tag === 0 ? VNull : new (valueClasses[tag] as new (x: unknown) => Variant)(v));
/** Monomorphic constructors of the Value variants, for parsers building many nodes. */
type VC = new (x: unknown) => Variant;
export const [, VBool, VInt, VFloat, VString, VList, VMap] = valueClasses as unknown as [unknown, VC, VC, VC, VC, VC, VC];

/** Variant constructors by `Enum::Variant`, for the built-in enums. */
export const BUILTIN_VARIANTS: Record<string, (v?: unknown) => Variant> = {
  "Option::None": () => None,
  "Option::Some": Some,
  "Result::Ok": Ok,
  "Result::Err": Err,
  ...Object.fromEntries(Object.entries(ValueTag).map(([n, t]) => [`Value::${n}`, (v?: unknown) => mkValue(t, v)])),
};

// ---------- weak references ----------

/**
 * `weak(x)`: holds its target, but `upgrade()` yields it only while the
 * target is reachable from a live local of the script (programs that take
 * weak references keep their locals in a root list; gen/codegen.ts). Once
 * found unreachable the box forgets the target for good, like a count that
 * reached zero.
 */
export class WeakBox {
  constructor(public target: object | undefined) {}
}

/** Is `target` reachable from `roots` through lists, maps, struct fields and payloads (not through weak boxes)? */
export function reachable(target: object, roots: readonly unknown[]): boolean {
  const seen = new Set<object>();
  const stack: unknown[] = [...roots];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v !== "object" || v === null || v instanceof WeakBox) continue;
    if (v === target) return true;
    if (seen.has(v)) continue;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
      continue;
    }
    if (v instanceof Map) {
      for (const [k, x] of v) {
        stack.push(k);
        stack.push(x);
      }
      continue;
    }
    for (const k in v) stack.push((v as Record<string, unknown>)[k]);
  }
  return false;
}

// ---------- equality, ordering, cloning ----------

type Obj = Record<string, unknown> & {
  $eq?: (a: unknown, b: unknown) => boolean;
  $cmp?: (a: unknown, b: unknown) => Int;
  $clone?: (a: unknown) => unknown;
  $show?: (a: unknown) => string;
  $f?: [string, string][];
  $t?: number;
};

/**
 * Deep operations over values that may nest arbitrarily or reach themselves
 * (a struct in its own list): the outermost call turns a native stack
 * overflow into a script fault naming the operation, raised at the script's
 * call site so the fault carries its stack trace (concept_faults.md).
 */
let deep = false;
function tooDeep(e: unknown, what: string): never {
  if (e instanceof RangeError && /call stack/i.test(e.message))
    fault(`value nesting too deep in ${what} (does the value reach itself? compare cyclic values with same())`);
  throw e;
}

/** Structural equality (derived Eq), deferring to a custom `Eq` impl. */
export function eq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (deep) return eqIn(a, b);
  deep = true;
  try {
    return eqIn(a, b);
  } catch (e) {
    deep = false;
    return tooDeep(e, "`==`");
  } finally {
    deep = false;
  }
}
function eqIn(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!eqIn(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !eqIn(v, b.get(k))) return false;
    return true;
  }
  const oa = a as Obj;
  if (oa.$eq) return oa.$eq(a, b);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  for (const k in oa) if (!eqIn(oa[k], (b as Obj)[k])) return false;
  return true;
}

/** Structural ordering (derived Ord): -1, 0 or 1. */
export function cmp(a: unknown, b: unknown): number {
  if (typeof a !== "object" || a === null || deep) return cmpIn(a, b);
  deep = true;
  try {
    return cmpIn(a, b);
  } catch (e) {
    deep = false;
    return tooDeep(e, "ordering");
  } finally {
    deep = false;
  }
}
function cmpIn(a: unknown, b: unknown): number {
  if (typeof a === "number" || typeof a === "bigint" || typeof a === "string")
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  if (typeof a === "boolean") return a === b ? 0 : a ? 1 : -1;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    const n = Math.min(a.length, bb.length);
    for (let i = 0; i < n; i++) {
      const c = cmpIn(a[i], bb[i]);
      if (c) return c;
    }
    return a.length < bb.length ? -1 : a.length > bb.length ? 1 : 0;
  }
  if (typeof a === "object" && a !== null) {
    const oa = a as Obj;
    if (oa.$cmp) {
      const r = oa.$cmp(a, b);
      return r < 0 ? -1 : r > 0 ? 1 : 0;
    }
    const ob = b as Obj;
    if (oa.$t !== undefined && oa.$t !== ob.$t) return (oa.$t as number) < (ob.$t as number) ? -1 : 1;
    for (const k in oa) {
      const c = cmpIn(oa[k], ob[k]);
      if (c) return c;
    }
  }
  return 0;
}

/** Deep copy (derived Clone), deferring to a custom `Clone` impl. */
export function clone<T>(v: T): T {
  if (typeof v !== "object" || v === null || v instanceof WeakBox) return v;
  if (deep) return cloneIn(v);
  deep = true;
  try {
    return cloneIn(v);
  } catch (e) {
    deep = false;
    return tooDeep(e, "`clone()`");
  } finally {
    deep = false;
  }
}
function cloneIn<T>(v: T): T {
  if (typeof v !== "object" || v === null || v instanceof WeakBox) return v;
  if (Array.isArray(v)) return v.map(cloneIn) as T;
  if (v instanceof Map) {
    const m = new Map();
    for (const [k, x] of v) m.set(k, cloneIn(x));
    return m as T;
  }
  const o = v as unknown as Obj;
  if (o.$clone) return o.$clone(v) as T;
  if (o.$t !== undefined && Object.keys(o).length === 1) return v;
  const c = Object.create(Object.getPrototypeOf(v)) as Obj;
  for (const k in o) c[k] = cloneIn(o[k]);
  return c as unknown as T;
}

// ---------- display ----------

/**
 * Render a float: always as a float (`3.0`, `0.0`, `-0.0`, `2.5`), never in
 * exponent form; `NaN`, `inf`, `-inf` for the non-finite values.
 */
export function showFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (Number.isInteger(x)) {
    if (Object.is(x, -0)) return "-0.0";
    if (Math.abs(x) < 1e21) return `${x}.0`;
  }
  return plainFloat(x);
}

/** A number in positional notation (JS switches to exponents past 1e21 and below 1e-6). */
function plainFloat(x: number): string {
  const s = String(x);
  if (!s.includes("e")) return s;
  const [m, e] = s.split("e") as [string, string];
  const exp = Number(e);
  const neg = m.startsWith("-");
  const digits = m.replace("-", "").replace(".", "");
  const point = (m.replace("-", "").indexOf(".") < 0 ? m.replace("-", "").length : m.replace("-", "").indexOf(".")) + exp;
  const body =
    point <= 0
      ? "0." + "0".repeat(-point) + digits
      : point >= digits.length
        ? digits + "0".repeat(point - digits.length)
        : digits.slice(0, point) + "." + digits.slice(point);
  return (neg ? "-" : "") + body + (body.includes(".") ? "" : ".0");
}

/**
 * Display descriptors: where floats sit inside a value whose static type the
 * code generator knows (ints and floats share the JS number representation,
 * so display needs the type). `0` is a float; `[1, d]` a list of d; `[2, dk,
 * dv]` a map; `[3, d]` an Option; `[4, dt, de]` a Result; `undefined` holds no
 * float (structs and enums carry their fields' descriptors in `$fd`).
 */
export type Desc = 0 | [1, Desc] | [2, Desc, Desc] | [3, Desc] | [4, Desc, Desc] | undefined;

/** `str(x)` for a value with a display descriptor. */
export function showD(v: unknown, d: Desc, nested = false): string {
  if (deep || typeof v !== "object" || v === null) return showDIn(v, d, nested);
  deep = true;
  try {
    return showDIn(v, d, nested);
  } catch (e) {
    deep = false;
    return tooDeep(e, "display");
  } finally {
    deep = false;
  }
}
function showDIn(v: unknown, d: Desc, nested: boolean): string {
  if (d === undefined) return showIn(v, nested);
  if (d === 0) return showFloat(v as number);
  switch (d[0]) {
    case 1:
      return `[${(v as unknown[]).map((x) => showDIn(x, d[1], true)).join(", ")}]`;
    case 2:
      return `#{${[...(v as Map<unknown, unknown>)].map(([k, x]) => `${showDIn(k, d[1], true)}: ${showDIn(x, d[2], true)}`).join(", ")}}`;
    case 3: {
      const o = v as Variant & { $0: unknown };
      return o.$t === 1 ? `Some(${showDIn(o.$0, d[1], true)})` : "None";
    }
    case 4: {
      const o = v as Variant & { $0: unknown };
      return o.$t === 0 ? `Ok(${showDIn(o.$0, d[1], true)})` : `Err(${showDIn(o.$0, d[2], true)})`;
    }
  }
}

/** Characters JSON text must escape (and lone surrogates, which JSON.stringify escapes too). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** `str(x)`: display a value (nested strings and chars are quoted). */
export function show(v: unknown, nested = false): string {
  if (deep || typeof v !== "object" || v === null) return showIn(v, nested);
  deep = true;
  try {
    return showIn(v, nested);
  } catch (e) {
    deep = false;
    return tooDeep(e, "display");
  } finally {
    deep = false;
  }
}
function showIn(v: unknown, nested: boolean): string {
  switch (typeof v) {
    case "string":
      return nested ? (isChar(v) ? `'${v}'` : quote(v)) : v;
    case "number":
      return Number.isInteger(v) ? String(v) : showFloat(v);
    case "bigint":
      return String(v);
    case "boolean":
      return v ? "true" : "false";
    case "undefined":
      return "()";
    case "function":
      return "<fn>";
  }
  if (Array.isArray(v)) return `[${v.map((x) => showIn(x, true)).join(", ")}]`;
  if (v instanceof Map) return `#{${[...v].map(([k, x]) => `${showIn(k, true)}: ${showIn(x, true)}`).join(", ")}}`;
  if (v instanceof WeakBox) return "<weak>";
  const o = v as Obj;
  if (o.$show) return o.$show(v);
  if (o instanceof Variant && o.$e === "Value") return valueToJson(o, false);
  const name = (o as { $n?: string }).$n ?? "?";
  const fields = o.$f ?? [];
  if (!fields.length) return name;
  const fd = (o as { $fd?: Desc[] }).$fd;
  const sh = (i: number, p: string) => (fd ? showDIn(o[p], fd[i], true) : showIn(o[p], true));
  if ((o as { $tuple?: boolean }).$tuple) return `${name}(${fields.map(([, p], i) => sh(i, p)).join(", ")})`;
  return `${name} { ${fields.map(([n, p], i) => `${n}: ${sh(i, p)}`).join(", ")} }`;
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
  if (!pretty) return compactJson(v as Variant & { $0: unknown });
  const o = v as Variant & Record<string, unknown>;
  const inner = indent + "  ";
  switch (o.$t) {
    case 5: {
      const xs = o.$0 as unknown[];
      if (!xs.length) return "[]";
      return `[\n${xs.map((x) => inner + valueToJson(x, true, inner)).join(",\n")}\n${indent}]`;
    }
    case 6: {
      const m = o.$0 as Map<string, unknown>;
      const keys = [...m.keys()].sort();
      if (!keys.length) return "{}";
      return `{\n${keys.map((k) => `${inner}${quote(k)}: ${valueToJson(m.get(k), true, inner)}`).join(",\n")}\n${indent}}`;
    }
    default:
      return compactJson(o as unknown as Variant & { $0: unknown });
  }
}

/** `"key":` — object keys repeat across records, so their quoted form is cached (bounded). */
const keyCache = new Map<string, string>();
function quoteKey(k: string): string {
  let q = keyCache.get(k);
  if (q === undefined) {
    q = quote(k) + ":";
    if (keyCache.size >= 4096) keyCache.clear();
    keyCache.set(k, q);
  }
  return q;
}

/** Compact JSON text of a Value (keys sorted), built by concatenation. */
function compactJson(o: Variant & { $0: unknown }): string {
  switch (o.$t) {
    case 0:
      return "null";
    case 1:
      return o.$0 ? "true" : "false";
    case 2:
      return String(o.$0);
    case 3: {
      const x = o.$0 as number;
      return Number.isFinite(x) ? (Number.isInteger(x) ? x.toFixed(1) : String(x)) : "null";
    }
    case 4:
      return quote(o.$0 as string);
    case 5: {
      const xs = o.$0 as (Variant & { $0: unknown })[];
      let out = "[";
      for (let i = 0; i < xs.length; i++) out += (i ? "," : "") + compactJson(xs[i] as Variant & { $0: unknown });
      return out + "]";
    }
    case 6: {
      const m = o.$0 as Map<string, Variant & { $0: unknown }>;
      const keys = [...m.keys()];
      let sorted = true;
      for (let i = 1; i < keys.length; i++)
        if ((keys[i - 1] as string) > (keys[i] as string)) {
          sorted = false;
          break;
        }
      if (!sorted) keys.sort();
      let out = "{";
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] as string;
        out += (i ? "," : "") + quoteKey(k) + compactJson(m.get(k) as Variant & { $0: unknown });
      }
      return out + "}";
    }
  }
  return "null";
}

export { ix };
