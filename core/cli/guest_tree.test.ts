import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CodedError } from "../errors/mod.ts";
import { QgaClient } from "../qga/client.ts";
import { FakeAgent } from "../qga/testing/fake_agent.ts";
import { parseGuestListing, writeGuestTree, type GuestTreeEntry } from "./guest_tree.ts";

const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A scratch folder with `dest/` to copy into and `outside/` a hostile guest aims at. */
function scratch() {
  const base = mkdtempSync(join(tmpdir(), "vmlab-guest-tree-"));
  dirs.push(base);
  const outside = join(base, "outside");
  mkdirSync(outside);
  writeFileSync(join(outside, "victim"), "original");
  return { base, dest: join(base, "dest"), outside };
}

const bytes = (s: string) => new TextEncoder().encode(s);
async function* one(s: string) {
  yield bytes(s);
}
const fetchText = async (rel: string) => one(`content of ${rel}`);

async function refused(p: Promise<unknown>): Promise<CodedError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CodedError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("writeGuestTree() with a hostile listing", () => {
  test("copies an honest tree: directories, files and symlinks as symlinks", async () => {
    const { dest } = scratch();
    const r = await writeGuestTree(
      dest,
      [
        { kind: "dir", path: "a" },
        { kind: "file", path: "a/f.txt" },
        { kind: "symlink", path: "a/etc", target: "/etc" },
        { kind: "other", path: "a/fifo" },
      ],
      fetchText,
      "vm:/srv",
    );
    expect(r).toEqual({ dirs: 1, files: 1, symlinks: 1, skipped: ["a/fifo"] });
    expect(readFileSync(join(dest, "a/f.txt"), "utf8")).toBe("content of a/f.txt");
    expect(lstatSync(join(dest, "a/etc")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dest, "a/etc"))).toBe("/etc");
  });

  const hostile: [string, GuestTreeEntry, string][] = [
    ["`..` that climbs out", { kind: "file", path: "../outside/victim" }, "cp.path_escape"],
    ["`..` in the middle", { kind: "file", path: "a/../../outside/victim" }, "cp.path_escape"],
    ["an absolute name", { kind: "file", path: "/tmp/x" }, "cp.path_escape"],
    ["a NUL in the name", { kind: "file", path: "a\0b" }, "cp.bad_name"],
    ["an empty name", { kind: "file", path: "" }, "cp.bad_name"],
    ["a `.` component", { kind: "dir", path: "a/./b" }, "cp.bad_name"],
    ["a directory named `..`", { kind: "dir", path: ".." }, "cp.path_escape"],
    ["a symlink whose target has a NUL", { kind: "symlink", path: "l", target: "/etc\0x" }, "cp.bad_name"],
  ];
  for (const [what, entry, code] of hostile) {
    test(`refuses ${what} with ${code} naming the entry, before writing anything`, async () => {
      const { dest, outside } = scratch();
      const e = await refused(writeGuestTree(dest, [{ kind: "file", path: "first" }, entry], fetchText, "vm:/srv"));
      expect(e.code).toBe(code);
      expect(e.subject).toBe(entry.path);
      expect(e.message).toContain(JSON.stringify(entry.path));
      expect(existsSync(join(dest, "first"))).toBe(false);
      expect(readFileSync(join(outside, "victim"), "utf8")).toBe("original");
    });
  }

  test("never writes through a symlink the guest created earlier in the same copy", async () => {
    const { dest, outside } = scratch();
    const e = await refused(
      writeGuestTree(
        dest,
        [
          { kind: "symlink", path: "link", target: outside },
          { kind: "file", path: "link/victim" },
        ],
        fetchText,
        "vm:/srv",
      ),
    );
    expect(e.code).toBe("cp.path_escape");
    expect(e.subject).toBe("link/victim");
    expect(readFileSync(join(outside, "victim"), "utf8")).toBe("original");
  });

  test("a directory entry below a guest symlink is refused too", async () => {
    const { dest, outside } = scratch();
    const e = await refused(
      writeGuestTree(
        dest,
        [
          { kind: "symlink", path: "l", target: outside },
          { kind: "dir", path: "l/sub" },
        ],
        fetchText,
        "vm:/srv",
      ),
    );
    expect(e.code).toBe("cp.path_escape");
    expect(existsSync(join(outside, "sub"))).toBe(false);
  });

  test("a file listed after a symlink of the same name is refused; the link's target is untouched", async () => {
    const { dest, outside } = scratch();
    const e = await refused(
      writeGuestTree(
        dest,
        [
          { kind: "symlink", path: "x", target: join(outside, "victim") },
          { kind: "file", path: "x" },
        ],
        fetchText,
        "vm:/srv",
      ),
    );
    expect(e.code).toBe("fs.not_regular_file");
    expect(readFileSync(join(outside, "victim"), "utf8")).toBe("original");
  });

  test("a pre-existing host symlink inside the destination is not followed as a parent", async () => {
    const { dest, outside } = scratch();
    mkdirSync(dest);
    require("node:fs").symlinkSync(outside, join(dest, "planted"));
    const e = await refused(writeGuestTree(dest, [{ kind: "file", path: "planted/victim" }], fetchText, "vm:/srv"));
    expect(e.code).toBe("cp.path_escape");
    expect(readFileSync(join(outside, "victim"), "utf8")).toBe("original");
  });
});

