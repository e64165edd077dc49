/**
 * Runtime implementations of the built-in methods (fact_list_methods.md,
 * fact_map_methods.md, fact_string_methods.md, fact_option_result_methods.md,
 * fact_value_methods.md), named `<receiver>_<method>` to match builtins.ts.
 * Strings are character-indexed (code points), as the reference requires.
 */
import {
  clone,
  cmp,
  eq,
  Err,
  fault,
  None,
  Ok,
  reachable,
  show,
  showD,
  Some,
  ix,
  norm,
  iadd,
  WeakBox,
  type Desc,
  type Int,
  type Variant,
  mkValue,
} from "./core.ts";

type Fn1 = (a: unknown) => unknown;
type Fn2 = (a: unknown, b: unknown) => unknown;
type Opt = Variant & { $0?: unknown };

const oob = (i: Int, n: number): never => fault(`list index ${i} out of bounds (len ${n})`);

// ---------- List ----------
export const list_len = (xs: unknown[]): number => xs.length;
export const list_is_empty = (xs: unknown[]): boolean => xs.length === 0;
export const list_clear = (xs: unknown[]): void => {
  xs.length = 0;
};
export const list_push = (xs: unknown[], x: unknown): void => {
  xs.push(x);
};
export const list_pop = (xs: unknown[]): Variant => (xs.length ? Some(xs.pop()) : None);
export function list_insert(xs: unknown[], i: Int, x: unknown): void {
  const k = ix(i);
  if (k < 0 || k > xs.length) oob(i, xs.length);
  xs.splice(k, 0, x);
}
export function list_remove(xs: unknown[], i: Int): unknown {
  const k = ix(i);
  if (k < 0 || k >= xs.length) oob(i, xs.length);
  return xs.splice(k, 1)[0];
}
export function list_get(xs: unknown[], i: Int): Variant {
  const k = ix(i);
  return k >= 0 && k < xs.length ? Some(xs[k]) : None;
}
export function list_set(xs: unknown[], i: Int, x: unknown): void {
  const k = ix(i);
  if (k < 0 || k >= xs.length) oob(i, xs.length);
  xs[k] = x;
}
/** `xs[i]` read. */
export function idx(xs: unknown[], i: Int): unknown {
  if (typeof i === "number" && i >= 0 && i < xs.length) return xs[i];
  return oob(i, xs.length);
}
export const list_first = (xs: unknown[]): Variant => (xs.length ? Some(xs[0]) : None);
export const list_last = (xs: unknown[]): Variant => (xs.length ? Some(xs[xs.length - 1]) : None);
export const list_contains = (xs: unknown[], x: unknown): boolean => xs.some((y) => eq(y, x));
export function list_index_of(xs: unknown[], x: unknown): Variant {
  const i = xs.findIndex((y) => eq(y, x));
  return i < 0 ? None : Some(i);
}
export const list_any = (xs: unknown[], f: Fn1): boolean => xs.some((x) => f(x) as boolean);
export const list_all = (xs: unknown[], f: Fn1): boolean => xs.every((x) => f(x) as boolean);
export const list_count = (xs: unknown[], f: Fn1): number => {
  let n = 0;
  for (const x of xs) if (f(x)) n++;
  return n;
};
export function list_find(xs: unknown[], f: Fn1): Variant {
  for (const x of xs) if (f(x)) return Some(x);
  return None;
}
export function list_position(xs: unknown[], f: Fn1): Variant {
  for (let i = 0; i < xs.length; i++) if (f(xs[i])) return Some(i);
  return None;
}
export const list_reverse = (xs: unknown[]): void => {
  xs.reverse();
};
/** Sort in place: all-number lists go through a typed array (fast), others through `cmp`. */
export function list_sort(xs: unknown[]): void {
  let allNum = true;
  for (let i = 0; i < xs.length; i++)
    if (typeof xs[i] !== "number") {
      allNum = false;
      break;
    }
  if (allNum) {
    const t = Float64Array.from(xs as number[]).sort();
    for (let i = 0; i < t.length; i++) xs[i] = (t[i] as number) + 0;
    return;
  }
  if (xs.every((x) => typeof x === "string")) {
    xs.sort((a, b) => ((a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0));
    return;
  }
  xs.sort(cmp);
}
export const list_sort_by = (xs: unknown[], f: Fn2): void => {
  xs.sort((a, b) => {
    const r = f(a, b) as Int;
    return r < 0 ? -1 : r > 0 ? 1 : 0;
  });
};
export const list_map = (xs: unknown[], f: Fn1): unknown[] => xs.map((x) => f(x));
export const list_filter = (xs: unknown[], f: Fn1): unknown[] => xs.filter((x) => f(x));
export function list_fold(xs: unknown[], init: unknown, f: Fn2): unknown {
  let acc = init;
  for (const x of xs) acc = f(acc, x);
  return acc;
}
export const list_join = (xs: unknown[], sep: string, d?: Desc): string => xs.map((x) => showD(x, d)).join(sep);
function clampRange(n: number, a: Int, b: Int): [number, number] {
  const s = Math.max(0, Math.min(n, Number(a)));
  const e = Math.max(s, Math.min(n, Number(b)));
  return [s, e];
}
export function list_slice(xs: unknown[], a: Int, b: Int): unknown[] {
  const [s, e] = clampRange(xs.length, a, b);
  return xs.slice(s, e);
}
export const list_concat = (xs: unknown[], ys: unknown[]): unknown[] => xs.concat(ys);
export const list_map_indexed = (xs: unknown[], f: Fn2): unknown[] => xs.map((x, i) => f(i, x));
export function list_zip_with(xs: unknown[], ys: unknown[], f: Fn2): unknown[] {
  const n = Math.min(xs.length, ys.length);
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = f(xs[i], ys[i]);
  return out;
}
export function list_sum(xs: unknown[], isInt: boolean): unknown {
  if (!isInt) {
    let s = 0;
    for (const x of xs) s += x as number;
    return s;
  }
  let s: Int = 0;
  for (const x of xs) s = iadd(s, x as Int);
  return s;
}
export function list_min(xs: unknown[]): Variant {
  if (!xs.length) return None;
  let m = xs[0];
  for (const x of xs) if (cmp(x, m) < 0) m = x;
  return Some(m);
}
export function list_max(xs: unknown[]): Variant {
  if (!xs.length) return None;
  let m = xs[0];
  for (const x of xs) if (cmp(x, m) > 0) m = x;
  return Some(m);
}
export const list_clone = (xs: unknown[]): unknown[] => clone(xs);
export const list_each = (xs: unknown[], f: Fn1): void => {
  for (const x of xs) f(x);
};

// ---------- Map ----------
type M = Map<unknown, unknown>;
export const map_len = (m: M): number => m.size;
export const map_is_empty = (m: M): boolean => m.size === 0;
export const map_clear = (m: M): void => m.clear();
export const map_insert = (m: M, k: unknown, v: unknown): void => {
  m.set(k, v);
};
export function map_remove(m: M, k: unknown): Variant {
  if (!m.has(k)) return None;
  const v = m.get(k);
  m.delete(k);
  return Some(v);
}
export const map_get = (m: M, k: unknown): Variant => (m.has(k) ? Some(m.get(k)) : None);
export const map_contains_key = (m: M, k: unknown): boolean => m.has(k);
export const map_keys = (m: M): unknown[] => [...m.keys()];
export const map_values = (m: M): unknown[] => [...m.values()];
export const map_each = (m: M, f: Fn2): void => {
  for (const [k, v] of m) f(k, v);
};
export const map_map = (m: M, f: Fn2): unknown[] => [...m].map(([k, v]) => f(k, v));
export function map_filter(m: M, f: Fn2): M {
  const out = new Map();
  for (const [k, v] of m) if (f(k, v)) out.set(k, v);
  return out;
}
export const map_clone = (m: M): M => clone(m);
/** `m[k]` read. */
export function midx(m: M, k: unknown): unknown {
  const v = m.get(k);
  if (v === undefined && !m.has(k)) fault(`map key ${show(k, true)} not found`);
  return v;
}

// ---------- string (character-indexed) ----------
const hasAstral = (s: string): boolean => /[\uD800-\uDFFF]/.test(s);
export const string_len = (s: string): number => (hasAstral(s) ? [...s].length : s.length);
export const string_bytes_len = (s: string): number => Buffer.byteLength(s, "utf8");
export const string_is_empty = (s: string): boolean => s.length === 0;
export const string_split = (s: string, sep: string): string[] => (sep === "" ? [...s] : s.split(sep));
export const string_join = (sep: string, parts: string[]): string => parts.join(sep);
export const string_trim = (s: string): string => s.trim();
export const string_trim_start = (s: string): string => s.trimStart();
export const string_trim_end = (s: string): string => s.trimEnd();
export const string_to_upper = (s: string): string => s.toUpperCase();
export const string_to_lower = (s: string): string => s.toLowerCase();
export const string_starts_with = (s: string, p: string): boolean => s.startsWith(p);
export const string_ends_with = (s: string, p: string): boolean => s.endsWith(p);
export const string_contains = (s: string, p: string): boolean => s.includes(p);
export function string_find(s: string, p: string): Variant {
  const i = s.indexOf(p);
  if (i < 0) return None;
  return Some(hasAstral(s) ? [...s.slice(0, i)].length : i);
}
export const string_replace = (s: string, a: string, b: string): string => (a === "" ? s : s.split(a).join(b));
export function string_repeat(s: string, n: Int): string {
  const k = Number(n);
  if (k <= 0) return "";
  if (k * s.length > 1 << 28) fault("string too long in repeat()");
  return s.repeat(k);
}
/** A pad fill: a `char`, or a string of exactly one character (fact_string_methods.md). */
function padFill(fill: string, name: string): string {
  if (fill.length === 1 || (fill.length === 2 && [...fill].length === 1)) return fill;
  fault(`${name}: the fill must be one character, found the ${[...fill].length}-character string ${JSON.stringify(fill)}`);
}
export function string_pad_left(s: string, w: Int, fill: string): string {
  fill = padFill(fill, "pad_left");
  const n = Number(w) - string_len(s);
  return n > 0 ? fill.repeat(n) + s : s;
}
export function string_pad_right(s: string, w: Int, fill: string): string {
  fill = padFill(fill, "pad_right");
  const n = Number(w) - string_len(s);
  return n > 0 ? s + fill.repeat(n) : s;
}
export const string_chars = (s: string): string[] => [...s];
export function string_slice(s: string, a: Int, b: Int): string {
  if (!hasAstral(s)) {
    const [x, y] = clampRange(s.length, a, b);
    return s.slice(x, y);
  }
  const cs = [...s];
  const [x, y] = clampRange(cs.length, a, b);
  return cs.slice(x, y).join("");
}
export function string_parse_int(s: string): Variant {
  const t = s.trim();
  if (!/^[+-]?\d+$/.test(t)) return None;
  const b = BigInt(t);
  if (b > 9223372036854775807n || b < -9223372036854775808n) return None;
  return Some(norm(b));
}
export function string_parse_float(s: string): Variant {
  const t = s.trim();
  if (!/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|infinity|NaN)$/i.test(t)) return None;
  const low = t.toLowerCase().replace(/^\+/, "");
  if (low === "inf" || low === "infinity") return Some(Infinity);
  if (low === "-inf" || low === "-infinity") return Some(-Infinity);
  return Some(Number(t));
}
export const string_lines = (s: string): string[] => (s === "" ? [] : s.replace(/\r?\n$/, "").split(/\r?\n/));
export const string_clone = (s: string): string => s;

