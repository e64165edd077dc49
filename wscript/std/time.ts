/**
 * The `time` module (fact_time_functions.md). The clock is injected
 * (`TimeSource`) so tests never sleep; `sleep` blocks the script thread
 * with Atomics.wait, which is what a synchronous script expects.
 */
import { HostModule } from "../host.ts";
import type { Int } from "../rt_core.ts";

export type TimeSource = { wallMillis(): number; monoMillis(): number; sleepMillis(ms: number): void };

export const systemTime: TimeSource = {
  wallMillis: () => Date.now(),
  monoMillis: () => performance.now(),
  sleepMillis: (ms) => { if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); },
};

export function timeModule(t: TimeSource = systemTime): HostModule {
  const anchor = t.monoMillis();
  return new HostModule("time")
    .fn("now_unix() -> float", (() => t.wallMillis() / 1000) as never)
    .fn("now_millis() -> int", (() => Math.floor(t.wallMillis())) as never)
    .fn("instant() -> float", (() => (t.monoMillis() - anchor) / 1000) as never)
    .fn("elapsed(start: float) -> float", ((s: number) => (t.monoMillis() - anchor) / 1000 - s) as never)
    .fn("sleep(ms: int)", ((ms: Int) => t.sleepMillis(Math.max(0, Number(ms)))) as never)
    .fn("format_iso(ts: float) -> string", ((ts: number) => {
      const d = new Date(Math.floor(ts) * 1000);
      return Number.isNaN(d.getTime()) ? "invalid" : d.toISOString().replace(/\.\d{3}Z$/, "Z");
    }) as never);
}
