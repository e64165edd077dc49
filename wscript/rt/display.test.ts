/** Float display and display descriptors (issue 17 class 1), cyclic values (class 5). */
import { describe, expect, test } from "bun:test";
import { Some, None, Ok, ScriptFault, clone, eq, show, showD, showFloat } from "./core.ts";

describe("showFloat", () => {
  test("a float always displays as a float, positional, never in exponent form", () => {
    expect([3, 0, -0, 2.5, -1.25, 1e21, 1e-7, 1 / 3, 1e300].map(showFloat)).toEqual([
      "3.0",
      "0.0",
      "-0.0",
      "2.5",
      "-1.25",
      "1000000000000000000000.0",
      "0.0000001",
      "0.3333333333333333",
      `1${"0".repeat(300)}.0`,
    ]);
    expect([NaN, Infinity, -Infinity].map(showFloat)).toEqual(["NaN", "inf", "-inf"]);
  });
  test("without a descriptor a number displays as an int; with one, the float positions show .0", () => {
    expect(show([1, 2])).toBe("[1, 2]");
    expect(showD([1, 2], [1, 0])).toBe("[1.0, 2.0]");
    expect(showD(new Map([["a", 1]]), [2, undefined, 0])).toBe('#{"a": 1.0}');
    expect(showD(Some(4), [3, 0])).toBe("Some(4.0)");
    expect(showD(None, [3, 0])).toBe("None");
    expect(showD(Ok(1), [4, 0, undefined])).toBe("Ok(1.0)");
  });
  test("maps display in the #{…} literal form", () => {
    expect(show(new Map([["b", 2]]))).toBe('#{"b": 2}');
    expect(show(new Map())).toBe("#{}");
  });
});

describe("cyclic values", () => {
  const cyclic = () => {
    const xs: unknown[] = [];
    xs.push(xs);
    return xs;
  };
  test("==, display and clone() of a value that reaches itself fault with a message, not a host stack overflow", () => {
    const a = cyclic();
    const b = cyclic();
    expect(eq(a, a)).toBe(true);
    for (const f of [() => eq(a, b), () => show(a), () => clone(a)]) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ScriptFault);
      expect((err as Error).message).toContain("value nesting too deep");
    }
  });
  test("after a fault, ordinary deep operations work again", () => {
    try {
      show(cyclic());
    } catch {
      /* expected */
    }
    expect(eq([[1]], [[1]])).toBe(true);
    expect(show([[1]])).toBe("[[1]]");
  });
});
