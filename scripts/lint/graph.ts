/**
 * Import cycles: the strongly connected components of a module graph (Tarjan's
 * algorithm, iterative so deep graphs cannot overflow the stack). A component of two
 * or more modules, or a module importing itself, is a cycle.
 */

/** Module → the modules it imports. */
export type ModuleGraph = ReadonlyMap<string, readonly string[]>;

/** Every cycle in `graph`, each as its modules sorted by name; cycles sorted too. */
export function findCycles(graph: ModuleGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const succ = (v: string) => (graph.get(v) ?? []).filter((w) => graph.has(w));
  for (const root of [...graph.keys()].sort()) {
    if (index.has(root)) continue;
    // Each frame: the node and the position in its successor list.
    const frames: { v: string; ws: string[]; i: number }[] = [];
    const open = (v: string) => {
      index.set(v, next);
      low.set(v, next);
      next++;
      stack.push(v);
      onStack.add(v);
      frames.push({ v, ws: succ(v), i: 0 });
    };
    open(root);
    while (frames.length) {
      const f = frames[frames.length - 1] as { v: string; ws: string[]; i: number };
      if (f.i < f.ws.length) {
        const w = f.ws[f.i++] as string;
        if (!index.has(w)) open(w);
        else if (onStack.has(w)) low.set(f.v, Math.min(low.get(f.v) as number, index.get(w) as number));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v) as number, low.get(f.v) as number));
      if (low.get(f.v) === index.get(f.v)) {
        const comp: string[] = [];
        for (;;) {
          const w = stack.pop() as string;
          onStack.delete(w);
          comp.push(w);
          if (w === f.v) break;
        }
        const selfLoop = comp.length === 1 && (graph.get(f.v) ?? []).includes(f.v);
        if (comp.length > 1 || selfLoop) cycles.push(comp.sort());
      }
    }
  }
  return cycles.sort((a, b) => (a[0] ?? "").localeCompare(b[0] ?? ""));
}

/**
 * One concrete loop through a cycle's modules, for the message: starting at the
 * first module, a shortest path back to it (breadth-first inside the component).
 */
export function cyclePath(graph: ModuleGraph, cycle: readonly string[]): string[] {
  const members = new Set(cycle);
  const start = cycle[0] as string;
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift() as string;
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = prev.get(u) as string) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}