describe("parseGuestListing()", () => {
  test("reads NUL-separated records and keeps newlines inside names", () => {
    const out = bytes("d\0./a\0\0f\0./a/x\ny\0\0l\0./a/l\0../../etc\0o\0./p\0\0");
    expect(parseGuestListing(out, "vm:/d")).toEqual([
      { kind: "dir", path: "a" },
      { kind: "file", path: "a/x\ny" },
      { kind: "symlink", path: "a/l", target: "../../etc" },
      { kind: "other", path: "p" },
    ]);
  });

  test("a truncated or garbled listing is cp.bad_listing", () => {
    for (const s of ["d\0./a\0", "z\0./a\0\0", "garbage"]) {
      expect(() => parseGuestListing(bytes(s), "vm:/d")).toThrow(expect.objectContaining({ code: "cp.bad_listing" }));
    }
  });
});

describe("a hostile guest end to end through the fake agent", () => {
  test("a listing from the guest's exec that names ../ is refused and files come from the agent", async () => {
    const agent = await FakeAgent.start();
    cleanups.push(() => agent.stop());
    const qga = await QgaClient.connect(agent.path);
    cleanups.push(() => qga.close());
    const { dest, outside } = scratch();
    agent.files.set("/srv/ok.txt", bytes("fine"));
    agent.files.set("/srv/../outside/victim", bytes("pwned"));
    const honest = "f\0./ok.txt\0\0";
    agent.program("/bin/sh", () => ({ stdout: honest + "f\0./../outside/victim\0\0" }));
    const listing = parseGuestListing((await qga.exec("/bin/sh", ["-c", "list"])).stdout, "vm:/srv");
    const fetch = async (rel: string) => qga.readFileChunks(`/srv/${rel}`);
    const e = await refused(writeGuestTree(dest, listing, fetch, "vm:/srv"));
    expect(e.code).toBe("cp.path_escape");
    expect(e.subject).toBe("../outside/victim");
    expect(readFileSync(join(outside, "victim"), "utf8")).toBe("original");
    agent.program("/bin/sh", () => ({ stdout: honest }));
    const ok = parseGuestListing((await qga.exec("/bin/sh", ["-c", "list"])).stdout, "vm:/srv");
    await writeGuestTree(dest, ok, fetch, "vm:/srv");
    expect(readFileSync(join(dest, "ok.txt"), "utf8")).toBe("fine");
    expect(agent.openHandles).toBe(0);
  });
});
