/** json::parse keeps number kinds (issue 17 class 1: a float stays a float through JSON). */
import { describe, expect, test } from "bun:test";
import { valueToJson } from "../rt/core.ts";
import { parseJson } from "./json.ts";

describe("parseJson", () => {
  test("integral floats stay Float, ints stay Int, big ints stay exact", () => {
    const text = '{"f": 3.0, "g": 1e2, "h": 2.5, "i": 7, "big": 9223372036854775807, "neg": -0.5, "s": "x\\"y\\u0041", "n": null, "b": [true, false]}';
    expect(valueToJson(parseJson(text), false)).toBe(
      '{"b":[true,false],"big":9223372036854775807,"f":3.0,"g":100.0,"h":2.5,"i":7,"n":null,"neg":-0.5,"s":"x\\"yA"}',
    );
  });
  test("the fast path (no integral floats) and the exact path agree", () => {
    expect(valueToJson(parseJson('[1, 2.5, "a", {"k": [null]}]'), false)).toBe('[1,2.5,"a",{"k":[null]}]');
    expect(valueToJson(parseJson('[1.0, 2.5, "a", {"k": [null]}]'), false)).toBe('[1.0,2.5,"a",{"k":[null]}]');
  });
  test("bad input is an error with the offset", () => {
    expect(() => parseJson('{"a": 1.0.0}')).toThrow("offset");
    expect(() => parseJson("[1.0,")).toThrow();
    expect(() => parseJson("[1.0] x")).toThrow("trailing");
  });
});