// ---------- char ----------
export const char_is_digit = (c: string): boolean => c >= "0" && c <= "9";
export const char_is_alphabetic = (c: string): boolean => /\p{Alphabetic}/u.test(c);
export const char_is_alphanumeric = (c: string): boolean => /[\p{Alphabetic}\p{Nd}]/u.test(c);
export const char_is_whitespace = (c: string): boolean => /\s/u.test(c);
export const char_is_uppercase = (c: string): boolean => /\p{Uppercase}/u.test(c);
export const char_is_lowercase = (c: string): boolean => /\p{Lowercase}/u.test(c);
export const char_to_upper = (c: string): string => {
  const u = c.toUpperCase();
  return [...u].length === 1 ? u : c;
};
export const char_to_lower = (c: string): string => {
  const u = c.toLowerCase();
  return [...u].length === 1 ? u : c;
};

// ---------- Option ----------
export const option_is_some = (o: Opt): boolean => o.$t === 1;
export const option_is_none = (o: Opt): boolean => o.$t === 0;
export const option_unwrap = (o: Opt): unknown => (o.$t === 1 ? o.$0 : fault("called unwrap() on None"));
export const option_unwrap_or = (o: Opt, d: unknown): unknown => (o.$t === 1 ? o.$0 : d);
export const option_expect = (o: Opt, msg: string): unknown => (o.$t === 1 ? o.$0 : fault(msg));
export const option_unwrap_or_else = (o: Opt, f: () => unknown): unknown => (o.$t === 1 ? o.$0 : f());
export const option_map = (o: Opt, f: Fn1): Variant => (o.$t === 1 ? Some(f(o.$0)) : None);
export const option_and_then = (o: Opt, f: Fn1): Variant => (o.$t === 1 ? (f(o.$0) as Variant) : None);
export const option_ok_or = (o: Opt, e: unknown): Variant => (o.$t === 1 ? Ok(o.$0) : Err(e));
export const option_or = (o: Opt, other: Variant): Variant => (o.$t === 1 ? o : other);
export const option_filter = (o: Opt, f: Fn1): Variant => (o.$t === 1 && f(o.$0) ? o : None);
export const option_clone = (o: Opt): unknown => clone(o);

