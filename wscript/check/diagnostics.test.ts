/**
 * The words of diagnostics that must name the real problem (issue 17 class
 * 10): conformance scripts pin codes and spans, these pin the message.
 */
import { describe, expect, test } from "bun:test";
import { Context } from "../mod.ts";

function errors(src: string): string[] {
  const r = new Context().compile("t.wscript", src);
  return r.ok ? [] : r.diagnostics.map((d) => `${d.code} ${d.message} | ${d.help ?? ""}`);
}

describe("diagnostics name the real problem", () => {
  test("an unterminated `{` hole is reported as the hole, once", () => {
    const e = errors('fn main() -> int {\n    let x = 1\n    println("a {x")\n    0\n}\n');
    expect(e).toHaveLength(1);
    expect(e[0]).toContain("E0002 unterminated `{` hole in string literal");
  });
  test("Type::nope() says the type has no associated function of that name and lists the ones it has", () => {
    const e = errors("struct P { x: int }\nimpl P { fn new() -> P { P { x: 1 } } }\nfn main() -> int {\n    let p = P::nope()\n    0\n}\n");
    expect(e[0]).toContain("E0425 type `P` has no associated function named `nope`");
    expect(e[0]).toContain("`P::new`");
  });
  test("an unsatisfied generic bound names the bound", () => {
    const e = errors(
      "struct Q { x: int }\nfn big[T: Ord](xs: List[T]) -> Option[T] { xs.max() }\nfn main() -> int {\n    let q = big([Q { x: 1 }])\n    0\n}\n",
    );
    expect(e[0]).toContain("E0504 `Q` does not satisfy the bound `T: Ord`");
    expect(e[0]).toContain("#[derive(Ord)]");
  });
  test("== on an unbounded type parameter asks for an Eq bound", () => {
    const e = errors("fn same_[T](a: T, b: T) -> bool { a == b }\nfn main() -> int { 0 }\n");
    expect(e[0]).toContain("E0503 `==` on type parameter `T` needs an `Eq` bound");
    expect(e[0]).toContain("[T: Eq]");
  });
  test("mixing unit families names the expected and found families", () => {
    const e = errors(
      "units D: int { ns = 1, ms = 1000000 }\nunits B: int { b = 1, kb = 1024 }\nfn main() -> int {\n    let a = 5ms + 3kb\n    let d: D = 4kb\n    0\n}\n",
    );
    expect(e[0]).toContain("E0220 mismatched unit families in `+`: expected `D`");
    expect(e[0]).toContain("found `B`");
    expect(e[1]).toContain("E0201 mismatched unit families: expected `D`, found `B`");
  });
  test("a pad fill literal of several characters says the fill must be one character", () => {
    expect(errors('fn main() -> int {\n    println("x".pad_left(3, "ab"))\n    0\n}\n')[0]).toContain("must be one character, found a 2-character string");
  });
  test("a derive that cannot apply names the field and the trait", () => {
    expect(errors("struct I { v: int }\n#[derive(Eq)]\nstruct O { i: I }\nfn main() -> int { 0 }\n")[0]).toContain(
      "cannot derive `Eq` for `O`: its field `i` has type `I`",
    );
  });
});
