/**
 * A `Clock` whose time only moves when a test calls `advance()`.
 *
 * Timers due at or before the new time fire in deadline order (ties in creation
 * order); a timer set by a firing callback fires within the same `advance()` if it is
 * due by then. This is the gVisor-style manual clock the STYLE guide asks for.
 */
import type { Clock, Timer } from "../mod.ts";

interface Pending {
  due: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/** Deterministic clock for tests. */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #pending: Pending[] = [];

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const p: Pending = { due: this.#now + Math.max(0, ms), seq: this.#seq++, fn, live: true };
    this.#pending.push(p);
    return { cancel: () => void (p.live = false) };
  }

  /** Number of live timers not yet fired. */
  get pendingTimers(): number {
    return this.#pending.filter((p) => p.live).length;
  }

  /** Moves time forward by `ms`, firing every timer that becomes due. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      this.#pending = this.#pending.filter((p) => p.live);
      let next: Pending | undefined;
      for (const p of this.#pending) {
        if (p.due <= target && (!next || p.due < next.due || (p.due === next.due && p.seq < next.seq))) next = p;
      }
      if (!next) break;
      this.#now = Math.max(this.#now, next.due);
      next.live = false;
      next.fn();
    }
    this.#now = target;
  }
}