// ---------- Result ----------
export const result_is_ok = (r: Opt): boolean => r.$t === 0;
export const result_is_err = (r: Opt): boolean => r.$t === 1;
export const result_unwrap = (r: Opt): unknown => (r.$t === 0 ? r.$0 : fault(`called unwrap() on Err: ${show(r.$0)}`));
export const result_unwrap_or = (r: Opt, d: unknown): unknown => (r.$t === 0 ? r.$0 : d);
export const result_unwrap_err = (r: Opt): unknown => (r.$t === 1 ? r.$0 : fault(`called unwrap_err() on Ok: ${show(r.$0)}`));
export const result_expect = (r: Opt, msg: string): unknown => (r.$t === 0 ? r.$0 : fault(`${msg}: ${show(r.$0)}`));
export const result_unwrap_or_else = (r: Opt, f: Fn1): unknown => (r.$t === 0 ? r.$0 : f(r.$0));
export const result_map = (r: Opt, f: Fn1): Variant => (r.$t === 0 ? Ok(f(r.$0)) : r);
export const result_map_err = (r: Opt, f: Fn1): Variant => (r.$t === 1 ? Err(f(r.$0)) : r);
export const result_and_then = (r: Opt, f: Fn1): Variant => (r.$t === 0 ? (f(r.$0) as Variant) : r);
export const result_ok = (r: Opt): Variant => (r.$t === 0 ? Some(r.$0) : None);
export const result_err = (r: Opt): Variant => (r.$t === 1 ? Some(r.$0) : None);
export const result_clone = (r: Opt): unknown => clone(r);

