/**
 * `vmlab validate` as a command: discovery, exit codes (0 valid, 1 invalid,
 * 2 usage/I/O), `--json`, colour rules, host config and user profiles read
 * from XDG paths, and the script-checker hook.
 */
import { describe, expect, test } from "bun:test";
import { runValidate } from "../../core/cli/commands/validate.ts";
import type { CliIo } from "../../core/cli/io.ts";
import { error } from "../../core/wcl/mod.ts";
import { fakeFiles } from "./harness.ts";

const GOOD =
  'import <vmlab.wcl>\nlab "demo" {\n  vm "a" { template = "scratch" arch = "x86_64" profile = "linux-modern" disk = 8GiB }\n  provision "scripts/setup.ws" { }\n}\n';

function io(files: Record<string, string>, over: Partial<CliIo> = {}) {
  let out = "";
  let err = "";
  const probe = fakeFiles(files, ["/lab/scripts/setup.ws"]);
  const value: CliIo = {
    cwd: "/lab/sub/dir",
    env: { XDG_CONFIG_HOME: "/cfg", XDG_DATA_HOME: "/data" },
    home: "/home/u",
    uid: 1000,
    isTTY: false,
    files: probe,
    list: (dir) =>
      Object.keys(files)
        .filter((p) => p.startsWith(`${dir}/`) && p.endsWith(".wcl"))
        .map((p) => p.slice(dir.length + 1))
        .sort(),
    store: (root) => ({
      versions: (arch, name) =>
        Object.keys(files).flatMap((p) => {
          const m = new RegExp(`^${root}/${arch}/${name}/([^/]+)/disk\\.qcow2$`).exec(p);
          return m?.[1] ? [m[1]] : [];
        }),
    }),
    out: (s) => void (out += s),
    err: (s) => void (err += s),
    ...over,
  };
  return { io: value, out: () => out, err: () => err };
}

describe("runValidate()", () => {
  test("finds vmlab.wcl walking up from the cwd and exits 0 when valid", () => {
    const t = io({ "/lab/vmlab.wcl": GOOD });
    expect(runValidate(t.io, {})).toBe(0);
    expect(t.out()).toBe('../../vmlab.wcl: lab "demo" (1 VM, 0 segments) is valid\n');
  });
  test("exits 1 with every diagnostic rendered with a caret and a summary", () => {
    const t = io({ "/lab/vmlab.wcl": GOOD.replace("disk = 8GiB", "disk = 8GiB cpu = 1").replace("linux-modern", "linux-modren") });
    expect(runValidate(t.io, {})).toBe(1);
    expect(t.err()).toContain("error[config.unknown_attribute]: unknown attribute `cpu` in `vm`\n --> ../../vmlab.wcl:3:");
    expect(t.err()).toContain("^^^");
    expect(t.err()).toContain("hint: did you mean `linux-modern`?");
    expect(t.err()).toEndWith("../../vmlab.wcl: 2 errors\n");
    expect(t.err()).not.toContain("\x1b[");
  });
  test("colours only on a TTY without NO_COLOR", () => {
    const bad = { "/lab/vmlab.wcl": GOOD.replace("disk = 8GiB", "disk = 8") };
    const tty = io(bad, { isTTY: true });
    runValidate(tty.io, {});
    expect(tty.err()).toContain("\x1b[");
    const nc = io(bad, { isTTY: true, env: { NO_COLOR: "1" } });
    runValidate(nc.io, {});
    expect(nc.err()).not.toContain("\x1b[");
  });
  test("--json prints diagnostics as objects", () => {
    const t = io({ "/lab/vmlab.wcl": GOOD.replace("disk = 8GiB", "disk = 8") });
    expect(runValidate(t.io, { json: true })).toBe(1);
    const j = JSON.parse(t.out());
    expect(j.valid).toBe(false);
    const line3 = GOOD.split("\n")[2] ?? "";
    expect(j.diagnostics).toHaveLength(1);
    expect(j.diagnostics[0]).toMatchObject({ code: "config.type_mismatch", name: "disk", file: "../../vmlab.wcl", line: 3, col: line3.indexOf("8GiB") + 1 });
  });
  test("exits 2 when no lab file is found or -f names a missing file", () => {
    expect(runValidate(io({}).io, {})).toBe(2);
    const t = io({ "/lab/vmlab.wcl": GOOD });
    expect(runValidate(t.io, { file: "../nope.wcl" })).toBe(2);
    expect(t.err()).toContain("/lab/sub/nope.wcl does not exist");
  });
  test("-f overrides discovery", () => {
    const t = io({ "/lab/vmlab.wcl": "broken {", "/lab/sub/other.wcl": GOOD.replace('"scripts/setup.ws"', '"../scripts/setup.ws"') });
    expect(runValidate(t.io, { file: "../other.wcl" })).toBe(0);
  });
  test("checks the template store under XDG_DATA_HOME unless --no-store", () => {
    const src = 'lab "d" { vm "a" { template = "x86_64/linux-modern" } }';
    expect(runValidate(io({ "/lab/vmlab.wcl": src }).io, {})).toBe(1);
    expect(runValidate(io({ "/lab/vmlab.wcl": src, "/data/vmlab/templates/x86_64/linux-modern/1.0/disk.qcow2": "" }).io, {})).toBe(0);
    expect(runValidate(io({ "/lab/vmlab.wcl": src }).io, { store: false })).toBe(0);
  });
  test("reports host config errors and honours user profiles from XDG_CONFIG_HOME", () => {
    const lab = GOOD.replace('profile = "linux-modern"', 'profile = "router-os"');
    expect(runValidate(io({ "/lab/vmlab.wcl": lab }).io, {})).toBe(1);
    expect(runValidate(io({ "/lab/vmlab.wcl": lab, "/cfg/vmlab/profiles/router.wcl": 'profile "router-os" { machine = "pc" }' }).io, {})).toBe(0);
    const t = io({ "/lab/vmlab.wcl": GOOD, "/cfg/vmlab/config.wcl": 'host { subnet_pool = "10.0.0.0/33" }' });
    expect(runValidate(t.io, {})).toBe(1);
    expect(t.err()).toContain("error[config.invalid_cidr]");
  });
  test("runs an injected script checker with the script's entry point", () => {
    const seen: string[] = [];
    const checker = {
      check(path: string, _source: string, entry: "main" | "handle") {
        seen.push(`${path}:${entry}`);
        return [error("W100", "`main` has the wrong signature", { file: path, start: 0, end: 2 }, { name: "main" })];
      },
    };
    const t = io({ "/lab/vmlab.wcl": GOOD });
    expect(runValidate(t.io, {}, checker)).toBe(1);
    expect(seen).toEqual(["/lab/scripts/setup.ws:main"]);
    expect(t.err()).toContain("error[W100]");
  });
});
