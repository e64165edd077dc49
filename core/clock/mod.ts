/**
 * Time as an injected dependency.
 *
 * A leaf module that imports nothing, shared by every layer: `net/` (MAC ageing, DHCP
 * leases, TCP retransmission, flow expiry), the QMP and agent clients, and
 * `core/machine`. Code that needs timers takes a `Clock` instead of calling
 * `Date.now()` or `setTimeout` itself, so tests drive time with
 * `ManualClock.advance()` (`core/clock/testing/manual_clock.ts`) and never sleep
 * (STYLE "inject clocks").
 *
 * Contract: `now()` is monotonic milliseconds; `setTimer(ms, fn)` calls `fn` once after
 * at least `ms` milliseconds unless cancelled. Timers never keep the process alive.
 */

/** A cancellable one-shot timer. */
export interface Timer {
  cancel(): void;
}

/** Monotonic time source plus one-shot timers. */
export interface Clock {
  /** Monotonic milliseconds (arbitrary epoch). */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds unless cancelled first. */
  setTimer(ms: number, fn: () => void): Timer;
}

/** The real clock: `performance.now()` and unref'd `setTimeout`. */
export function systemClock(): Clock {
  return {
    now: () => performance.now(),
    setTimer(ms, fn) {
      const handle = setTimeout(fn, Math.max(0, ms));
      (handle as { unref?: () => void }).unref?.();
      return { cancel: () => clearTimeout(handle) };
    },
  };
}
