import { describe, expect, test } from "bun:test";
import { dirname, join } from "node:path";
import pkg from "../../package.json";
import { run, vmlabBin } from "./_bin.ts";

describe("dist/vmlab", () => {
  test("--version prints the package version from any directory", () => {
    const r = run(["--version"], { cwd: "/tmp" });
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  test("--help lists the verbs, and every verb has its own --help", () => {
    const r = run(["--help"]);
    expect(r.code).toBe(0);
    const verbs = [...r.stdout.matchAll(/^  ([a-z][a-z-]*)\b/gm)].map((m) => m[1] as string).filter((v) => v !== "help");
    for (const v of ["validate", "up", "down", "destroy", "status", "vm", "exec", "cp", "osinfo", "logs", "template", "daemon", "doctor"])
      expect(verbs).toContain(v);
    const subcommands = (help: string) =>
      help.includes("Commands:")
        ? [...help.slice(help.indexOf("Commands:")).matchAll(/^  ([a-z][a-z-]*)\b/gm)].map((m) => m[1] as string).filter((v) => v !== "help")
        : [];
    for (const v of verbs) {
      const h = run([v, "--help"]);
      expect({ verb: v, code: h.code }).toEqual({ verb: v, code: 0 });
      expect(h.stdout).toContain(`Usage: vmlab ${v}`);
      for (const sub of subcommands(h.stdout)) {
        const hs = run([v, sub, "--help"]);
        expect({ verb: `${v} ${sub}`, code: hs.code }).toEqual({ verb: `${v} ${sub}`, code: 0 });
        expect(hs.stdout).toContain(`Usage: vmlab ${v} ${sub}`);
      }
    }
  }, 120_000);

  test("an unknown verb is a usage error with exit status 2", () => {
    const r = run(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  test("doctor --json answers with the QEMU tools, accelerator and paths", () => {
    const r = run(["doctor", "--json"], { env: { XDG_CONFIG_HOME: "/tmp/vmlab-e2e-config" } });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(true);
    expect(report.qemuImg.path).toBeString();
    expect(report.emulators.find((e: { name: string }) => e.name === "qemu-system-x86_64").version).toMatch(/^\d+\.\d+/);
    expect(["kvm", "tcg"]).toContain(report.accel.accel);
    expect(report.paths.config).toBe("/tmp/vmlab-e2e-config/vmlab");
    expect(report.disk.freeBytes).toBeGreaterThan(0);
  });

  test("doctor without --json prints a human report with no colour codes off a TTY", () => {
    const r = run(["doctor"], { env: { NO_COLOR: "" } });
    expect(r.stdout).toContain("accelerator:");
    expect(r.stdout).not.toContain("\x1b[");
  });

  test("the role follows argv[0]: vmlabd and vmlab-lab are the daemons", () => {
    const dist = dirname(vmlabBin());
    // The daemons answer --version with their own name; unknown flags are usage errors.
    const d = run(["--version"], { bin: join(dist, "vmlabd") });
    expect(d.stdout).toBe(`vmlabd ${pkg.version}\n`);
    const l = run(["--version"], { bin: join(dist, "vmlab-lab") });
    expect(l.stdout).toBe(`vmlab-lab ${pkg.version}\n`);
    const bad = run(["--frobnicate"], { bin: join(dist, "vmlabd") });
    expect(bad.code).toBe(2);
  });
});
