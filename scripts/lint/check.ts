/**
 * The structural lint over a set of sources: resolves every relative import to a
 * module of the set, then reports imports against the dependency direction
 * (`layers.ts`, type-only imports included: a library must not even name a daemon
 * type) and import cycles. A cycle of value imports is a `cycle`; a cycle that
 * closes only through `import type` edges (erased at run time, so no
 * initialisation-order hazard, but still two modules that cannot be read apart) is a
 * `type-cycle`, which the caller may treat as a warning. Pure: sources in, findings out.
 */
import { dirname, join, normalize } from "node:path/posix";
import { cyclePath, findCycles, type ModuleGraph } from "./graph.ts";
import { scanImports } from "./imports.ts";
import { directionViolation, type Layering } from "./layers.ts";

/** One problem, printed as `path:line: message`. */
export interface Finding {
  readonly kind: "cycle" | "type-cycle" | "direction" | "unresolved";
  readonly path: string;
  readonly line: number;
  readonly message: string;
  /** For cycles: every module of the cycle, sorted. */
  readonly members: readonly string[];
}

/** Repository-relative path → source text. */
export type Sources = ReadonlyMap<string, string>;

/** Findings for `sources` under `layers`, sorted by path and line. */
export function checkStructure(sources: Sources, layers: Layering): Finding[] {
  const findings: Finding[] = [];
  const graph = new Map<string, string[]>();
  const runtime = new Map<string, string[]>();
  const lineOfEdge = new Map<string, number>();
  for (const [path, text] of sources) {
    const targets: string[] = [];
    const values: string[] = [];
    for (const e of scanImports(text)) {
      if (!e.specifier.startsWith(".")) continue;
      const to = normalize(join(dirname(path), e.specifier));
      if (!sources.has(to)) {
        // JSON and other non-source imports are not part of the module graph.
        if (!to.endsWith(".ts")) continue;
        findings.push({ kind: "unresolved", path, line: e.line, message: `import "${e.specifier}" names no source file (${to})`, members: [] });
        continue;
      }
      targets.push(to);
      if (!e.typeOnly) values.push(to);
      if (!lineOfEdge.has(`${path}>${to}`)) lineOfEdge.set(`${path}>${to}`, e.line);
      const why = directionViolation(layers, path, to);
      if (why) findings.push({ kind: "direction", path, line: e.line, message: `imports ${to}: ${why}`, members: [] });
    }
    graph.set(path, targets);
    runtime.set(path, values);
  }
  const report = (g: ModuleGraph, cycle: string[], kind: "cycle" | "type-cycle") => {
    const loop = cyclePath(g, cycle);
    const first = loop[0] as string;
    const line = lineOfEdge.get(`${first}>${loop[1]}`) ?? 1;
    const extra = cycle.length > loop.length - 1 ? ` (${cycle.length} modules in this cycle in all)` : "";
    const what = kind === "cycle" ? "import cycle" : "import cycle through type-only imports";
    findings.push({ kind, path: first, line, message: `${what}: ${loop.join(" → ")}${extra}`, members: cycle });
  };
  const valueCycles = findCycles(runtime);
  for (const c of valueCycles) report(runtime, c, "cycle");
  // Components of the full graph that contain no value cycle close through types only.
  const inValueCycle = new Set(valueCycles.flat());
  for (const c of findCycles(graph)) if (!c.some((m) => inValueCycle.has(m))) report(graph, c, "type-cycle");
  return findings.sort((x, y) => x.path.localeCompare(y.path) || x.line - y.line);
}
