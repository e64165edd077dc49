/**
 * The `math` module (fact_math_functions.md): float core, trig, int
 * variants, constants, and `rand`/`rand_range`. Pure; always safe to grant.
 * The random source is injectable so tests can be deterministic.
 */
import { HostModule } from "../host.ts";
import { fault, norm, type Int } from "../rt/core.ts";

export function mathModule(random: () => number = Math.random): HostModule {
  const m = new HostModule("math");
  const f1: Record<string, (x: number) => number> = {
    abs: Math.abs,
    floor: Math.floor,
    ceil: Math.ceil,
    round: (x) => (x < 0 ? -Math.round(-x) : Math.round(x)),
    trunc: Math.trunc,
    sqrt: Math.sqrt,
    exp: Math.exp,
    ln: Math.log,
    log2: Math.log2,
    log10: Math.log10,
    signum: (x) => (Number.isNaN(x) ? NaN : x < 0 || Object.is(x, -0) ? -1 : 1),
    sin: Math.sin,
    cos: Math.cos,
    tan: Math.tan,
    asin: Math.asin,
    acos: Math.acos,
    atan: Math.atan,
    sinh: Math.sinh,
    cosh: Math.cosh,
    tanh: Math.tanh,
    asinh: Math.asinh,
    acosh: Math.acosh,
    atanh: Math.atanh,
  };
  for (const [n, f] of Object.entries(f1)) m.fn(`${n}(x: float) -> float`, f as never);
  m.fn("min(a: float, b: float) -> float", ((a: number, b: number) => Math.min(a, b)) as never);
  m.fn("max(a: float, b: float) -> float", ((a: number, b: number) => Math.max(a, b)) as never);
  m.fn("pow(base: float, exp: float) -> float", ((a: number, b: number) => a ** b) as never);
  m.fn("atan2(y: float, x: float) -> float", ((y: number, x: number) => Math.atan2(y, x)) as never);
  m.fn("clamp(x: float, lo: float, hi: float) -> float", ((x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x))) as never);
  m.fn("lerp(a: float, b: float, t: float) -> float", ((a: number, b: number, t: number) => a + (b - a) * t) as never);
  m.fn("iabs(x: int) -> int", ((x: Int) => (typeof x === "number" ? Math.abs(x) : norm(x < 0n ? -x : x))) as never);
  m.fn("imin(a: int, b: int) -> int", ((a: Int, b: Int) => (a < b ? a : b)) as never);
  m.fn("imax(a: int, b: int) -> int", ((a: Int, b: Int) => (a > b ? a : b)) as never);
  m.fn("iclamp(x: int, lo: int, hi: int) -> int", ((x: Int, lo: Int, hi: Int) => (x < lo ? lo : x > hi ? hi : x)) as never);
  m.fn("isignum(x: int) -> int", ((x: Int) => (x < 0 ? -1 : x > 0 ? 1 : 0)) as never);
  m.fn("rand() -> float", (() => random()) as never);
  m.fn("rand_range(lo: int, hi: int) -> int", ((lo: Int, hi: Int) => {
    if (!(lo < hi)) fault(`rand_range: empty range ${lo}..${hi}`);
    return norm(BigInt(lo) + BigInt(Math.floor(random() * Number(BigInt(hi) - BigInt(lo)))));
  }) as never);
  if (random === Math.random) m.portable = { factory: "math", args: [] };
  m.const("PI: float", Math.PI)
    .const("E: float", Math.E)
    .const("TAU: float", 2 * Math.PI)
    .const("INF: float", Infinity)
    .const("NAN: float", NaN);
  return m;
}
