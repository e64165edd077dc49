import { describe, expect, test } from "bun:test";
import { HostModule } from "./host.ts";
import { mathModule } from "./std/mod.ts";
import { noImports, type Resolver } from "./compile.ts";
import { Session } from "./session.ts";

const files: Record<string, string> = {
  "/p/helper.wscript": "fn twice(x: int) -> int { x * 2 }\n",
  "/p/lib/extra.wscript": "fn three() -> int { 3 }\n",
};
const memResolver =
  (roots: string[]): Resolver =>
  (from, spec) => {
    const dir = from.slice(0, from.lastIndexOf("/"));
    const cands = "path" in spec ? [`${dir}/${spec.path}`] : [`${dir}/${spec.name}.wscript`, ...roots.map((r) => `${r}/${spec.name}.wscript`)];
    for (const c of cands) {
      const t = files[c];
      if (t !== undefined) return { path: c, text: t };
    }
    return undefined;
  };

describe("Session", () => {
  test("compile() builds the whole import graph into one unit and carries every source", () => {
    const s = Session.builder()
      .module(mathModule())
      .resolver(memResolver(["/p/lib"]))
      .build();
    const c = s.compile("/p/main.wscript", "use helper\nuse extra\nfn main() -> int { helper::twice(extra::three()) }\n");
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect([...c.sources.keys()].sort()).toEqual(["/p/helper.wscript", "/p/lib/extra.wscript", "/p/main.wscript"]);
    expect(s.run(c)).toMatchObject({ ok: true, value: 6 });
  });
  test("run() calls another entry with arguments when asked", () => {
    const s = Session.builder().resolver(noImports).build();
    const c = s.compile("m.wscript", "fn add(a: int, b: int) -> int { a + b }");
    if (!c.ok) throw new Error("compile");
    expect(s.run(c, { entry: "add", args: [2, 5] })).toMatchObject({ ok: true, value: 7 });
  });
  test("noImports refuses script imports with a diagnostic naming the import", () => {
    const s = Session.builder().resolver(noImports).build();
    const c = s.compile("m.wscript", "use helper\nfn main() {}");
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.diagnostics[0]?.message).toBe("unresolved import `helper`");
  });
  test("host modules are registered through the builder", () => {
    const term = new HostModule("term").const("MAX_PANES: int", 16);
    const s = Session.builder().module(term).build();
    const c = s.compile("m.wscript", "use term\nfn main() -> int { term::MAX_PANES }");
    if (!c.ok) throw new Error("compile");
    expect(s.run(c)).toMatchObject({ ok: true, value: 16 });
    expect(s.context().modules.has("term")).toBe(true);
  });
});

describe("Session.analyze()", () => {
  const s = Session.builder().module(mathModule()).resolver(memResolver([])).build();
  const src = "use helper\nstruct P { x: int }\nfn main() -> int {\n    let p = P { x: 2 }\n    let n = helper::twice(p.x)\n    n + 1\n}\n";
  const a = s.analyze("/p/main.wscript", src);
  const at = (needle: string, k = 0) => src.indexOf(needle) + k;

  test("it records locals with their inferred types and scopes", () => {
    expect(a.diagnostics).toEqual([]);
    const n = a.bindings.find((b) => b.name === "n");
    expect(n?.type).toBe("int");
    expect(a.scopeAt("/p/main.wscript", at("n + 1")).map((b) => b.name)).toEqual(["n", "p"]);
  });
  test("hover shows a local's type and a function's signature", () => {
    expect(a.hoverAt("/p/main.wscript", at("n + 1"))?.text).toBe("n: int");
    expect(a.hoverAt("/p/main.wscript", at("twice", 2))?.text).toBe("fn helper::twice(x: int) -> int");
    expect(a.hoverAt("/p/main.wscript", at("p.x", 2))?.text).toBe("P.x: int");
  });
  test("definition finds locals, fields and functions in imported files", () => {
    expect(a.definitionAt("/p/main.wscript", at("n + 1"))).toMatchObject({ file: "/p/main.wscript", start: at("let n", 4) });
    expect(a.definitionAt("/p/main.wscript", at("p.x", 2))).toMatchObject({ start: at("x: int") });
    expect(a.definitionAt("/p/main.wscript", at("twice", 1))).toMatchObject({ file: "/p/helper.wscript", start: 3 });
  });
  test("a broken file still answers for its good parts", () => {
    const bad = "fn main() {\n    let a = 1\n    let b: string = a\n    a +\n}\n";
    const r = s.analyze("/p/bad.wscript", bad);
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(r.bindings.find((b) => b.name === "a")?.type).toBe("int");
  });
});
