/**
 * The `time` module (fact_time_functions.md). The clock is injected
 * (`TimeSource`) so tests never sleep.
 *
 * Two flavours with the same script-visible signatures:
 * - `timeModule()` — `sleep` blocks the script's own thread with
 *   `Atomics.wait` (what a synchronous script expects from the CLI's
 *   same-thread `Vm`); portable, so a worker rebuilds it locally.
 * - `asyncTimeModule()` — `sleep` is an async host function served by the
 *   embedder's thread (a timer), for scripts run with `runInWorker`: the
 *   worker blocks, the embedder's event loop keeps running.
 */
import { HostModule } from "../host.ts";
import type { Int } from "../rt/core.ts";

export type TimeSource = { wallMillis(): number; monoMillis(): number; sleepMillis(ms: number): void };
export type AsyncTimeSource = { wallMillis(): number; monoMillis(): number; sleepMillis(ms: number): Promise<void> };

export const systemTime: TimeSource = {
  wallMillis: () => Date.now(),
  monoMillis: () => performance.now(),
  sleepMillis: (ms) => {
    if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  },
};

export const asyncSystemTime: AsyncTimeSource = {
  wallMillis: () => Date.now(),
  monoMillis: () => performance.now(),
  sleepMillis: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Clamp a script duration to a non-negative JS number of milliseconds. */
const clampMs = (ms: Int): number => Math.max(0, Number(ms));

function clocks(m: HostModule, t: { wallMillis(): number; monoMillis(): number }): HostModule {
  const anchor = t.monoMillis();
  return m
    .fn("now_unix() -> float", (() => t.wallMillis() / 1000) as never)
    .fn("now_millis() -> int", (() => Math.floor(t.wallMillis())) as never)
    .fn("instant() -> float", (() => (t.monoMillis() - anchor) / 1000) as never)
    .fn("elapsed(start: float) -> float", ((s: number) => (t.monoMillis() - anchor) / 1000 - s) as never)
    .fn("format_iso(ts: float) -> string", ((ts: number) => {
      const d = new Date(Math.floor(ts) * 1000);
      return Number.isNaN(d.getTime()) ? "invalid" : d.toISOString().replace(/\.\d{3}Z$/, "Z");
    }) as never);
}

export function timeModule(t: TimeSource = systemTime): HostModule {
  const m = clocks(new HostModule("time"), t).fn("sleep(ms: int)", ((ms: Int) => t.sleepMillis(clampMs(ms))) as never);
  if (t === systemTime) m.portable = { factory: "time", args: [] };
  return m;
}

export function asyncTimeModule(t: AsyncTimeSource = asyncSystemTime): HostModule {
  return clocks(new HostModule("time"), t).asyncFn("sleep(ms: int)", ((ms: Int) => t.sleepMillis(clampMs(ms))) as never);
}
