import { describe, expect, test } from "bun:test";
import { checkStructure } from "./check.ts";
import type { Layering } from "./layers.ts";

const LAYERS: Layering = {
  areas: [
    { name: "lib", paths: ["lib/"], rank: 1 },
    { name: "app", paths: ["app/"], rank: 2 },
  ],
  isolatedRanks: [],
};

const kinds = (files: Record<string, string>) => checkStructure(new Map(Object.entries(files)), LAYERS).map((f) => `${f.kind} ${f.path}:${f.line}`);

describe("checkStructure on fixture sources", () => {
  test("a clean tree has no findings", () => {
    expect(
      kinds({ "app/main.ts": 'import { f } from "../lib/f.ts";', "lib/f.ts": 'import { g } from "./g.ts";\nimport { z } from "zod";', "lib/g.ts": "" }),
    ).toEqual([]);
  });

  test("a value cycle is a cycle, reported once at its first module", () => {
    const f = checkStructure(new Map(Object.entries({ "lib/a.ts": 'import { b } from "./b.ts";', "lib/b.ts": 'import { a } from "./a.ts";' })), LAYERS);
    expect(f.map((x) => [x.kind, x.path, x.members])).toEqual([["cycle", "lib/a.ts", ["lib/a.ts", "lib/b.ts"]]]);
    expect(f[0]?.message).toBe("import cycle: lib/a.ts → lib/b.ts → lib/a.ts");
  });

  test("a cycle closed only through import type is a type-cycle", () => {
    expect(kinds({ "lib/a.ts": 'import { b } from "./b.ts";', "lib/b.ts": 'import type { A } from "./a.ts";' })).toEqual(["type-cycle lib/a.ts:1"]);
  });

  test("a library importing the app is a direction finding at the import's line, type imports included", () => {
    expect(kinds({ "lib/a.ts": '\nimport type { T } from "../app/t.ts";', "app/t.ts": "" })).toEqual(["direction lib/a.ts:2"]);
  });

  test("an import of a missing .ts file is unresolved; other files (JSON) are not checked", () => {
    expect(kinds({ "app/a.ts": 'import p from "../package.json";\nimport { x } from "./gone.ts";' })).toEqual(["unresolved app/a.ts:2"]);
  });
});
