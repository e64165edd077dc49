import { describe, expect, test } from "bun:test";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CredentialStore } from "./credentials.ts";

describe("CredentialStore", () => {
  test("ensure() gives each VM its own account and keeps it across instances, in a 0600 file", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "vmlab-creds-")), "smb");
    const a = new CredentialStore(dir).ensure(["a", "b"]);
    expect(a.get("a")?.user).toBe("vmlab-a");
    expect(a.get("a")?.password).toMatch(/^[0-9a-f]{48}$/);
    expect(a.get("a")?.password).not.toBe(a.get("b")?.password);
    const again = new CredentialStore(dir).ensure(["b", "c"]);
    expect(again.get("b")).toEqual(a.get("b"));
    expect(again.get("c")?.user).toBe("vmlab-c");
    expect(statSync(join(dir, "creds")).mode & 0o777).toBe(0o600);
  });
});
