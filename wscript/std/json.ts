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

export function jsonModule(): HostModule {
  const m = new HostModule("json");
  m.portable = { factory: "json", args: [] };
  return m
    .fn("parse(text: string) -> Result[Value, string]", ((t: string) => {
      try {
        // Keep integer literals that lose precision as BigInt.
        const parsed = JSON.parse(t, (_k, val, ctx?: { source?: string }) => {
          if (typeof val === "number" && ctx?.source && /^-?\d+$/.test(ctx.source) && !Number.isSafeInteger(val)) {
            const b = BigInt(ctx.source);
            return b >= -9223372036854775808n && b <= 9223372036854775807n ? b : val;
          }
          return val;
        });
        return Ok(jsToValue(parsed));
      } catch (e) {
        return Err(e instanceof Error ? e.message : String(e));
      }
    }) as never)
    .fn("to_string(v: Value) -> string", ((v: unknown) => valueToJson(v, false)) as never)
    .fn("to_string_pretty(v: Value) -> string", ((v: unknown) => valueToJson(v, true)) as never);
}
