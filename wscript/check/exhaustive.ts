/**
 * Match exhaustiveness (concept_pattern_matching.md).
 *
 * The classic usefulness algorithm over a pattern matrix: a type either has a
 * finite set of constructors (enum variants, `true`/`false`, a struct's single
 * constructor) or an infinite literal domain (int, string, …) that only a
 * wildcard covers. `missingWitness` returns one value shape that no row
 * matches, rendered for the E0301 diagnostic, or `undefined` when the rows
 * are exhaustive. Exact for nested variant / struct / bool / literal patterns.
 * Guarded arms are excluded by the caller.
 */

/** A pattern normalised for the analysis. */
export type NPat = { c: "wild" } | { c: "ctor"; name: string; args: NPat[] } | { c: "lit"; v: string };

/** A constructor of a type: its display name and its argument types (opaque to this module). */
export type Ctor<T> = { name: string; display: (args: string[]) => string; argTys: T[] };

/** Describes the constructors of a type, or `undefined` for an infinite domain. */
export type CtorsOf<T> = (ty: T) => Ctor<T>[] | undefined;

/** Limit on the matrix work (bounded so adversarial patterns cannot hang the checker). */
const MAX_STEPS = 20000;

export function missingWitness<T>(rows: NPat[][], tys: T[], ctorsOf: CtorsOf<T>): string[] | undefined {
  let steps = 0;
  const go = (rows: NPat[][], tys: T[]): string[] | undefined => {
    if (++steps > MAX_STEPS) return undefined;
    if (tys.length === 0) return rows.length === 0 ? [] : undefined;
    const [ty, ...rest] = tys as [T, ...T[]];
    const anyCtor = rows.some((r) => r[0]?.c !== "wild");
    const ctors = ctorsOf(ty);
    if (ctors && anyCtor) {
      for (const c of ctors) {
        const n = c.argTys.length;
        const spec: NPat[][] = [];
        for (const r of rows) {
          const h = r[0] as NPat;
          if (h.c === "wild") spec.push([...Array.from({ length: n }, (): NPat => ({ c: "wild" })), ...r.slice(1)]);
          else if (h.c === "ctor" && h.name === c.name) spec.push([...h.args, ...r.slice(1)]);
        }
        const w = go(spec, [...c.argTys, ...rest]);
        if (w) return [c.display(w.slice(0, n)), ...w.slice(n)];
      }
      return undefined;
    }
    const def = rows.filter((r) => r[0]?.c === "wild").map((r) => r.slice(1));
    const w = go(def, rest);
    if (!w) return undefined;
    if (ctors && ctors.length > 0) {
      const c = ctors[0] as Ctor<T>;
      return [c.display(c.argTys.map(() => "_")), ...w];
    }
    return ["_", ...w];
  };
  return go(rows, tys);
}
