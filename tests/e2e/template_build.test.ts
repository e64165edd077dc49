/**
 * `vmlab template build` through dist/vmlab on the real tiny guest (PRD
 * §6.1): a qcow2-source build whose provision writes a marker, sealed with
 * recorded hardware and a source digest, that a lab then boots and sees the
 * marker; a layered `template` build on top; a url source served on
 * 127.0.0.1 (good hash builds, bad hash fails naming both digests and keeps
 * nothing); a second build of the same ref while one runs gets build.busy;
 * killing the CLI half-way leaves nothing in the store and no QEMU behind.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tinyTemplatePath } from "../../core/machine/testing/tiny_guest.ts";
import { vmlabBin, type RunResult } from "./_bin.ts";
import { waitFor, World } from "./_lab.ts";

let w: World;
let dir: string;
let tiny: string;
let server: ReturnType<typeof Bun.serve>;
let hits = 0;

const MARK = `fn main(lab: Lab) -> Result[unit, string] {
    let b = lab.vm("build")?
    b.wait_ready(240)?
    let r = b.exec("/bin/sh", ["-c", "mkdir -p /mnt && mount -t vfat /dev/vda /mnt && echo $0 >> /mnt/marker.txt && sync && umount /mnt && echo ok", "MARKER"])?
    if r.stdout.trim() != "ok" { return Err("marking failed: " + r.stderr) }
    lab.log("marked")
    Ok(())
}
`;

const SLOW = `use time
fn main(lab: Lab) {
    lab.vm("build").unwrap().wait_ready(240).unwrap()
    lab.log("provision sleeping")
    time::sleep(600000)
}
`;

function templates(url: string, sha: string): string {
  return `template "marked" {
  arch    = "x86_64"
  version = "1.0"
  memory  = 256MiB
  source "qcow2" { path = "${tiny}" }
  provision "mark.ws" { }
}
template "layered" {
  arch    = "x86_64"
  version = "1.0"
  cpus    = 2
  source "template" { from = "x86_64/marked@1.0" }
  provision "mark2.ws" { }
}
template "fetched" {
  arch    = "x86_64"
  version = "1.0"
  memory  = 256MiB
  source "qcow2" { url = "${url}" sha256 = "${sha}" }
}
template "slow" {
  arch    = "x86_64"
  version = "1.0"
  memory  = 256MiB
  source "qcow2" { path = "${tiny}" }
  provision "slow.ws" { }
}
`;
}

/** The run, or an error carrying everything it printed (a failed build explains itself). */
function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`vmlab exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

async function vmlabAsync(args: string[], cwd: string, env: Record<string, string>): Promise<RunResult> {
  const p = Bun.spawn([vmlabBin(), ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", ...w.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function qemuOfWorld(): string[] {
  const p = Bun.spawnSync(["pgrep", "-af", "qemu-system"]);
  return p.stdout
    .toString()
    .split("\n")
    .filter((l) => l.includes(w.root));
}

interface StoreEntry {
  ref: string;
  hardware: Record<string, unknown>;
  origin: { kind: string; sourceSha256?: string; tool?: string; buildSeconds?: number };
}

beforeAll(async () => {
  w = new World("vmlab-tb-");
  tiny = await tinyTemplatePath();
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => {
      hits++;
      return new Response(Bun.file(tiny));
    },
  });
  dir = w.lab("tpl", templates(`http://127.0.0.1:${server.port}/tiny.qcow2`, sha256(tiny)));
  writeFileSync(join(dir, "mark.ws"), MARK.replace("MARKER", "first"));
  writeFileSync(join(dir, "mark2.ws"), MARK.replace("MARKER", "second"));
  writeFileSync(join(dir, "slow.ws"), SLOW);
});

afterAll(() => {
  server.stop(true);
  w.teardown();
});