// ---------- weak ----------
/** `w.upgrade()`: Some(target) while a live local still reaches it, else None from then on (concept_memory.md). */
export function weak_upgrade(w: WeakBox, roots: readonly unknown[]): Variant {
  const t = w.target;
  if (t === undefined) return None;
  if (reachable(t, roots)) return Some(t);
  w.target = undefined;
  return None;
}

// ---------- Value ----------
export const value_get = (v: Opt, k: string): Variant => (v.$t === 6 && (v.$0 as M).has(k) ? Some((v.$0 as M).get(k)) : None);
export function value_at(v: Opt, i: Int): Variant {
  if (v.$t !== 5) return None;
  return list_get(v.$0 as unknown[], i);
}
export const value_keys = (v: Opt): unknown[] => (v.$t === 6 ? [...(v.$0 as M).keys()].sort() : []);
export const value_len = (v: Opt): number =>
  v.$t === 5 ? (v.$0 as unknown[]).length : v.$t === 6 ? (v.$0 as M).size : v.$t === 4 ? string_len(v.$0 as string) : 0;
export const value_is_null = (v: Opt): boolean => v.$t === 0;
export const value_as_bool = (v: Opt): Variant => (v.$t === 1 ? Some(v.$0) : None);
export const value_as_int = (v: Opt): Variant => (v.$t === 2 ? Some(v.$0) : None);
export const value_as_float = (v: Opt): Variant => (v.$t === 3 ? Some(v.$0) : v.$t === 2 ? Some(Number(v.$0)) : None);
export const value_as_string = (v: Opt): Variant => (v.$t === 4 ? Some(v.$0) : None);
export const value_as_list = (v: Opt): Variant => (v.$t === 5 ? Some(v.$0) : None);
export const value_as_map = (v: Opt): Variant => (v.$t === 6 ? Some(v.$0) : None);
export const value_clone = (v: Opt): unknown => clone(v);
export { mkValue };
