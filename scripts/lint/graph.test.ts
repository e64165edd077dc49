import { describe, expect, test } from "bun:test";
import { cyclePath, findCycles, type ModuleGraph } from "./graph.ts";

const g = (edges: Record<string, string[]>): ModuleGraph => new Map(Object.entries(edges));

describe("findCycles", () => {
  test("an acyclic graph (a diamond) has no cycles", () => {
    expect(findCycles(g({ a: ["b", "c"], b: ["d"], c: ["d"], d: [] }))).toEqual([]);
  });

  test("two modules importing each other are one cycle", () => {
    expect(findCycles(g({ a: ["b"], b: ["a"], c: ["a"] }))).toEqual([["a", "b"]]);
  });

  test("a module importing itself is a cycle; one with no edges is not", () => {
    expect(findCycles(g({ a: ["a"], b: [] }))).toEqual([["a"]]);
  });

  test("separate loops are separate cycles, and a long loop is one component", () => {
    const cycles = findCycles(g({ a: ["b"], b: ["c"], c: ["a"], x: ["y"], y: ["x", "a"] }));
    expect(cycles).toEqual([
      ["a", "b", "c"],
      ["x", "y"],
    ]);
  });

  test("edges to modules outside the graph are ignored", () => {
    expect(findCycles(g({ a: ["zod", "b"], b: ["node:fs"] }))).toEqual([]);
  });

  test("a chain of 20,000 modules closing on itself does not overflow the stack", () => {
    const edges: Record<string, string[]> = {};
    for (let i = 0; i < 20_000; i++) edges[`m${i}`] = [`m${(i + 1) % 20_000}`];
    expect(findCycles(g(edges))[0]?.length).toBe(20_000);
  });
});

describe("cyclePath", () => {
  test("walks a shortest loop from the first module back to it", () => {
    const graph = g({ a: ["b", "x"], b: ["c"], c: ["a"], x: ["b"] });
    expect(cyclePath(graph, ["a", "b", "c", "x"])).toEqual(["a", "b", "c", "a"]);
  });

  test("a self-import is a one-step loop", () => {
    expect(cyclePath(g({ a: ["a"] }), ["a"])).toEqual(["a", "a"]);
  });
});