describe("vmlab template build", () => {
  test("a qcow2-source build seals the template with recorded hardware; a layered build on top; a lab sees both markers", async () => {
    const r = ok(w.vmlab(["template", "build", "marked", "--json"], { cwd: dir }));
    expect(r.stderr).toBe("");
    const [built] = JSON.parse(r.stdout) as { ref: string; sourceSha256: string; hardware: Record<string, unknown> }[];
    expect(built?.ref).toBe("x86_64/marked@1.0");
    expect(built?.sourceSha256).toBe(sha256(tiny));

    const layered = ok(w.vmlab(["template", "build", "layered"], { cwd: dir }));
    expect(layered.stderr).toContain("==> x86_64/layered@1.0: flattening");
    expect(layered.stderr).toContain("marked");

    const list = w.json<StoreEntry[]>(["template", "list", "--json"]);
    const marked = list.find((e) => e.ref === "x86_64/marked@1.0");
    expect(marked?.hardware).toEqual({ memory: 256 * 1024 * 1024 });
    expect(marked?.origin.kind).toBe("build");
    expect(marked?.origin.sourceSha256).toBe(sha256(tiny));
    expect(marked?.origin.tool).toMatch(/^vmlab \d/);
    // Layered: its own cpus over the base's recorded memory.
    expect(list.find((e) => e.ref === "x86_64/layered@1.0")?.hardware).toEqual({ cpus: 2, memory: 256 * 1024 * 1024 });
    expect(w.vmlab(["template", "list"]).stdout).toContain("2 vCPU, 256.0 MiB");
    // Nothing of the builds is left behind.
    expect(existsSync(join(dir, ".vmlab", "builds")) ? readdirSync(join(dir, ".vmlab", "builds")) : []).toEqual([]);
    expect(qemuOfWorld()).toEqual([]);

    const lab = w.lab("uses", `lab "uses" {\n  vm "box" { template = "x86_64/layered@1.0" }\n}\n`);
    expect(w.vmlab(["up", "-q"], { cwd: lab }).code).toBe(0);
    const seen = w.vmlab(["exec", "box", "--", "/bin/sh", "-c", "mkdir -p /mnt && mount -t vfat /dev/vda /mnt && cat /mnt/marker.txt; nproc; umount /mnt"], {
      cwd: lab,
    });
    expect(seen.stdout.trim().split("\n")).toEqual(["first", "second", "2"]);
    expect(w.vmlab(["destroy", "-q"], { cwd: lab }).code).toBe(0);
  });

  test("a url source is downloaded once and verified; a wrong sha256 names both digests and keeps nothing", async () => {
    const cache = { XDG_CACHE_HOME: join(w.root, "cache") };
    const downloads = join(cache.XDG_CACHE_HOME, "vmlab", "downloads");
    // Asynchronous runs: the HTTP server lives in this process and must keep serving meanwhile.
    const good = ok(await vmlabAsync(["template", "build", "fetched", "--json"], dir, cache));
    expect(good.stderr).toBe("");
    expect(hits).toBe(1);
    expect(readdirSync(downloads)).toEqual([`${sha256(tiny)}-tiny.qcow2`]);
    const wrong = "ab".repeat(32);
    writeFileSync(join(dir, "vmlab.wcl"), readFileSync(join(dir, "vmlab.wcl"), "utf8").replace(sha256(tiny), wrong).replace('"fetched"', '"fetched2"'));
    const bad = await vmlabAsync(["template", "build", "fetched2"], dir, cache);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("build.hash_mismatch");
    expect(bad.stderr).toContain(wrong);
    expect(bad.stderr).toContain(sha256(tiny));
    expect(w.json<StoreEntry[]>(["template", "list", "--json"]).some((e) => e.ref.includes("fetched2"))).toBe(false);
    expect(readdirSync(downloads)).toEqual([`${sha256(tiny)}-tiny.qcow2`]);
    expect(hits).toBe(2);
    writeFileSync(join(dir, "vmlab.wcl"), readFileSync(join(dir, "vmlab.wcl"), "utf8").replace(wrong, sha256(tiny)).replace('"fetched2"', '"fetched"'));
  });

  test("a second build of the same ref is refused while one runs; killing the CLI half-way leaves nothing", async () => {
    const p = Bun.spawn([vmlabBin(), "template", "build", "slow"], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1", ...w.env },
      stdout: "pipe",
      stderr: "pipe",
    });
    let err = "";
    void (async () => {
      for await (const c of p.stderr) err += new TextDecoder().decode(c);
    })();
    await waitFor("the slow provision", () => (err.includes("provision sleeping") ? true : undefined), 240_000);
    const second = w.vmlab(["template", "build", "slow"], { cwd: dir });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain("build.busy");
    expect(qemuOfWorld().length).toBe(1);
    p.kill("SIGKILL");
    await p.exited;
    await waitFor("the build VM to go", () => (qemuOfWorld().length === 0 ? true : undefined), 30_000);
    await waitFor("the build folder to go", () => (readdirSync(join(dir, ".vmlab", "builds")).length === 0 ? true : undefined), 30_000);
    expect(w.json<StoreEntry[]>(["template", "list", "--json"]).some((e) => e.ref === "x86_64/slow@1.0")).toBe(false);
    // The dead builder's lock does not block the next build.
    const retry = w.vmlab(["template", "build", "slow", "--timeout", "1"], { cwd: dir });
    expect(retry.code).toBe(1);
    expect(retry.stderr).toContain("build.timeout");
    expect(retry.stderr).not.toContain("build.busy");
    expect(qemuOfWorld()).toEqual([]);
  });
});
