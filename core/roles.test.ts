import { describe, expect, test } from "bun:test";
import { invokedName, pickRole } from "./roles.ts";

describe("pickRole()", () => {
  test("a compiled binary follows the name it was invoked as", () => {
    expect(pickRole(["bun", "/$bunfs/root/vmlab", "up"], "/usr/bin/vmlab").role).toBe("cli");
    expect(pickRole(["bun", "/$bunfs/root/vmlab"], "/opt/dist/vmlabd").role).toBe("supervisor");
    expect(pickRole(["bun", "/$bunfs/root/vmlab", "--lab", "x"], "vmlab-lab")).toEqual({ role: "lab", args: ["--lab", "x"] });
  });

  test("hidden subcommands pick daemon roles and are removed from the arguments", () => {
    expect(pickRole(["bun", "/$bunfs/root/vmlab", "__supervisor", "--foreground"], "/usr/bin/vmlab")).toEqual({ role: "supervisor", args: ["--foreground"] });
    expect(pickRole(["bun", "/$bunfs/root/vmlab", "__lab"], "vmlab").role).toBe("lab");
  });

  test("running from source uses the script name, and anything unknown is the CLI", () => {
    expect(invokedName(["bun", "/src/main.ts"], "bun")).toBe("main");
    expect(pickRole(["bun", "/src/main.ts", "doctor"], "bun")).toEqual({ role: "cli", args: ["doctor"] });
    expect(pickRole(["bun", "x"], "/usr/local/bin/my-vmlab").role).toBe("cli");
  });
});
