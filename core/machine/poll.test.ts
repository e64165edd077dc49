import { describe, expect, test } from "bun:test";
import { pollUntil } from "./poll.ts";
import { InstantClock } from "./testing/instant_clock.ts";

describe("pollUntil()", () => {
  test("returns the first value at once without sleeping", async () => {
    const clock = new InstantClock();
    expect(await pollUntil(async () => 7, { timeoutMs: 1_000, clock })).toEqual({ value: 7, polls: 1 });
    expect(clock.sleeps).toEqual([]);
  });

  test("backs off from the initial pause to the maximum", async () => {
    const clock = new InstantClock();
    let n = 0;
    const out = await pollUntil(async () => (++n === 6 ? "hit" : undefined), { timeoutMs: 60_000, clock, backoff: { initialMs: 100, maxMs: 400, factor: 2 } });
    expect(out).toEqual({ value: "hit", polls: 6 });
    expect(clock.sleeps).toEqual([100, 200, 400, 400, 400]);
  });

  test("never sleeps past the deadline and probes once more at it", async () => {
    const clock = new InstantClock();
    const seenAt: number[] = [];
    const out = await pollUntil(async () => void seenAt.push(clock.now()), { timeoutMs: 1_000, clock, backoff: { initialMs: 300, maxMs: 300, factor: 1 } });
    expect(out).toEqual({ value: undefined, polls: 5 });
    expect(seenAt).toEqual([0, 300, 600, 900, 1_000]);
  });

  test("a zero timeout is a single shot", async () => {
    const clock = new InstantClock();
    expect(await pollUntil(async () => undefined, { timeoutMs: 0, clock })).toEqual({ value: undefined, polls: 1 });
  });

  test("a slow probe eats into the remaining time", async () => {
    const clock = new InstantClock();
    const out = await pollUntil(async () => void clock.advance(700), { timeoutMs: 1_000, clock, backoff: { initialMs: 250, maxMs: 250, factor: 1 } });
    expect(out.polls).toBe(2);
    expect(clock.sleeps).toEqual([250]);
  });

  test("a throwing probe ends the wait with its error", async () => {
    const clock = new InstantClock();
    await expect(
      pollUntil(
        async () => {
          throw new Error("boom");
        },
        { timeoutMs: 1_000, clock },
      ),
    ).rejects.toThrow("boom");
  });
});
