import { describe, expect, test } from "bun:test";
import { makeStyle, wantsColor } from "./style.ts";
import { renderTable } from "./table.ts";
import { VERSION } from "../version.ts";
import pkg from "../../package.json";

describe("wantsColor()", () => {
  test("colours a TTY and nothing else", () => {
    expect(wantsColor({}, true)).toBe(true);
    expect(wantsColor({}, false)).toBe(false);
  });
  test("NO_COLOR wins over a TTY; FORCE_COLOR colours a pipe", () => {
    expect(wantsColor({ NO_COLOR: "1" }, true)).toBe(false);
    expect(wantsColor({ FORCE_COLOR: "1" }, false)).toBe(true);
    expect(wantsColor({ TERM: "dumb" }, true)).toBe(false);
  });
  test("a colourless style leaves text untouched", () => {
    expect(makeStyle(false).red("x")).toBe("x");
    expect(makeStyle(true).red("x")).toBe("\x1b[31mx\x1b[39m");
  });
});

describe("renderTable()", () => {
  test("aligns columns and trims trailing space", () => {
    expect(
      renderTable(
        ["NAME", "STATE"],
        [
          ["web", "running"],
          ["database", "off"],
        ],
      ),
    ).toBe("NAME      STATE\nweb       running\ndatabase  off");
  });
});

test("the version constant matches package.json", () => {
  expect(VERSION).toBe(pkg.version);
});
