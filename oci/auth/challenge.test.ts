import { describe, expect, test } from "bun:test";
import { parseChallenges } from "./challenge.ts";

describe("parseChallenges()", () => {
  test("reads a Bearer challenge with quoted parameters", () => {
    expect(parseChallenges('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/n:pull,push"')).toEqual([
      { scheme: "bearer", params: { realm: "https://ghcr.io/token", service: "ghcr.io", scope: "repository:o/n:pull,push" } },
    ]);
  });
  test("reads a Basic challenge", () => {
    expect(parseChallenges('Basic realm="basic-realm"')).toEqual([{ scheme: "basic", params: { realm: "basic-realm" } }]);
  });
  test("reads several challenges, unquoted values and escapes", () => {
    expect(parseChallenges('Basic realm=x, Bearer realm="a\\"b", error=invalid_token')).toEqual([
      { scheme: "basic", params: { realm: "x" } },
      { scheme: "bearer", params: { realm: 'a"b', error: "invalid_token" } },
    ]);
  });
  test("returns nothing for absent or garbage headers and never throws", () => {
    expect(parseChallenges(null)).toEqual([]);
    expect(parseChallenges("   ")).toEqual([]);
    for (const s of ['Bearer realm="unterminated', "=", ",,,", "Bearer ,realm"]) expect(() => parseChallenges(s)).not.toThrow();
  });
});
