/**
 * The `json` module over the shared `Value` (fact_data_formats.md):
 * `parse` → Result[Value, string]; `to_string` (compact, keys sorted) and
 * `to_string_pretty`. Integers that fit i64 become `Int`, others `Float`.
 */
import { HostModule } from "../host.ts";
import { Err, mkValue, Ok, ValueTag, valueToJson, norm, VBool, VFloat, VInt, VList, VMap, VString, type Variant } from "../rt/core.ts";

/** Convert a `JSON.parse` result to a Value (used when the text holds no number whose kind JSON.parse would lose). */
export function jsToValue(v: unknown): Variant {
  if (v === null || v === undefined) return mkValue(ValueTag.Null, undefined);
  if (typeof v === "boolean") return mkValue(ValueTag.Bool, v);
  if (typeof v === "number") return Number.isInteger(v) && Number.isSafeInteger(v) ? mkValue(ValueTag.Int, v) : mkValue(ValueTag.Float, v);
  if (typeof v === "bigint") return mkValue(ValueTag.Int, norm(v));
  if (typeof v === "string") return mkValue(ValueTag.String, v);
  if (Array.isArray(v)) return mkValue(ValueTag.List, v.map(jsToValue));
  return mkValue(ValueTag.Map, new Map(Object.entries(v as object).map(([k, x]) => [k, jsToValue(x)])));
}

/**
 * Does the text hold a number token that `JSON.parse` would change the kind
 * or value of: an integral float (`3.0`, `1e2`) — which must stay a `Float` —
 * or an integer beyond 2^53? (A match inside a string only costs the exact path.)
 */
const NEEDS_EXACT = /\d\.0*(?![0-9])|\d[eE]|\d{16}/;

/** Parse JSON text into a Value; throws a SyntaxError with the offset on bad input. */
export function parseJson(t: string): Variant {
  if (!NEEDS_EXACT.test(t)) return jsToValue(JSON.parse(t));
  return new ExactJson(t).document();
}

/** A JSON parser that keeps number kinds: `3.0` is a `Float`, `3` an `Int`, large integers exact i64. */
class ExactJson {
  i = 0;
  constructor(readonly t: string) {}
  fail(what: string): never {
    throw new SyntaxError(`JSON: ${what} at offset ${this.i}`);
  }
  ws(): number {
    const t = this.t;
    let c = t.charCodeAt(this.i);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = t.charCodeAt(++this.i);
    return c;
  }
  document(): Variant {
    const v = this.value();
    this.ws();
    if (this.i < this.t.length) this.fail("unexpected trailing text");
    return v;
  }
  value(): Variant {
    const t = this.t;
    const c = this.ws();
    if (c === 123 /* { */) {
      this.i++;
      const m = new Map<string, Variant>();
      if (this.ws() === 125) {
        this.i++;
        return new VMap(m);
      }
      for (;;) {
        if (this.ws() !== 34) this.fail("expected a string key");
        const k = this.string();
        if (this.ws() !== 58) this.fail("expected `:`");
        this.i++;
        m.set(k, this.value());
        const d = this.ws();
        this.i++;
        if (d === 125) return new VMap(m);
        if (d !== 44) {
          this.i--;
          this.fail("expected `,` or `}`");
        }
      }
    }
    if (c === 91 /* [ */) {
      this.i++;
      const xs: Variant[] = [];
      if (this.ws() === 93) {
        this.i++;
        return new VList(xs);
      }
      for (;;) {
        xs.push(this.value());
        const d = this.ws();
        this.i++;
        if (d === 93) return new VList(xs);
        if (d !== 44) {
          this.i--;
          this.fail("expected `,` or `]`");
        }
      }
    }
    if (c === 34) return new VString(this.string());
    if (c === 116 && t.startsWith("true", this.i)) {
      this.i += 4;
      return new VBool(true);
    }
    if (c === 102 && t.startsWith("false", this.i)) {
      this.i += 5;
      return new VBool(false);
    }
    if (c === 110 && t.startsWith("null", this.i)) {
      this.i += 4;
      return mkValue(ValueTag.Null, undefined);
    }
    return this.number();
  }
  string(): string {
    const t = this.t;
    const start = ++this.i;
    let j = start;
    for (;;) {
      const c = t.charCodeAt(j);
      if (c === 34) {
        this.i = j + 1;
        return t.slice(start, j);
      }
      if (c === 92 || c < 32 || Number.isNaN(c)) break;
      j++;
    }
    // Escapes (or a control character): find the real closing quote and let JSON.parse decode the literal.
    while (j < t.length && t.charCodeAt(j) !== 34) j += t.charCodeAt(j) === 92 ? 2 : 1;
    if (j >= t.length) this.fail("unterminated string");
    this.i = j + 1;
    return JSON.parse(t.slice(start - 1, j + 1)) as string;
  }
  number(): Variant {
    const t = this.t;
    const start = this.i;
    let j = start;
    if (t.charCodeAt(j) === 45) j++;
    const d0 = j;
    while (t.charCodeAt(j) >= 48 && t.charCodeAt(j) <= 57) j++;
    if (j === d0 || (t.charCodeAt(d0) === 48 && j - d0 > 1)) this.fail("expected a value");
    let float = false;
    if (t.charCodeAt(j) === 46) {
      float = true;
      const f0 = ++j;
      while (t.charCodeAt(j) >= 48 && t.charCodeAt(j) <= 57) j++;
      if (j === f0) this.fail("expected a digit after `.`");
    }
    const e = t.charCodeAt(j);
    if (e === 101 || e === 69) {
      float = true;
      j++;
      if (t.charCodeAt(j) === 43 || t.charCodeAt(j) === 45) j++;
      const e0 = j;
      while (t.charCodeAt(j) >= 48 && t.charCodeAt(j) <= 57) j++;
      if (j === e0) this.fail("expected a digit in the exponent");
    }
    this.i = j;
    const text = t.slice(start, j);
    const n = Number(text);
    if (float) return new VFloat(n);
    if (Number.isSafeInteger(n)) return new VInt(n);
    const b = BigInt(text);
    return b >= -9223372036854775808n && b <= 9223372036854775807n ? new VInt(norm(b)) : new VFloat(n);
  }
}

export function jsonModule(): HostModule {
  const m = new HostModule("json");
  m.portable = { factory: "json", args: [] };
  return m
    .fn("parse(text: string) -> Result[Value, string]", ((t: string) => {
      try {
        return Ok(parseJson(t));
      } catch (e) {
        return Err(e instanceof Error ? e.message : String(e));
      }
    }) as never)
    .fn("to_string(v: Value) -> string", ((v: unknown) => valueToJson(v, false)) as never)
    .fn("to_string_pretty(v: Value) -> string", ((v: unknown) => valueToJson(v, true)) as never);
}
