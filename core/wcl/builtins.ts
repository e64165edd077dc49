/**
 * Builtin functions (reference/wcl/builtin-functions.md, §14.1–§14.7).
 *
 * Each builtin checks its own arguments and returns a value or an
 * `{ code, message }` failure (E050 wrong arity/type, E054 out of range) —
 * never throws, including on malformed regular expressions. Higher-order
 * builtins receive `apply` to call a lambda value.
 *
 * Left out: table helpers (`find`, `insert_row`, …), dates and durations,
 * and the block introspection functions (`ref`, `has_decorator`,
 * `has_schema`, `is_imported`), which report "not supported" (E190).
 */
import { createHash } from "node:crypto";
import type { Span } from "./diagnostic.ts";
import { binary, isOpError, type OpResult } from "./operators.ts";
import { displayValue, toPlain, typeName, valuesEqual, type Value } from "./value.ts";

export type Apply = (fn: Value, args: readonly Value[]) => Value;
export type Builtin = (args: readonly Value[], span: Span, apply: Apply) => OpResult;

/** Names that exist in WCL but are not implemented here. */
export const UNSUPPORTED_FUNCTIONS: ReadonlySet<string> = new Set([
  "ref",
  "has_decorator",
  "has_schema",
  "is_imported",
  "find",
  "insert_row",
  "remove_rows",
  "update_rows",
  "date",
  "duration",
  "import_table",
]);

const fail = (message: string, code = "E050"): OpResult => ({ code, message });

type Kinds = { string: string; int: number; number: number; list: readonly Value[]; map: ReadonlyMap<string, Value>; any: Value; function: Value };
type KindName = keyof Kinds;

/** Declare a builtin with typed parameters; arity and kinds are checked before `body` runs. */
function fn<const P extends readonly KindName[]>(
  params: P,
  body: (a: { [I in keyof P]: Kinds[P[I]] }, span: Span, apply: Apply, raw: readonly Value[]) => OpResult | Value,
  variadic = false,
): (name: string) => Builtin {
  return (name) => (args, span, apply) => {
    if (variadic ? args.length < params.length : args.length !== params.length) {
      return fail(`\`${name}\` takes ${params.length}${variadic ? " or more" : ""} argument(s), got ${args.length}`);
    }
    const out: unknown[] = [];
    for (let i = 0; i < params.length; i++) {
      const want = params[i] as KindName;
      const v = args[i] as Value;
      if (v.kind === "error") return v;
      const got = extract(want, v);
      if (got === undefined) return fail(`argument ${i + 1} of \`${name}\` must be ${want === "number" ? "a number" : `a ${want}`}, not ${typeName(v)}`);
      out.push(got);
    }
    return body(out as unknown as { [I in keyof P]: Kinds[P[I]] }, span, apply, args);
  };
}

function extract(want: KindName, v: Value): unknown {
  switch (want) {
    case "any":
      return v;
    case "function":
      return v.kind === "function" ? v : undefined;
    case "string":
      return v.kind === "string" ? v.value : undefined;
    case "int":
      return v.kind === "int" ? v.value : undefined;
    case "number":
      return v.kind === "int" || v.kind === "float" ? v.value : undefined;
    case "list":
      return v.kind === "list" ? v.items : undefined;
    case "map":
      return v.kind === "map" ? v.entries : undefined;
  }
}

const str = (value: string, span: Span): Value => ({ kind: "string", value, span });
const int = (value: number, span: Span): Value => ({ kind: "int", value, span });
const bool = (value: boolean, span: Span): Value => ({ kind: "bool", value, span });
const list = (items: readonly Value[], span: Span): Value => ({ kind: "list", items, span });
const numv = (value: number, like: Value, span: Span): Value =>
  like.kind === "int" && Number.isInteger(value) ? int(value, span) : { kind: "float", value, span };

function regex(pat: string, flags = ""): RegExp | OpResult {
  try {
    return new RegExp(pat, flags);
  } catch {
    return fail(`invalid regular expression \`${pat}\``);
  }
}

