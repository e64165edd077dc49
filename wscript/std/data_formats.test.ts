import { describe, expect, test } from "bun:test";
import { show } from "../rt/core.ts";
import { parseToml, toToml } from "./toml.ts";
import { escapeXml, parseXml, toXml } from "./xml.ts";

describe("toml", () => {
  test("parseToml() reads tables, arrays of tables, inline tables, strings and numbers", () => {
    const v = parseToml(
      'a = 1\nb.c = "x"\n[t]\nk = [1, 2,\n 3]\nlit = \'C:\\\\p\'\nml = """\nhi"""\n[[arr]]\nx = 0x10\n[[arr]]\nx = 1_000\ninl = { p = true, q = 1.5e3 }\nd = 1979-05-27T07:32:00Z\n',
    );
    // `inl` and `d` follow the second [[arr]] header, so they belong to that table.
    expect(show(v)).toBe(
      '{"a":1,"arr":[{"x":16},{"d":"1979-05-27T07:32:00Z","inl":{"p":true,"q":1500.0},"x":1000}],"b":{"c":"x"},"t":{"k":[1,2,3],"lit":"C:\\\\\\\\p","ml":"hi"}}',
    );
  });
  test("parseToml() rejects duplicate keys and redefined tables with the line", () => {
    expect(() => parseToml("a = 1\na = 2")).toThrow("line 2");
    expect(() => parseToml("[t]\n[t]")).toThrow("defined twice");
  });
  test("toToml() round-trips through parseToml()", () => {
    const src = 'n = 1\n\n[[l]]\nq = 2.5\n\n[s]\nx = "y"\n';
    expect(toToml(parseToml(src), false)).toBe(src);
  });
});

describe("xml", () => {
  test("parseXml() maps attributes, repeated children and text by the documented convention", () => {
    const v = parseXml('<?xml version="1.0"?><r a="1 &amp; 2"><x>t</x><x/><y>  <![CDATA[<c>]]> </y><!-- c --></r>');
    expect(show(v)).toBe('{"r":{"@attrs":{"a":"1 & 2"},"x":["t",""],"y":"  <c> "}}');
  });
  test("toXml() needs exactly one root key and escapes text", () => {
    expect(toXml(parseXml('<a><b k="&quot;">1 &lt; 2</b></a>'), false)).toBe('<a><b k="&quot;">1 &lt; 2</b></a>');
    expect(() => toXml(parseToml("a = 1\nb = 2"), false)).toThrow("exactly one root key");
  });
  test("parseXml() reports mismatched tags", () => {
    expect(() => parseXml("<a></b>")).toThrow("expected `</a>`");
  });
});

describe("xml escaping", () => {
  test("text and attributes escape all five predefined entities", () => {
    expect(escapeXml(`it's <a> & "b"`)).toBe("it&apos;s &lt;a&gt; &amp; &quot;b&quot;");
    expect(toXml(parseXml(`<r a="x&apos;y">q&apos;s</r>`), false)).toBe(`<r a="x&apos;y">q&apos;s</r>`);
  });
});
