/**
 * Normalised cross-correlation of one template against one image, position by position —
 * the same definition as OpenCV's `TM_CCOEFF_NORMED` (zero-mean correlation coefficient):
 *
 *   R(x,y) = Σ T'·I' / sqrt(Σ T'² · Σ I'²),  T' = T − mean(T),  I' = window − mean(window)
 *
 * evaluated in the exact-integer form n·ΣTI − ΣT·ΣI over sqrt((n·ΣT² − (ΣT)²)(n·ΣI² − (ΣI)²)),
 * with window sums from integral images (`integral.ts`). The dot product ΣTI skips the
 * template's dominant grey level k: ΣTI = Σ(T−k)·I + k·ΣI, and (T−k) is zero on the
 * background of text and UI crops, so only the "ink" pixels are visited.
 *
 * Flat (zero-variance) cases never produce NaN: a flat template scores 1 on flat windows
 * of the same mean and 0 elsewhere; a textured template scores 0 on a flat window.
 * Leaves out: colour matching, scale/rotation invariance.
 */
import type { GrayImage } from "./image.ts";
import type { Integral } from "./integral.ts";
import { integral, windowSum } from "./integral.ts";

/** Relative variance below which a window or template counts as flat (guards rounding at coarse levels). */
export const FLAT_RELATIVE_VARIANCE = 1e-9;
/** Mean difference (grey levels) under which two flat patches count as the same colour. */
export const FLAT_MEAN_TOLERANCE = 0.5;

/** A template prepared against one image: precomputed template statistics and sparse taps. */
export class NccScorer {
  /** Largest valid top-left x / y of a window. */
  readonly maxX: number;
  readonly maxY: number;
  readonly #img: Float32Array;
  readonly #integ: Integral;
  readonly #tw: number;
  readonly #th: number;
  readonly #n: number;
  readonly #sumT: number;
  readonly #varT: number;
  readonly #flatT: boolean;
  readonly #k: number;
  readonly #off: Int32Array;
  readonly #val: Float64Array;

  /** `integ` may be passed when the caller already built the image's tables. */
  constructor(img: GrayImage, tpl: GrayImage, integ: Integral = integral(img)) {
    this.#img = img.data;
    this.#integ = integ;
    this.#tw = tpl.width;
    this.#th = tpl.height;
    this.maxX = img.width - tpl.width;
    this.maxY = img.height - tpl.height;
    const n = tpl.width * tpl.height;
    this.#n = n;
    let s = 0;
    let q = 0;
    const counts = new Map<number, number>();
    for (const v of tpl.data) {
      s += v;
      q += v * v;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    this.#sumT = s;
    this.#varT = n * q - s * s;
    this.#flatT = this.#varT <= FLAT_RELATIVE_VARIANCE * n * q;
    let k = 0;
    let best = -1;
    for (const [v, c] of counts) if (c > best) [k, best] = [v, c];
    this.#k = k;
    const taps = n - best;
    this.#off = new Int32Array(taps);
    this.#val = new Float64Array(taps);
    let j = 0;
    for (let y = 0; y < tpl.height; y++) {
      for (let x = 0; x < tpl.width; x++) {
        const v = (tpl.data[y * tpl.width + x] as number) - k;
        if (v !== 0) {
          this.#off[j] = y * img.width + x;
          this.#val[j] = v;
          j++;
        }
      }
    }
  }

  /** Number of template pixels visited per position (the cost of one `score`). */
  get taps(): number {
    return this.#val.length;
  }

  /** The coefficient for the window whose top-left corner is (x, y); caller keeps x ≤ maxX, y ≤ maxY. */
  score(x: number, y: number): number {
    const { stride, sum, sq } = this.#integ;
    const n = this.#n;
    const sI = windowSum(sum, stride, x, y, this.#tw, this.#th);
    const qI = windowSum(sq, stride, x, y, this.#tw, this.#th);
    const varI = n * qI - sI * sI;
    const flatI = varI <= FLAT_RELATIVE_VARIANCE * n * qI;
    if (this.#flatT) return flatI && Math.abs(sI - this.#sumT) <= FLAT_MEAN_TOLERANCE * n ? 1 : 0;
    if (flatI) return 0;
    const img = this.#img;
    const off = this.#off;
    const val = this.#val;
    const p = y * (this.maxX + this.#tw) + x;
    let dot = 0;
    for (let j = 0; j < off.length; j++) dot += (val[j] as number) * (img[p + (off[j] as number)] as number);
    const num = n * (dot + this.#k * sI) - this.#sumT * sI;
    const r = num / Math.sqrt(this.#varT * varI);
    return r > 1 ? 1 : r < -1 ? -1 : r;
  }

  /** Scores every position; row-major, (maxX+1) × (maxY+1). */
  map(): Float64Array {
    const w = this.maxX + 1;
    const out = new Float64Array(w * (this.maxY + 1));
    for (let y = 0; y <= this.maxY; y++) for (let x = 0; x < w; x++) out[y * w + x] = this.score(x, y);
    return out;
  }
}
