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
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
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
  const p = Bun.spawn([vmlabBin(), ...args], { cwd, env: { ...process.env, NO_COLOR: "1", ...w.env, ...env }, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function qemuOfWorld(): string[] {
  const p = Bun.spawnSync(["pgrep", "-af", "qemu-system"]);
  return p.stdout.toString().split("\n").filter((l) => l.includes(w.root));
}

interface StoreEntry { ref: string; hardware: Record<string, unknown>; origin: { kind: string; sourceSha256?: string; tool?: string; buildSeconds?: number } }

beforeAll(async () => {
  w = new World("vmlab-tb-");
  tiny = await tinyTemplatePath();
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => { hits++; return new Response(Bun.file(tiny)); } });
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
    const seen = w.vmlab(["exec", "box", "--", "/bin/sh", "-c", "mkdir -p /mnt && mount -t vfat /dev/vda /mnt && cat /mnt/marker.txt; nproc; umount /mnt"], { cwd: lab });
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
    const p = Bun.spawn([vmlabBin(), "template", "build", "slow"], { cwd: dir, env: { ...process.env, NO_COLOR: "1", ...w.env }, stdout: "pipe", stderr: "pipe" });
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

describe("a build from an installer ISO onto a blank disk", () => {
  test("the tiny kernel boots from an El Torito ISO made by core/media, the provision installs the system, the sealed template boots from its own disk", async () => {
    const { writeIso } = await import("../../core/media/mod.ts");
    const cd = join(w.root, "cd");
    mkdirSync(join(cd, "isolinux"), { recursive: true });
    const raw = join(w.root, "tiny.raw");
    expect(Bun.spawnSync(["qemu-img", "convert", "-q", "-O", "raw", tiny, raw]).exitCode).toBe(0);
    for (const f of ["vmlinuz", "initrd.gz"]) {
      expect(Bun.spawnSync(["mcopy", "-i", raw, `::/${f}`, join(cd, f)], { env: { ...process.env, MTOOLS_SKIP_CHECK: "1" } }).exitCode).toBe(0);
    }
    copyFileSync("/usr/lib/ISOLINUX/isolinux.bin", join(cd, "isolinux", "isolinux.bin"));
    copyFileSync("/usr/lib/syslinux/modules/bios/ldlinux.c32", join(cd, "isolinux", "ldlinux.c32"));
    writeFileSync(join(cd, "isolinux", "isolinux.cfg"), "DEFAULT tiny\nPROMPT 0\nLABEL tiny\n  LINUX /vmlinuz\n  INITRD /initrd.gz\n  APPEND console=tty1 console=ttyS0,115200 quiet panic=-1 tsc=unstable\n");
    renameSync(raw, join(cd, "system.img"));
    const iso = join(dir, "installer.iso");
    await writeIso(cd, iso, { label: "TINYCD", boot: { bios: "isolinux/isolinux.bin" } });
    // A user profile: the i440fx machine, whose IDE CD-ROM the tiny kernel reads (ata_piix).
    mkdirSync(join(w.env.XDG_CONFIG_HOME as string, "vmlab", "profiles"), { recursive: true });
    writeFileSync(join(w.env.XDG_CONFIG_HOME as string, "vmlab", "profiles", "tiny.wcl"), 'profile "tiny-pc" { machine = "pc"  firmware = "seabios"  disk_bus = "virtio"  memory = 256MiB }\n');
    writeFileSync(join(dir, "install.ws"), `use time
fn main(lab: Lab) -> Result[unit, string] {
    let b = lab.vm("build")?
    // The installer has no agent until it has booted: the build VM counts as ready once QEMU runs.
    let n = 0
    while !b.is_ready() {
        n = n + 1
        if n > 300 { return Err("the installer's agent never answered") }
        time::sleep(1000)
    }
    let r = b.exec("/bin/sh", ["-c", "mkdir -p /cd /mnt && mount -t iso9660 -o ro /dev/sr0 /cd && dd if=/cd/system.img of=/dev/vda bs=1M 2>/dev/null && sync && mount -t vfat /dev/vda /mnt && echo from-iso > /mnt/INSTALLED && umount /mnt && umount /cd && echo installed"])?
    if r.stdout.trim() != "installed" { return Err("install failed: " + r.stderr) }
    Ok(())
}
`);
    writeFileSync(join(dir, "vmlab.wcl"), readFileSync(join(dir, "vmlab.wcl"), "utf8") + `template "installed" {
  arch    = "x86_64"
  version = "1.0"
  profile = "tiny-pc"
  disk    = 64MiB
  source "iso" { path = "installer.iso" }
  provision "install.ws" { }
}
`);
    ok(w.vmlab(["template", "build", "installed"], { cwd: dir }));
    const entry = w.json<StoreEntry[]>(["template", "list", "--json"]).find((e) => e.ref === "x86_64/installed@1.0");
    expect(entry?.hardware).toMatchObject({ machine: "pc", memory: 256 * 1024 * 1024 });
    const lab = w.lab("installed", `lab "inst" {\n  vm "box" { template = "x86_64/installed@1.0" }\n}\n`);
    const hw = w.json<{ hardware: { machine: string }; from: { machine: string } }>(["vm", "hardware", "box", "--json"], { cwd: lab });
    expect(hw.hardware.machine).toBe("pc");
    expect(hw.from.machine).toBe("template");
    ok(w.vmlab(["up", "-q"], { cwd: lab }));
    const seen = w.vmlab(["exec", "box", "--", "/bin/sh", "-c", "mkdir -p /mnt && mount -t vfat -o ro /dev/vda /mnt && cat /mnt/INSTALLED"], { cwd: lab });
    expect(seen.stdout.trim()).toBe("from-iso");
    ok(w.vmlab(["destroy", "-q"], { cwd: lab }));
  });
});
