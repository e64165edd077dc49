/**
 * "Did you mean …?" — the closest known name to a misspelt one.
 *
 * Uses optimal-string-alignment edit distance and accepts a candidate only when
 * it is within a third of the name's length (at least 1, at most 3 edits),
 * so that hints help rather than guess.
 */

/** Largest edit distance ever suggested. */
export const MAX_SUGGEST_DISTANCE = 3;

export function distance(a: string, b: string): number {
  // Optimal string alignment: Levenshtein plus adjacent transpositions ("crop" → "corp" is 1).
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number) => rows[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = d;
    }
  }
  return at(a.length, b.length);
}

/** The best candidate for `name`, or undefined when none is close enough. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.min(MAX_SUGGEST_DISTANCE, Math.max(1, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD && d <= limit) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** A hint sentence for `suggest`, or undefined. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const s = suggest(name, candidates);
  return s === undefined ? undefined : `did you mean \`${s}\`?`;
}
