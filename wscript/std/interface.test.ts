import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { Context, noImports } from "../compile.ts";
import { interfaceModules } from "../manifest.ts";
import { STD_INTERFACE_PATH, stdInterface } from "./interface.ts";
import { stdModules } from "./mod.ts";

describe("std.wscripti", () => {
  test("the committed file is what writeInterface generates from the stdlib (regenerate: bun wscript/std/interface.ts)", () => {
    expect(readFileSync(STD_INTERFACE_PATH, "utf8")).toBe(stdInterface());
  });
  test("it declares every stdlib module and reads back without diagnostics", () => {
    const im = interfaceModules(STD_INTERFACE_PATH, stdInterface());
    expect(im.diagnostics).toEqual([]);
    expect(
      im.modules
        .map((m) => m.name)
        .filter((n) => !n.startsWith("<"))
        .sort(),
    ).toEqual(
      stdModules()
        .map((m) => m.name)
        .sort(),
    );
  });
  test("a script using the stdlib type-checks against the interface alone", () => {
    const ctx = new Context().withResolver(noImports);
    for (const m of interfaceModules(STD_INTERFACE_PATH, stdInterface()).modules) ctx.module(m);
    const ok = ctx.compile("s.wscript", 'use math\nuse json\nfn main() -> float { let v = json::parse("1")\n math::sqrt(math::PI) }');
    expect(ok.ok).toBe(true);
    const bad = ctx.compile("s.wscript", 'use math\nfn main() -> float { math::sqrt("x") }');
    expect(bad.ok).toBe(false);
  });
});
