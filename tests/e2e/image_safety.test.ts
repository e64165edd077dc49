/**
 * Template image safety from the compiled binary (issue #19 items 2, 8):
 * `template import --ref` refuses a qcow2 whose data_file is a host file, a
 * truncated qcow2 and one with a backing file, each with its coded error and
 * nothing stored; a VM's clone runs with its template pinned as a read-only
 * backing node (`backing=disk0-base`), and online snapshots still work; a
 * template whose header gained a data file after adoption is refused at
 * `vm start` before QEMU opens it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { chmodSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LabStatus } from "../../core/daemon/protocol.ts";
import { tinyTemplatePath } from "../../core/machine/testing/tiny_guest.ts";
import { TINY_REF, World } from "./_lab.ts";

let w: World;
let dir: string;
let tiny: string;
const img = (...args: string[]) => execFileSync("qemu-img", args, { stdio: "pipe" });

beforeAll(async () => {
  w = new World("vmlab-imgsafe-");
  await w.adoptTiny();
  tiny = await tinyTemplatePath();
  dir = w.lab("imgsafe", `lab "imgsafe" {\n  vm "g" {\n    template = "${TINY_REF}"\n    memory   = 256MiB\n  }\n}\n`);
});
afterAll(() => w.teardown());

describe("template import --ref refuses unsafe images", () => {
  test("a data_file pointing at a host file, a truncated qcow2 and a backing file: each a coded error, nothing stored", () => {
    const secret = join(w.root, "secret");
    writeFileSync(secret, Buffer.alloc(1 << 20, 0x41));
    const df = join(w.root, "df.qcow2");
    img("create", "-q", "-f", "qcow2", "-o", `data_file=${secret},data_file_raw=on,preallocation=metadata`, df, "1M");
    const trunc = join(w.root, "trunc.qcow2");
    writeFileSync(trunc, readFileSync(tiny));
    truncateSync(trunc, Math.floor(statSync(trunc).size / 2));
    const backed = join(w.root, "backed.qcow2");
    img("create", "-q", "-f", "qcow2", "-b", secret, "-F", "raw", backed, "1M");
    for (const [file, code] of [
      [df, "image.external_data_file"],
      [trunc, "image.corrupt"],
      [backed, "image.backing_file"],
    ] as const) {
      const r = w.vmlab(["template", "import", "--ref", "x86_64/evil@1", file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`error[${code}]`);
      expect(r.stderr).toContain(file);
    }
    expect(w.vmlab(["template", "list"]).stdout).not.toContain("evil");
  });
});

describe("clones open only their template", () => {
  test("QEMU gets the template as a pinned read-only backing node and online snapshots work", () => {
    const up = w.vmlab(["up"], { cwd: dir });
    if (up.code !== 0) throw new Error(`up failed: ${up.stderr}`);
    const st = w.json<LabStatus>(["status", "--json"], { cwd: dir });
    const pid = st.vms[0]?.pid as number;
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const node = JSON.parse(argv[argv.indexOf("-blockdev") + 1] as string) as { backing: unknown; "read-only": boolean };
    expect(node.backing).toBeNull();
    expect(node["read-only"]).toBe(true);
    expect(argv.some((a) => a.includes("backing=disk0-base"))).toBe(true);
    expect(w.vmlab(["snapshot", "create", "s1", "--vm", "g"], { cwd: dir }).code).toBe(0);
    expect(w.vmlab(["snapshot", "restore", "s1", "--vm", "g"], { cwd: dir }).code).toBe(0);
  }, 300_000);

  test("a template whose header names a data file after adoption is refused at vm start", () => {
    expect(w.vmlab(["vm", "stop", "g"], { cwd: dir }).code).toBe(0);
    const list = w.json<{ ref: string; path: string }[]>(["template", "list", "--json"]);
    const disk = join(list.find((t) => t.ref === TINY_REF)?.path as string, "disk.qcow2");
    chmodSync(disk, 0o644);
    // Set the external-data-file incompatible bit (bit 2 at offset 72) in place.
    const b = readFileSync(disk);
    b[79] = (b[79] as number) | 0x04;
    writeFileSync(disk, b);
    const r = w.vmlab(["vm", "start", "g"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[image.external_data_file]");
  }, 300_000);
});
