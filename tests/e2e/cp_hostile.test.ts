/**
 * `vmlab cp` against a hostile or endless guest (issue #19 items 1, 3, 6),
 * from the compiled binary with the real tiny guest under TCG:
 * - the guest replaces its own `find` so the tree listing names `../` and
 *   absolute paths, and plants a symlink to /etc — the host refuses with
 *   coded errors and writes nothing outside the destination;
 * - files over 128 MiB (Bun's default body limit) copy host→guest;
 * - `cp vm:/dev/zero` killed midway: the lab daemon closes the guest file
 *   (qemu-ga holds no /dev/zero descriptor afterwards) and stays bounded.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { vmlabBin } from "./_bin.ts";
import { TINY_REF, waitFor, World } from "./_lab.ts";

const LAB = `lab "cph" {
  vm "g" {
    template = "${TINY_REF}"
    memory   = 256MiB
  }
}
`;

let w: World;
let dir: string;
const sh = (script: string) => w.vmlab(["exec", "g", "--", "/bin/sh", "-c", script], { cwd: dir });

beforeAll(async () => {
  w = new World("vmlab-cph-");
  await w.adoptTiny();
  dir = w.lab("cph", LAB);
  const up = w.vmlab(["up"], { cwd: dir });
  if (up.code !== 0) throw new Error(`up failed: ${up.stderr}`);
});

afterAll(() => w.teardown());

describe("cp from a hostile guest", () => {
  test("a guest symlink to /etc is copied as a symlink, never followed", () => {
    expect(sh("mkdir -p /tmp/t/sub && echo hi > /tmp/t/sub/a && ln -s /etc /tmp/t/etc && ln -s ../etc/hostname /tmp/t/sub/h").code).toBe(0);
    const dest = join(w.root, "t-out");
    const r = w.vmlab(["cp", "g:/tmp/t", dest], { cwd: dir });
    expect(r.code).toBe(0);
    expect(lstatSync(join(dest, "etc")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dest, "etc"))).toBe("/etc");
    expect(readlinkSync(join(dest, "sub", "h"))).toBe("../etc/hostname");
    expect(readFileSync(join(dest, "sub", "a"), "utf8")).toBe("hi\n");
  });

  test("a guest whose listing names ../ or an absolute path is refused with a coded error; nothing lands outside", () => {
    const outside = join(w.root, "outside");
    mkdirSync(outside, { recursive: true });
    // The guest replaces its own /bin/sh: the tree listing is whatever it says.
    const fake = (listing: string) => {
      const wrapper = join(w.root, "evil-sh");
      writeFileSync(wrapper, `#!/bin/busybox sh\ncase "$2" in *mindepth*) printf '${listing}'; exit 0;; esac\nexec /bin/busybox sh "$@"\n`, { mode: 0o755 });
      expect(sh("mkdir -p /tmp/h /tmp/evil && echo pwned > /tmp/h/x").code).toBe(0);
      expect(w.vmlab(["cp", wrapper, "g:/tmp/evil/sh"], { cwd: dir }).code).toBe(0);
      return sh("ln -sf /tmp/evil/sh /bin/sh");
    };
    expect(fake("f\\000./x\\000\\000f\\000./../outside/x\\000\\000").code).toBe(0);
    const dest = join(w.root, "h-out");
    const r = w.vmlab(["cp", "g:/tmp/h", dest], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[cp.path_escape]");
    expect(r.stderr).toContain('"../outside/x"');
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(join(dest, "x"))).toBe(false);

    expect(fake("f\\000/tmp/h/x\\000\\000").code).toBe(0);
    const abs = w.vmlab(["cp", "g:/tmp/h", dest], { cwd: dir });
    expect(abs.code).toBe(1);
    expect(abs.stderr).toContain("error[cp.path_escape]");
    expect(abs.stderr).toContain("absolute");

    // A symlink to the outside followed by a file below it.
    expect(fake(`l\\000./l\\000${outside}\\000f\\000./l/x\\000\\000`).code).toBe(0);
    const via = w.vmlab(["cp", "g:/tmp/h", join(w.root, "l-out")], { cwd: dir });
    expect(via.code).toBe(1);
    expect(via.stderr).toContain("error[cp.path_escape]");
    expect(readdirSync(outside)).toEqual([]);
    expect(sh("ln -sf /bin/busybox /bin/sh").code).toBe(0);
  });
});

describe("cp of large and endless files", () => {
  test("a 130 MiB file copies host→guest (over Bun's 128 MiB body limit)", () => {
    const big = join(w.root, "big.bin");
    writeFileSync(big, new Uint8Array(130 * 1048576).fill(0x5a));
    const r = w.vmlab(["cp", big, "g:/dev/null"], { cwd: dir });
    expect(r.stderr).not.toContain("internal");
    expect(r.code).toBe(0);
  }, 600_000);

  test("cp g:/dev/zero killed midway: the guest file is closed and the daemon does not keep reading", async () => {
    const out = join(w.root, "zero-out");
    mkdirSync(out, { recursive: true });
    const p = Bun.spawn([vmlabBin(), "cp", "g:/dev/zero", join(out, "z")], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1", ...w.env },
      stdout: "ignore",
      stderr: "ignore",
    });
    const size = () => readdirSync(out).reduce((n, f) => n + statSync(join(out, f)).size, 0);
    await waitFor("8 MiB copied from /dev/zero", () => (size() > 8 * 1048576 ? true : undefined), 120_000);
    const ga = () => sh('for p in /proc/[0-9]*; do case "$(cat $p/comm 2>/dev/null)" in qemu-ga) ls -l $p/fd;; esac; done').stdout;
    expect(ga()).toContain("/dev/zero");
    p.kill(9);
    await p.exited;
    await waitFor("qemu-ga to close /dev/zero", () => (ga().includes("/dev/zero") ? undefined : true), 60_000);
  }, 300_000);
});
