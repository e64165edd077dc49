import { describe, expect, test } from "bun:test";
import { FUZZ_DEFAULT_ITERATIONS, fuzzIterations, mutate, Rng } from "./fuzz.ts";

describe("fuzz helpers", () => {
  test("fuzzIterations() reads FUZZ_ITERATIONS and falls back to the CI slice", () => {
    expect(fuzzIterations({})).toBe(FUZZ_DEFAULT_ITERATIONS);
    expect(fuzzIterations({ FUZZ_ITERATIONS: "1000000" })).toBe(1_000_000);
    for (const bad of ["", "0", "-5", "lots"]) expect(fuzzIterations({ FUZZ_ITERATIONS: bad })).toBe(FUZZ_DEFAULT_ITERATIONS);
  });

  test("mutate() is deterministic per seed, leaves its input alone, and changes the bytes", () => {
    const base = Uint8Array.from({ length: 64 }, (_, i) => i);
    const run = (seed: number) => {
      const r = new Rng(seed, {});
      return Array.from({ length: 200 }, () => mutate(base, r));
    };
    const a = run(1);
    const b = run(1);
    expect(a.map((x) => [...x])).toEqual(b.map((x) => [...x]));
    expect([...base]).toEqual(Array.from({ length: 64 }, (_, i) => i));
    expect(a.filter((x) => Buffer.compare(Buffer.from(x), Buffer.from(base)) !== 0).length).toBeGreaterThan(150);
    expect(new Set(a.map((x) => x.length)).size).toBeGreaterThan(10);
  });

  test("FUZZ_SEED shifts the sequence", () => {
    expect(new Rng(5, {}).next()).not.toBe(new Rng(5, { FUZZ_SEED: "1" }).next());
  });
});
