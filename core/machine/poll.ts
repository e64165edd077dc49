/**
 * Waiting on a guest's screen: a probe run again and again, with backoff, until it
 * yields a value or a deadline passes.
 *
 * Contract: `pollUntil(probe, {timeoutMs, clock, backoff})` runs `probe` at once, then
 * after pauses that grow from `backoff.initialMs` by `backoff.factor` up to
 * `backoff.maxMs`, never sleeping past the deadline, and always probes one last time at
 * the deadline (so a zero timeout is a single shot). It returns the value and the number
 * of probes, or only the count on timeout; a probe that throws ends the wait with that
 * error. Time comes from an injected `Clock`, so tests run without sleeping.
 *
 * The reference polls every 1 s (fact_vm_vision.md); starting faster and backing off to
 * that keeps short waits snappy without burning a shared host's CPU on long ones.
 */
import type { Clock } from "../clock/mod.ts";

/** Growth of the pause between probes. */
export interface Backoff {
  /** First pause, ms. */
  readonly initialMs: number;
  /** Longest pause, ms. */
  readonly maxMs: number;
  /** Each pause is the previous one times this (≥ 1). */
  readonly factor: number;
}

/** Screen waits: 250 ms, 375 ms, … up to the reference's 1 s poll period. */
export const DEFAULT_POLL_BACKOFF: Backoff = { initialMs: 250, maxMs: 1_000, factor: 1.5 };

/** Resolves after `ms` on `clock`. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => void clock.setTimer(Math.max(0, ms), resolve));
}

/** What a finished wait saw. */
export interface PollOutcome<T> {
  /** The probe's value, or undefined when the deadline passed first. */
  readonly value: T | undefined;
  /** How many times the probe ran. */
  readonly polls: number;
}

/** Runs `probe` until it returns a value other than `undefined` or `timeoutMs` has passed. */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  opts: { readonly timeoutMs: number; readonly clock: Clock; readonly backoff?: Backoff },
): Promise<PollOutcome<T>> {
  const backoff = opts.backoff ?? DEFAULT_POLL_BACKOFF;
  const deadline = opts.clock.now() + Math.max(0, opts.timeoutMs);
  let pause = backoff.initialMs;
  let polls = 0;
  for (;;) {
    const value = await probe();
    polls++;
    if (value !== undefined) return { value, polls };
    const remaining = deadline - opts.clock.now();
    if (remaining <= 0) return { value: undefined, polls };
    await sleep(opts.clock, Math.min(pause, remaining));
    pause = Math.min(backoff.maxMs, pause * Math.max(1, backoff.factor));
  }
}
