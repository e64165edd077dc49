import { describe, expect, test } from "bun:test";
import { badShareName, deriveShareName } from "./shares.ts";

describe("deriveShareName()", () => {
  test("takes the last component of a Linux or Windows path", () => {
    expect(deriveShareName("/mnt/src")).toBe("src");
    expect(deriveShareName("/mnt/src/")).toBe("src");
    expect(deriveShareName("D:\\data")).toBe("data");
  });
  test("a bare drive gives its letter, odd characters become dashes", () => {
    expect(deriveShareName("X:")).toBe("x");
    expect(deriveShareName("/mnt/my data!")).toBe("my-data");
    expect(deriveShareName("/")).toBe("share");
  });
});

describe("badShareName()", () => {
  test("accepts plain names and refuses reserved or malformed ones", () => {
    expect(badShareName("src_2.x")).toBeUndefined();
    expect(badShareName("IPC$")).toBeDefined();
    expect(badShareName("a b")).toBeDefined();
    expect(badShareName("global")).toBeDefined();
  });
});
