import { describe, expect, test } from "bun:test";
import { complete } from "./complete.ts";
import { interfaceModules } from "../manifest.ts";
import { Session } from "../session.ts";
import { mathModule } from "../std/mod.ts";
import { noImports } from "../compile.ts";

const api = interfaceModules(
  "/p/api.wscripti",
  "opaque Pane {\n    fn title(self) -> string\n}\nmodule term {\n    fn open(name: string) -> Pane\n    const MAX_PANES: int = 16\n}\n",
);
const b = Session.builder().module(mathModule()).resolver(noImports);
for (const m of api.modules) b.module(m);
const s = b.build();

/** Completion labels where `|` marks the cursor. */
function labels(marked: string): string[] {
  const offset = marked.indexOf("|");
  const text = marked.replace("|", "");
  return complete((t) => s.analyze("/p/m.wscript", t), "/p/m.wscript", text, offset).map((i) => i.label);
}

describe("complete()", () => {
  test("after `.` it lists the built-in methods of the receiver's type", () => {
    const got = labels("fn main() {\n    let xs = [1, 2]\n    xs.|\n}\n");
    expect(got).toContain("push");
    expect(got).toContain("map");
    expect(got).not.toContain("xs");
  });
  test("after `.` with a prefix it filters, and knows struct fields and methods", () => {
    const got = labels("struct P { x: int, xy: int }\nimpl P { fn xz(self) -> int { 1 } }\nfn main() {\n    let p = P { x: 1, xy: 2 }\n    p.x|\n}\n");
    expect(got).toEqual(["x", "xy", "xz"]);
  });
  test("methods of a host opaque type declared in a .wscripti come through", () => {
    expect(labels('use term\nfn main() {\n    let p = term::open("a")\n    p.|\n}\n')).toEqual(["title"]);
  });
  test("after `module::` it lists the module's functions and constants", () => {
    expect(labels("use term\nfn main() {\n    term::|\n}\n")).toEqual(["MAX_PANES", "open"]);
    expect(labels("use math\nfn main() {\n    math::sq|\n}\n")).toEqual(["sqrt"]);
  });
  test("after `Enum::` it lists the variants", () => {
    expect(labels("enum Color { Red, Green }\nfn main() {\n    let c = Color::|\n}\n")).toEqual(["Green", "Red"]);
  });
  test("a bare prefix offers locals in scope, functions and prelude names", () => {
    const got = labels("fn helper() {}\nfn main() {\n    let here = 1\n    h|\n}\n");
    expect(got).toEqual(["helper", "here"]);
    expect(labels("fn main() {\n    let count = 1\n    pri|\n}\n")).toEqual(["print", "println"]);
  });
  test("locals of another function are not offered", () => {
    expect(labels("fn a() { let secret = 1 }\nfn main() {\n    sec|\n}\n")).toEqual([]);
  });
});
