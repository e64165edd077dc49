/**
 * What a careless user can point dist/vmlab at (issue #19 items 7, 9, 12),
 * with no guest running: lab files that are FIFOs, /dev/zero, directories
 * or one 5 MB line; `template export` onto a symlink or a device node; a
 * `logs` target that climbs out of the log folder. Each gets a clear coded
 * error, quickly, and touches nothing it was not asked to.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tinyTemplatePath } from "../../core/machine/testing/tiny_guest.ts";
import { World } from "./_lab.ts";

let w: World;

beforeAll(() => {
  w = new World("vmlab-bad-");
});

afterAll(() => w.teardown());

/** Run `dist/vmlab` with a deadline: a hang is a failure, not a stuck suite. */
async function vmlabWithin(ms: number, args: string[], cwd = w.root): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const t = performance.now();
  const p = Bun.spawn([process.env.VMLAB_BIN ?? join(import.meta.dir, "..", "..", "dist", "vmlab"), ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", ...w.env },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const timer = setTimeout(() => p.kill("SIGKILL"), ms);
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearTimeout(timer);
  return { code, stdout, stderr, ms: performance.now() - t };
}

describe("lab files that are not lab files", () => {
  test("a symlink to /dev/zero is refused at once, naming what it is", async () => {
    const d = join(w.root, "zero");
    mkdirSync(d);
    symlinkSync("/dev/zero", join(d, "vmlab.wcl"));
    const r = await vmlabWithin(10_000, ["validate"], d);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is not a regular file (a device, FIFO or socket)");
  });

  test("a FIFO given with -f is refused without blocking", async () => {
    const fifo = join(w.root, "lab.fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    const r = await vmlabWithin(10_000, ["validate", "-f", fifo]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${fifo} is not a regular file`);
  });

  test("a directory is reported as a directory, not as missing", async () => {
    const d = join(w.root, "dirlab");
    mkdirSync(join(d, "vmlab.wcl"), { recursive: true });
    const r = await vmlabWithin(10_000, ["validate", "-f", join(d, "vmlab.wcl")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is a directory");
    expect(r.stderr).not.toContain("does not exist");
  });

  test("a 5 MB one-line string prints a bounded report", async () => {
    const d = join(w.root, "bigline");
    mkdirSync(d);
    writeFileSync(join(d, "vmlab.wcl"), `lab "big" { vm "a" { template = "x86_64/${"a".repeat(5_000_000)}" cpus = "two" } }\n`);
    const r = await vmlabWithin(60_000, ["validate", "--no-store"], d);
    expect(r.code).toBe(1);
    expect(r.stderr.length + r.stdout.length).toBeLessThan(20_000);
    const json = await vmlabWithin(60_000, ["validate", "--no-store", "--json"], d);
    expect(json.stdout.length).toBeLessThan(20_000);
  });

  test("an unclosed { is a syntax error only", async () => {
    const d = join(w.root, "unclosed");
    mkdirSync(d);
    writeFileSync(join(d, "vmlab.wcl"), 'lab "u" {\n  vm "a" {\n    template = "x86_64/tiny-linux@1.0"\n  }\n');
    const r = await vmlabWithin(10_000, ["validate", "--no-store"], d);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain("config.empty_lab_file");
  });
});

describe("template export onto what is not a regular file", () => {
  beforeAll(async () => {
    const r = w.vmlab(["template", "import", "--ref", "x86_64/tiny@1.0", await tinyTemplatePath()]);
    expect(r.code).toBe(0);
  });

  test("a symlink destination is refused and left as it was, its target untouched", async () => {
    const target = join(w.root, "precious.txt");
    writeFileSync(target, "keep me\n");
    const link = join(w.root, "out-link.tar.zst");
    symlinkSync(target, link);
    const r = await vmlabWithin(60_000, ["template", "export", "x86_64/tiny@1.0", link]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[fs.not_regular_file]");
    expect(r.stderr).toContain("is a symbolic link");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(readFileSync(target, "utf8")).toBe("keep me\n");
  });

  test("a device node destination is refused (as root it used to be replaced)", async () => {
    const dev = join(w.root, "null-dev");
    expect(Bun.spawnSync(["mknod", dev, "c", "1", "3"]).exitCode === 0 || lstatSync("/dev/null").isCharacterDevice()).toBe(true);
    const node = lstatSync(dev, { throwIfNoEntry: false }) ? dev : "/dev/null";
    const r = await vmlabWithin(60_000, ["template", "export", "x86_64/tiny@1.0", node]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is a device node");
    expect(lstatSync(node).isCharacterDevice()).toBe(true);
  });

  test("importing a FIFO or /dev/zero as an archive is refused at once", async () => {
    const fifo = join(w.root, "archive.fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    for (const src of [fifo, "/dev/zero"]) {
      const r = await vmlabWithin(10_000, ["template", "import", src]);
      expect(`${src}: ${r.code}`).toBe(`${src}: 1`);
      expect(r.stderr).toContain("not a regular file");
    }
  });

  test("a regular file is replaced as before", async () => {
    const out = join(w.root, "plain.tar.zst");
    writeFileSync(out, "old");
    const r = await vmlabWithin(120_000, ["template", "export", "x86_64/tiny@1.0", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(lstatSync(out).size).toBeGreaterThan(1000);
  });
});

describe("vmlab logs targets", () => {
  test("a target with ../ is refused before any file is read", async () => {
    mkdirSync(join(w.stateDir, "labs", "real"), { recursive: true });
    writeFileSync(join(w.stateDir, "secret.log"), "top secret\n");
    for (const target of ["real/../../secret", "../x/y", "real/..", "a/b/../../../secret"]) {
      const r = await vmlabWithin(10_000, ["logs", target]);
      expect(`${target}: ${r.code}`).toBe(`${target}: 1`);
      expect(r.stderr).toContain("request.bad_name");
      expect(r.stdout).not.toContain("top secret");
    }
  });
});
