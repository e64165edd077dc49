import { describe, expect, test } from "bun:test";
import type { ScriptChecker } from "../config/context.ts";
import { locate, toJson } from "../wcl/mod.ts";
import { WscriptChecker } from "./checker.ts";

describe("WscriptChecker", () => {
  test("WscriptChecker is a ScriptChecker", () => {
    const c: ScriptChecker = new WscriptChecker();
    expect(c.check("/l/ok.ws", "use vmlab\nfn main(lab: Lab) {}\n", "main")).toEqual([]);
  });

  test("check() maps a type error to a WCL diagnostic at file:line:col", () => {
    const c = new WscriptChecker();
    const src = 'use vmlab\n\nfn main(lab: Lab) {\n    let vm = lab.vm("dc01")\n    vm.exec("ls", [])\n}\n';
    const [d, ...rest] = c.check("/l/scripts/setup.ws", src, "main");
    expect(rest).toEqual([]);
    expect(d?.severity).toBe("error");
    expect(d?.span.file).toBe("/l/scripts/setup.ws");
    expect(locate(src, d?.span.start ?? -1)).toEqual({ line: 5, col: 8 });
    // What the CLI renders at file:line:col with the source line: the checker keeps the script's text.
    expect(toJson(d!, c.sources, "/l")).toMatchObject({ file: "scripts/setup.ws", line: 5, col: 8 });
    expect(c.sources.get("/l/scripts/setup.ws")?.split("\n")[4]).toBe('    vm.exec("ls", [])');
  });

  test("check() reports a wrong handler signature on the function name", () => {
    const c = new WscriptChecker();
    const src = "use vmlab\nfn handle(lab: Lab) {}\n";
    const ds = c.check("/l/h.ws", src, "handle");
    expect(ds.map((d) => [d.code, d.message, locate(src, d.span.start)])).toEqual([
      ["E0802", "`handle` takes (lab: Lab), but an event handler is called as `fn handle(event: Event, lab: Lab)`", { line: 2, col: 4 }],
    ]);
    expect(ds[0]?.hint).toBe("declare it as `fn handle(event: Event, lab: Lab)`");
  });

  test("check() folds help and notes into the hint", () => {
    const c = new WscriptChecker();
    const ds = c.check("/l/m.ws", 'use vmlab\nfn main(lab: Lab) {\n    lab.vm("a")\n}\n', "main");
    expect(ds.length).toBe(1);
    expect(ds[0]?.hint).toContain("discard");
  });
});