function truthy(v: Value, name: string): boolean | OpResult {
  return v.kind === "bool" ? v.value : v.kind === "error" ? false : fail(`the function given to \`${name}\` must return a bool, not ${typeName(v)}`);
}

function compare(a: Value, b: Value): number {
  const r = binary("<", a, b, a.span);
  if (!isOpError(r) && r.kind === "bool" && r.value) return -1;
  return valuesEqual(a, b) ? 0 : 1;
}

function fold(items: readonly Value[], op: "+" | "min" | "max", span: Span): OpResult {
  let acc: Value | undefined;
  for (const v of items) {
    if (acc === undefined) {
      acc = v;
      continue;
    }
    const r: OpResult = op === "+" ? binary("+", acc, v, span) : binary(op === "min" ? "<" : ">", v, acc, span);
    if (isOpError(r)) return r;
    acc = op === "+" ? r : r.kind === "bool" && r.value ? v : acc;
  }
  return acc ?? (op === "+" ? int(0, span) : fail(`\`${op}_of\` of an empty list`));
}

function format(fmt: string, args: readonly Value[]): string {
  let k = 0;
  return fmt.replace(/%[sdfv%]|\{\}/g, (m) => (m === "%%" ? "%" : displayValue(args[k++] ?? { kind: "null", span: { file: "", start: 0, end: 0 } })));
}

