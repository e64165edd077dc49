import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { isWindowsTarget, linuxMountScript, shQuote, windowsMountCommands } from "./guest_mount.ts";

const cred = { user: "vmlab-a", password: "0123abcd" };

describe("linuxMountScript()", () => {
  test("is valid sh that mounts //gateway/share read-only when asked", () => {
    const s = linuxMountScript({ name: "src", guest: "/mnt/my src", readonly: true, gateway: "10.0.0.1" }, cred);
    expect(spawnSync("sh", ["-n"], { input: s }).status).toBe(0);
    expect(s).toContain("'//10.0.0.1/src'");
    expect(s).toContain(",ro");
    expect(s).toContain("'/mnt/my\\040src'");
  });

  test("keeps the password out of every command's argv: it is only written to a file", () => {
    const s = linuxMountScript({ name: "src", guest: "/mnt/src", readonly: false, gateway: "10.0.0.1" }, cred);
    const withPw = s.split("\n").filter((l) => l.includes(cred.password));
    expect(withPw.length).toBe(2);
    for (const l of withPw) expect(l.trim().startsWith("printf")).toBe(true);
  });
});

describe("windowsMountCommands()", () => {
  test("maps a drive letter with net use, a folder with net use and a link", () => {
    const m = { name: "data", readonly: false, gateway: "10.0.0.1" };
    expect(windowsMountCommands({ ...m, guest: "X:" }, cred).at(-1)).toBe("net use X: \\\\10.0.0.1\\data 0123abcd /user:vmlab-a /persistent:no");
    const f = windowsMountCommands({ ...m, guest: "C:\\data" }, cred);
    expect(f.at(-1)).toBe('mklink /D "C:\\data" "\\\\10.0.0.1\\data"');
  });

  test("isWindowsTarget() tells drive paths from Linux paths", () => {
    expect(isWindowsTarget("D:\\data")).toBe(true);
    expect(isWindowsTarget("X:")).toBe(true);
    expect(isWindowsTarget("/mnt/x")).toBe(false);
  });

  test("shQuote() survives single quotes", () => {
    expect(spawnSync("sh", ["-c", `printf %s ${shQuote("it's")}`], { encoding: "utf8" }).stdout).toBe("it's");
  });
});
