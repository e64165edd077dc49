/**
 * Script values ⇄ structured-cloneable data, for moving values between the
 * embedder's thread and a script worker (run_in_worker.ts).
 *
 * `postMessage` keeps numbers, BigInts, strings, arrays and Maps but drops
 * class prototypes, so structs and enum variants travel as `{k:"O", c, f}`
 * (class key + own fields) and are rebuilt from the receiving side's class
 * table (the same compiled unit instantiated there). Data crosses by value
 * (concept_interop_types.md): a struct mutated on one side is not mutated on
 * the other. What cannot be copied crosses by handle: a host object (opaque
 * type) becomes `{k:"H", id}` and comes back as the very same object; a
 * script closure becomes `{k:"F", id}` and the host receives an async proxy
 * that runs it in the worker. `weak[T]` crosses as a fresh weak reference.
 * Decoding never throws on well-formed input; unknown class keys decode to
 * plain objects carrying `$n`, so a host still reads the fields.
 */
import { BUILTIN_VARIANTS, None, Variant, VNull, WeakBox } from "./core.ts";

/** The wire form of one script value. */
export type Wire =
  | number
  | bigint
  | string
  | boolean
  | undefined
  | null
  | { k: "L"; v: Wire[] }
  | { k: "M"; v: [Wire, Wire][] }
  | { k: "O"; c: string; f: Record<string, Wire> }
  | { k: "F"; id: number }
  | { k: "H"; id: number }
  | { k: "W"; v: Wire };

/** A host object seen from the worker: identity-stable, opaque. */
export class HandleRef {
  constructor(readonly $h: number) {}
}

/** Per-side state: class table, handle and closure tables. */
export type CodecSide = {
  /** Struct classes by name, variant classes by `Enum::Variant`. */
  classes: Record<string, new (...a: unknown[]) => object>;
  /** Turn a script closure into an id (worker side) — or undefined when closures cannot cross. */
  closureId?: (f: (...a: unknown[]) => unknown) => number;
  /** Rebuild a closure from its id (embedder side: an async proxy). */
  closure?: (id: number) => (...a: unknown[]) => unknown;
  /** Embedder side: host objects by id, and ids by object. */
  handles?: { byId: Map<number, unknown>; ids: Map<unknown, number>; next: number };
  /** Worker side: placeholders by id, so the same host object stays `same()` across crossings. */
  refs?: Map<number, HandleRef>;
};

type Obj = Record<string, unknown> & { $n?: string; $e?: string };

function classKey(o: Obj): string | undefined {
  const n = o.$n;
  if (typeof n !== "string") return undefined;
  return typeof o.$e === "string" ? `${o.$e}::${n}` : n;
}

/** Encode a script value for `postMessage`. */
export function encode(v: unknown, side: CodecSide): Wire {
  switch (typeof v) {
    case "number":
    case "bigint":
    case "string":
    case "boolean":
    case "undefined":
      return v;
    case "function": {
      if (!side.closureId) throw new TypeError("Cannot send a function across threads from this side");
      return { k: "F", id: side.closureId(v as (...a: unknown[]) => unknown) };
    }
    case "symbol":
      return undefined;
  }
  if (v === null) return null;
  if (Array.isArray(v)) return { k: "L", v: v.map((x) => encode(x, side)) };
  if (v instanceof Map) return { k: "M", v: [...v].map(([a, b]) => [encode(a, side), encode(b, side)] as [Wire, Wire]) };
  if (v instanceof WeakBox) return { k: "W", v: encode(v.target, side) };
  if (v instanceof HandleRef) return { k: "H", id: v.$h };
  const o = v as Obj;
  const key = classKey(o);
  if (key !== undefined) {
    const f: Record<string, Wire> = {};
    for (const name of Object.keys(o)) if (name !== "$n" && name !== "$f" && name !== "$e") f[name] = encode(o[name], side);
    return { k: "O", c: key, f };
  }
  const h = side.handles;
  if (!h) throw new TypeError("Cannot send a host object from this side");
  let id = h.ids.get(v);
  if (id === undefined) {
    id = h.next++;
    h.ids.set(v, id);
    h.byId.set(id, v);
  }
  return { k: "H", id };
}

/** Decode a wire value into this side's representation. */
export function decode(w: Wire, side: CodecSide): unknown {
  if (w === null || typeof w !== "object") return w;
  switch (w.k) {
    case "L":
      return w.v.map((x) => decode(x, side));
    case "M":
      return new Map(w.v.map(([a, b]) => [decode(a, side), decode(b, side)]));
    case "W": {
      const t = decode(w.v, side);
      return new WeakBox(typeof t === "object" && t !== null ? t : undefined);
    }
    case "F": {
      if (!side.closure) return () => undefined;
      return side.closure(w.id);
    }
    case "H": {
      if (side.handles) return side.handles.byId.get(w.id);
      const refs = side.refs ?? (side.refs = new Map());
      let r = refs.get(w.id);
      if (!r) {
        r = new HandleRef(w.id);
        refs.set(w.id, r);
      }
      return r;
    }
    case "O":
      return decodeObject(w.c, w.f, side);
  }
}

function decodeObject(key: string, f: Record<string, Wire>, side: CodecSide): unknown {
  const builtin = BUILTIN_VARIANTS[key];
  if (builtin) {
    if (key === "Option::None") return None;
    if (key === "Value::Null") return VNull;
    return builtin(decode(f.$0 as Wire, side));
  }
  const C = side.classes[key];
  const o = (C ? Object.create(C.prototype) : {}) as Obj;
  if (!C) {
    const sep = key.indexOf("::");
    o.$n = sep < 0 ? key : key.slice(sep + 2);
    if (sep >= 0) o.$e = key.slice(0, sep);
  }
  for (const [name, x] of Object.entries(f)) o[name] = decode(x, side);
  if (!C && o.$e !== undefined) Object.setPrototypeOf(o, Variant.prototype);
  return o;
}