const DEFS: Record<string, (name: string) => Builtin> = {
  upper: fn(["string"], ([s], sp) => str(s.toUpperCase(), sp)),
  lower: fn(["string"], ([s], sp) => str(s.toLowerCase(), sp)),
  trim: fn(["string"], ([s], sp) => str(s.trim(), sp)),
  trim_prefix: fn(["string", "string"], ([s, p], sp) => str(s.startsWith(p) ? s.slice(p.length) : s, sp)),
  trim_suffix: fn(["string", "string"], ([s, p], sp) => str(p !== "" && s.endsWith(p) ? s.slice(0, -p.length) : s, sp)),
  replace: fn(["string", "string", "string"], ([s, a, b], sp) => str(a === "" ? s : s.split(a).join(b), sp)),
  split: fn(["string", "string"], ([s, sep], sp) =>
    list(
      s.split(sep).map((x) => str(x, sp)),
      sp,
    ),
  ),
  join: fn(["list", "string"], ([xs, sep], sp) => str(xs.map(displayValue).join(sep), sp)),
  starts_with: fn(["string", "string"], ([s, p], sp) => bool(s.startsWith(p), sp)),
  ends_with: fn(["string", "string"], ([s, p], sp) => bool(s.endsWith(p), sp)),
  contains: fn(["any", "any"], ([h, n], sp) =>
    h.kind === "string" && n.kind === "string"
      ? bool(h.value.includes(n.value), sp)
      : h.kind === "list"
        ? bool(
            h.items.some((x) => valuesEqual(x, n)),
            sp,
          )
        : fail(`\`contains\` needs a string or list, not ${typeName(h)}`),
  ),
  length: fn(["string"], ([s], sp) => int([...s].length, sp)),
  substr: fn(["string", "int", "int"], ([s, a, b], sp) => str([...s].slice(a, b).join(""), sp)),
  format: fn(["string"], ([f], sp, _ap, raw) => str(format(f, raw.slice(1)), sp), true),
  regex_match: fn(["string", "string"], ([s, p], sp) => {
    const r = regex(`^(?:${p})$`, "u");
    return r instanceof RegExp ? bool(r.test(s), sp) : r;
  }),
  regex_capture: fn(["string", "string"], ([s, p], sp) => {
    const r = regex(p, "u");
    return r instanceof RegExp
      ? list(
          (r.exec(s)?.slice(1) ?? []).map((x) => str(x ?? "", sp)),
          sp,
        )
      : r;
  }),
  regex_replace: fn(["string", "string", "string"], ([s, p, t], sp) => {
    const r = regex(p, "u");
    return r instanceof RegExp ? str(s.replace(r, t), sp) : r;
  }),
  regex_replace_all: fn(["string", "string", "string"], ([s, p, t], sp) => {
    const r = regex(p, "gu");
    return r instanceof RegExp ? str(s.replace(r, t), sp) : r;
  }),
  regex_split: fn(["string", "string"], ([s, p], sp) => {
    const r = regex(p, "u");
    return r instanceof RegExp
      ? list(
          s.split(r).map((x) => str(x, sp)),
          sp,
        )
      : r;
  }),
  regex_find: fn(["string", "string"], ([s, p], sp) => {
    const r = regex(p, "u");
    return r instanceof RegExp ? str(r.exec(s)?.[0] ?? "", sp) : r;
  }),
  regex_find_all: fn(["string", "string"], ([s, p], sp) => {
    const r = regex(p, "gu");
    return r instanceof RegExp
      ? list(
          [...s.matchAll(r)].map((m) => str(m[0], sp)),
          sp,
        )
      : r;
  }),
  abs: fn(["number"], ([n], sp, _a, raw) => numv(Math.abs(n), raw[0] as Value, sp)),
  min: fn(["number", "number"], ([a, b], sp, _a, raw) => (a <= b ? raw[0] : raw[1]) as Value),
  max: fn(["number", "number"], ([a, b], sp, _a, raw) => (a >= b ? raw[0] : raw[1]) as Value),
  floor: fn(["number"], ([n], sp) => int(Math.floor(n), sp)),
  ceil: fn(["number"], ([n], sp) => int(Math.ceil(n), sp)),
  round: fn(["number"], ([n], sp) => int(Math.sign(n) * Math.round(Math.abs(n)), sp)),
  sqrt: fn(["number"], ([n], sp) => ({ kind: "float", value: Math.sqrt(n), span: sp })),
  pow: fn(["number", "number"], ([a, b], sp) => ({ kind: "float", value: a ** b, span: sp })),
  len: fn(["any"], ([v], sp) =>
    v.kind === "list"
      ? int(v.items.length, sp)
      : v.kind === "map"
        ? int(v.entries.size, sp)
        : v.kind === "string"
          ? int([...v.value].length, sp)
          : fail(`\`len\` needs a list, map or string, not ${typeName(v)}`),
  ),
  keys: fn(["map"], ([m], sp) =>
    list(
      [...m.keys()].map((k) => str(k, sp)),
      sp,
    ),
  ),
  values: fn(["map"], ([m], sp) => list([...m.values()], sp)),
  flatten: fn(["list"], ([xs], sp) =>
    list(
      xs.flatMap((x) => (x.kind === "list" ? x.items : [x])),
      sp,
    ),
  ),
  concat: fn(["list", "list"], ([a, b], sp) => list([...a, ...b], sp)),
  distinct: fn(["list"], ([xs], sp) =>
    list(
      xs.filter((x, i) => xs.findIndex((y) => valuesEqual(x, y)) === i),
      sp,
    ),
  ),
  sort: fn(["list"], ([xs], sp) => list([...xs].sort(compare), sp)),
  reverse: fn(["list"], ([xs], sp) => list([...xs].reverse(), sp)),
  index_of: fn(["list", "any"], ([xs, x], sp) =>
    int(
      xs.findIndex((y) => valuesEqual(x, y)),
      sp,
    ),
  ),
  range: fn(["any", "any"], ([a, b], sp) => binary("..", a, b, sp)),
  zip: fn(["list", "list"], ([a, b], sp) =>
    list(
      a.slice(0, Math.min(a.length, b.length)).map((x, i) => list([x, b[i] as Value], sp)),
      sp,
    ),
  ),
  map: fn(["list", "function"], ([xs, f], sp, apply) =>
    list(
      xs.map((x) => apply(f, [x])),
      sp,
    ),
  ),
  filter: fn(["list", "function"], ([xs, f], sp, apply) => {
    const out: Value[] = [];
    for (const x of xs) {
      const t = truthy(apply(f, [x]), "filter");
      if (typeof t !== "boolean") return t;
      if (t) out.push(x);
    }
    return list(out, sp);
  }),
  every: fn(["list", "function"], ([xs, f], sp, apply) => {
    for (const x of xs) {
      const t = truthy(apply(f, [x]), "every");
      if (typeof t !== "boolean") return t;
      if (!t) return bool(false, sp);
    }
    return bool(true, sp);
  }),
  some: fn(["list", "function"], ([xs, f], sp, apply) => {
    for (const x of xs) {
      const t = truthy(apply(f, [x]), "some");
      if (typeof t !== "boolean") return t;
      if (t) return bool(true, sp);
    }
    return bool(false, sp);
  }),
  count: fn(["list", "function"], ([xs, f], sp, apply) => {
    let n = 0;
    for (const x of xs) {
      const t = truthy(apply(f, [x]), "count");
      if (typeof t !== "boolean") return t;
      if (t) n++;
    }
    return int(n, sp);
  }),
  reduce: fn(["list", "any", "function"], ([xs, init, f], _sp, apply) => xs.reduce((acc, x) => apply(f, [acc, x]), init)),
  sum: fn(["list"], ([xs], sp) => fold(xs, "+", sp)),
  avg: fn(["list"], ([xs], sp) => {
    const s = fold(xs, "+", sp);
    if (isOpError(s)) return s;
    return s.kind === "int" || s.kind === "float"
      ? { kind: "float", value: xs.length === 0 ? 0 : s.value / xs.length, span: sp }
      : fail("`avg` needs a list of numbers");
  }),
  min_of: fn(["list"], ([xs], sp) => fold(xs, "min", sp)),
  max_of: fn(["list"], ([xs], sp) => fold(xs, "max", sp)),
  sha256: fn(["string"], ([s], sp) => str(createHash("sha256").update(s).digest("hex"), sp)),
  base64_encode: fn(["string"], ([s], sp) => str(Buffer.from(s, "utf8").toString("base64"), sp)),
  base64_decode: fn(["string"], ([s], sp) => str(Buffer.from(s, "base64").toString("utf8"), sp)),
  json_encode: fn(["any"], ([v], sp) => str(JSON.stringify(toPlain(v)), sp)),
  to_string: fn(["any"], ([v], sp) => str(displayValue(v), sp)),
  to_int: fn(["any"], ([v], sp) => {
    const n =
      v.kind === "string"
        ? Number(v.value.trim())
        : v.kind === "int" || v.kind === "float" || v.kind === "bytes"
          ? v.value
          : v.kind === "bool"
            ? Number(v.value)
            : Number.NaN;
    return Number.isFinite(n) && (v.kind !== "string" || v.value.trim() !== "") ? int(Math.trunc(n), sp) : fail(`cannot convert ${typeName(v)} to an integer`);
  }),
  to_float: fn(["any"], ([v], sp) => {
    const n = v.kind === "string" ? Number(v.value.trim()) : v.kind === "int" || v.kind === "float" ? v.value : Number.NaN;
    return Number.isFinite(n) ? { kind: "float", value: n, span: sp } : fail(`cannot convert ${typeName(v)} to a float`);
  }),
  to_bool: fn(["any"], ([v], sp) =>
    v.kind === "bool"
      ? v
      : v.kind === "string" && (v.value === "true" || v.value === "false")
        ? bool(v.value === "true", sp)
        : v.kind === "int"
          ? bool(v.value !== 0, sp)
          : fail(`cannot convert ${typeName(v)} to a bool`),
  ),
  type_of: fn(["any"], ([v], sp) => str(typeName(v), sp)),
  has: fn(["map", "string"], ([m, k], sp) => bool(m.has(k), sp)),
};

/** Look up a builtin by name. */
export function builtin(name: string): Builtin | undefined {
  const def = Object.hasOwn(DEFS, name) ? DEFS[name] : undefined;
  return def?.(name);
}

/** Names of every builtin, for "did you mean" hints. */
export const BUILTIN_NAMES: readonly string[] = Object.keys(DEFS);
