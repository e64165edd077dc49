import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { buildProgram } from "../../core/cli/program.ts";
import { makeStyle } from "../../core/cli/style.ts";
import { templateCommand, type TemplateIo } from "../../core/cli/commands/template.ts";
import { TemplateStore } from "../../core/store/mod.ts";
import { createLinkedClone } from "../../core/qemu/img.ts";
import { patternBytes, qcow2With, tempDir } from "../../core/store/testing/disks.ts";

// The `vmlab template` verbs, run in-process against a temp store and real qemu-img.
const work = tempDir("vmlab-store-cli-");
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = 0;
});
const disk = qcow2With(join(work, "disk.qcow2"), patternBytes(1 << 20, 3));

async function vmlab(store: TemplateStore, args: string[], opts: { tty?: boolean } = {}): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  let clock = 0;
  const io: TemplateIo = {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
    outStyle: makeStyle(false),
    errStyle: makeStyle(false),
    progress: opts.tty ?? false,
    now: () => (clock += 1000),
  };
  process.exitCode = 0;
  const program = buildProgram([templateCommand({ store: () => store, io: () => io })]);
  program.configureOutput({
    writeOut: (s) => {
      out += s;
    },
    writeErr: (s) => {
      err += s;
    },
  });
  let code: number;
  try {
    await program.parseAsync(args, { from: "user" });
    code = typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch {
    code = 2;
  }
  process.exitCode = 0;
  return { code, out, err };
}

let n = 0;
const fresh = () => new TemplateStore({ root: join(work, `s${n++}`, "templates"), lock: { timeoutMs: 2000 } });

describe("vmlab template", () => {
  test("import --ref adopts a qcow2, and list shows it as a table and as JSON", async () => {
    const store = fresh();
    const r = await vmlab(store, ["template", "import", "--ref", "x86_64/tiny@1.0", "--profile", "linux-modern", disk]);
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toContain("imported x86_64/tiny@1.0");
    const table = await vmlab(store, ["template", "list"]);
    expect(table.out.split("\n")[0]).toMatch(/^REF\s+SIZE\s+VIRTUAL\s+PROFILE\s+CREATED\s+CLONES\s+HARDWARE$/);
    expect(table.out).toMatch(/x86_64\/tiny@1\.0\s+[\d.]+ (KiB|MiB)\s+1\.0 MiB\s+linux-modern\s+\d{4}-\d\d-\d\dT[\d:]+Z\s+0/);
    const json = JSON.parse((await vmlab(store, ["template", "list", "--json"])).out);
    expect(json).toMatchObject([{ ref: "x86_64/tiny@1.0", virtualSize: 1 << 20, profile: "linux-modern", clones: 0, origin: { kind: "adopt" } }]);
    expect(typeof json[0].size).toBe("number");
  });

  test("export and import round-trip through an archive, refusing to overwrite by default", async () => {
    const a = fresh();
    await vmlab(a, ["template", "import", "--ref", "x86_64/tiny@2", disk]);
    const file = join(work, `t${n++}.tar.zst`);
    const ex = await vmlab(a, ["template", "export", "x86_64/tiny", file], { tty: true });
    expect(ex.code).toBe(0);
    expect(ex.out).toContain(`exported x86_64/tiny@2 to ${file}`);
    expect(ex.err).toContain("exporting x86_64/tiny@2");
    expect(ex.err).toContain("(100%)");
    const again = await vmlab(a, ["template", "import", file]);
    expect(again.code).toBe(1);
    expect(again.err).toContain("error[template.exists]: template x86_64/tiny@2 is already in the store");
    expect(again.err).toContain("hint: pass --overwrite");
    expect((await vmlab(a, ["template", "import", "--overwrite", file])).code).toBe(0);
    const b = fresh();
    expect((await vmlab(b, ["template", "import", file])).out).toContain("imported x86_64/tiny@2");
  });

  test("progress is not drawn when stderr is not a terminal", async () => {
    const a = fresh();
    await vmlab(a, ["template", "import", "--ref", "x86_64/tiny@1", disk]);
    const ex = await vmlab(a, ["template", "export", "x86_64/tiny@1", join(work, `q${n++}.tar.zst`)]);
    expect(ex.err).toBe("");
  });

  test("rm is refused with live clones, listing them, and --force warns", async () => {
    const store = fresh();
    await vmlab(store, ["template", "import", "--ref", "x86_64/tiny@1.0", disk]);
    const clone = join(work, `clone${n++}.qcow2`);
    createLinkedClone(store.resolve("x86_64/tiny@1.0").disk, clone);
    await store.registerClone("x86_64/tiny@1.0", clone);
    const refused = await vmlab(store, ["template", "rm", "x86_64/tiny@1.0"]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("error[template.in_use]");
    expect(refused.err).toContain(`  ${clone}\n`);
    // Listed once (the message used to repeat the list).
    expect(refused.err.split(clone).length - 1).toBe(1);
    expect(refused.err).toContain("--force");
    const forced = await vmlab(store, ["template", "rm", "--force", "x86_64/tiny@1.0"]);
    expect(forced.code).toBe(0);
    expect(forced.err).toContain("warning: 1 linked clone(s) were backed by x86_64/tiny@1.0 and will no longer start");
    expect(forced.out).toBe("removed x86_64/tiny@1.0\n");
  });

  test("a missing template names the ref and hints at build and pull", async () => {
    const r = await vmlab(fresh(), ["template", "export", "x86_64/ghost", join(work, "ghost.tar.zst")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("error[template.not_found]: template x86_64/ghost is not in the store");
    expect(r.err).toContain("`vmlab template build`");
    expect(existsSync(join(work, "ghost.tar.zst"))).toBe(false);
  });

  test("usage errors exit 2", async () => {
    const store = fresh();
    expect((await vmlab(store, ["template", "import", "--profile", "p", disk])).code).toBe(2);
    expect((await vmlab(store, ["template", "rm"])).code).toBe(2);
  });

  test("an empty store says so and hints how to fill it", async () => {
    const r = await vmlab(fresh(), ["template", "list"]);
    expect(r.out).toContain("No templates in");
    expect(r.err).toContain("vmlab template import");
  });
});
