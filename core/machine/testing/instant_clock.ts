/**
 * A `Clock` for tests of code that sleeps between steps: every timer fires on the next
 * microtask and moves `now()` forward by its delay, so a wait of minutes finishes at
 * once while the code under test still sees time pass in the right amounts. `sleeps`
 * records each requested delay for assertions about pacing and backoff.
 */
import type { Clock, Timer } from "../../clock/mod.ts";

/** Time that jumps forward whenever someone sleeps. */
export class InstantClock implements Clock {
  #now: number;
  /** Every delay passed to `setTimer`, in order. */
  readonly sleeps: number[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, fn: () => void): Timer {
    let live = true;
    this.sleeps.push(ms);
    queueMicrotask(() => {
      if (!live) return;
      this.#now += Math.max(0, ms);
      fn();
    });
    return { cancel: () => void (live = false) };
  }

  /** Moves time forward without a timer (simulates slow work in a probe). */
  advance(ms: number): void {
    this.#now += ms;
  }
}
