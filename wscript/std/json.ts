/**
 * The `json` module over the shared `Value` (fact_data_formats.md):
 * `parse` → Result[Value, string]; `to_string` (compact, keys sorted) and
 * `to_string_pretty`. Integers that fit i64 become `Int`, others `Float`.
 */
import { HostModule } from "../host.ts";
import { Err, mkValue, Ok, ValueTag, valueToJson, norm, type Variant } from "../rt/core.ts";

/** Convert parsed JSON (with integer tokens preserved as strings) to a Value. */
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
  fail(what: string): never { throw new SyntaxError(`JSON: ${what} at offset ${this.i}`); }
  ws(): void { const t = this.t; let c = t.charCodeAt(this.i); while (c === 32 || c === 10 || c === 13 || c === 9) c = t.charCodeAt(++this.i); }
  document(): Variant {
    const v = this.value();
    this.ws();
    if (this.i < this.t.length) this.fail("unexpected trailing text");
    return v;
  }
  value(): Variant {
    this.ws();
    const t = this.t;
    const c = t[this.i];
    if (c === "{") {
      this.i++;
      const m = new Map<string, Variant>();
      this.ws();
      if (t[this.i] === "}") { this.i++; return mkValue(ValueTag.Map, m); }
      for (;;) {
        this.ws();
        if (t[this.i] !== '"') this.fail("expected a string key");
        const k = this.string();
        this.ws();
        if (t[this.i++] !== ":") this.fail("expected `:`");
        m.set(k, this.value());
        this.ws();
        const d = t[this.i++];
        if (d === "}") return mkValue(ValueTag.Map, m);
        if (d !== ",") this.fail("expected `,` or `}`");
      }
    }
    if (c === "[") {
      this.i++;
      const xs: Variant[] = [];
      this.ws();
      if (t[this.i] === "]") { this.i++; return mkValue(ValueTag.List, xs); }
      for (;;) {
        xs.push(this.value());
        this.ws();
        const d = t[this.i++];
        if (d === "]") return mkValue(ValueTag.List, xs);
        if (d !== ",") this.fail("expected `,` or `]`");
      }
    }
    if (c === '"') return mkValue(ValueTag.String, this.string());
    if (t.startsWith("true", this.i)) { this.i += 4; return mkValue(ValueTag.Bool, true); }
    if (t.startsWith("false", this.i)) { this.i += 5; return mkValue(ValueTag.Bool, false); }
    if (t.startsWith("null", this.i)) { this.i += 4; return mkValue(ValueTag.Null, undefined); }
    return this.number();
  }
  string(): string {
    const t = this.t;
    const start = ++this.i;
    const end = t.indexOf('"', start);
    if (end < 0) this.fail("unterminated string");
    const raw = t.slice(start, end);
    if (!raw.includes("\\") && !/[\u0000-\u001f]/.test(raw)) { this.i = end + 1; return raw; }
    // Escapes: find the real closing quote, then let JSON.parse decode the literal.
    let j = start;
    while (j < t.length && t[j] !== '"') j += t[j] === "\\" ? 2 : 1;
    if (j >= t.length) this.fail("unterminated string");
    this.i = j + 1;
    return JSON.parse(t.slice(start - 1, j + 1)) as string;
  }
  number(): Variant {
    const m = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    const r = m.exec(this.t);
    if (!r || !r[0] || r[0] === "-") this.fail("expected a value");
    this.i += r[0].length;
    if (r[1] === undefined && r[2] === undefined) {
      const n = Number(r[0]);
      if (Number.isSafeInteger(n)) return mkValue(ValueTag.Int, n);
      const b = BigInt(r[0]);
      return b >= -9223372036854775808n && b <= 9223372036854775807n ? mkValue(ValueTag.Int, norm(b)) : mkValue(ValueTag.Float, n);
    }
    return mkValue(ValueTag.Float, Number(r[0]));
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
