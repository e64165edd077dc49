/**
 * Fuzz of the image decoders (issue #19 "Fuzz volume"): seeded mutations of
 * a real PNG (every chunk kind the decoder reads: IHDR, PLTE, IDAT, IEND)
 * and of a real PPM through `decodeImage`. A decoder answers with a value
 * or a `VisionError` result — never an exception.
 */
import { describe, expect, test } from "bun:test";
import { fuzzIterations, fuzzTimeoutMs, mutate, Rng } from "../../net/testing/fuzz.ts";
import { decodeImage } from "./decode.ts";
import { encodePng } from "./png_encode.ts";
import { encodePpm } from "./ppm.ts";
import { syntheticScreen } from "./testing/synth.ts";

const FUZZ_N = fuzzIterations();

describe("image decoders under mutated input (fuzz)", () => {
  test(
    `${FUZZ_N} mutated PNG and PPM files decode to a result, never an exception`,
    () => {
      const rng = new Rng(53);
      const img = syntheticScreen(12, 8, 5);
      const seeds = [encodePng(img), encodePpm(img)];
      let ok = 0;
      for (let i = 0; i < FUZZ_N; i++) {
        const r = decodeImage(mutate(seeds[i % 2] as Uint8Array, rng, 4096), "fuzz");
        if (r.ok) ok++;
      }
      // Some mutations (in pixel data) still decode: the inputs reach past the header checks.
      expect(ok).toBeGreaterThan(0);
    },
    fuzzTimeoutMs(FUZZ_N),
  );
});
