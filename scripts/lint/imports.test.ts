import { describe, expect, test } from "bun:test";
import { blankLiterals, scanImports } from "./imports.ts";

const specs = (src: string) => scanImports(src).map((e) => `${e.specifier}${e.typeOnly ? " (type)" : ""}@${e.line}`);

describe("scanImports", () => {
  test("finds import, export-from, side-effect and literal dynamic imports with their lines", () => {
    const src = [
      'import { a } from "./a.ts";',
      'export * from "./b.ts";',
      'import "./c.ts";',
      'const d = await import("./d.ts");',
      'const e = await import("./e" + x);',
    ].join("\n");
    expect(specs(src)).toEqual(["./a.ts@1", "./b.ts@2", "./c.ts@3", "./d.ts@4"]);
  });

  test("import type, export type and all-type specifier lists are type-only; mixed lists are not", () => {
    const src = [
      'import type { A } from "./a.ts";',
      'export type { B } from "./b.ts";',
      'import { type C, type D } from "./c.ts";',
      'import { type E, f } from "./e.ts";',
      'import G, { type H } from "./g.ts";',
    ].join("\n");
    expect(specs(src)).toEqual(["./a.ts (type)@1", "./b.ts (type)@2", "./c.ts (type)@3", "./e.ts@4", "./g.ts@5"]);
  });

  test("a statement spread over lines is one edge at its specifier's line", () => {
    expect(specs('import {\n  a,\n  b,\n} from "./ab.ts";\n')).toEqual(["./ab.ts@4"]);
  });

  test("imports inside comments, strings and templates are not edges", () => {
    const src = [
      '// import { x } from "./comment.ts";',
      '/* import "./block.ts"; */',
      "const s = \"import { y } from './string.ts'\";",
      'const t = `\nimport { z } from "./template.ts";\n${v}`;',
      'import { real } from "./real.ts";',
    ].join("\n");
    expect(specs(src)).toEqual(["./real.ts@7"]);
  });
});

describe("blankLiterals", () => {
  test("keeps code, quotes, newlines and template substitutions; blanks the rest", () => {
    expect(blankLiterals('a("xy") // c\n`t${b}u`')).toBe('a("  ")     \n` ${b} `');
  });
});
