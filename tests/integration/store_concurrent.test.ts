import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { createLinkedClone } from "../../core/qemu/img.ts";
import { TemplateStore } from "../../core/store/mod.ts";
import { patternBytes, qcow2With, sha256, tempDir } from "../../core/store/testing/disks.ts";

// Several OS processes writing one store at once: the cross-process lock and
// temp + rename must leave it consistent, with exactly one winner per ref.
const work = tempDir("vmlab-store-race-");
afterAll(() => rmSync(work, { recursive: true, force: true }));
const MOD = resolve(import.meta.dir, "../../core/store/mod.ts");
const BUN = process.execPath;

/** Run `body` (with `store` and `args` in scope) in a separate bun process; resolves to its JSON output. */
async function inChild(root: string, body: string, args: unknown): Promise<{ ok: boolean; code?: string; value?: unknown }> {
  const code = `
    import { TemplateStore, StoreError } from ${JSON.stringify(MOD)};
    const store = new TemplateStore({ root: ${JSON.stringify(root)} });
    const args = ${JSON.stringify(args)};
    try {
      const value = await (async () => { ${body} })();
      console.log(JSON.stringify({ ok: true, value }));
    } catch (e) {
      console.log(JSON.stringify({ ok: false, code: e instanceof StoreError ? e.code : String(e) }));
    }`;
  const p = Bun.spawn([BUN, "-e", code], { stdout: "pipe", stderr: "inherit" });
  const [out] = await Promise.all([new Response(p.stdout).text(), p.exited]);
  return JSON.parse(out.trim().split("\n").at(-1) ?? "{}");
}

const disk = qcow2With(join(work, "disk.qcow2"), patternBytes(2 << 20, 5));

describe("concurrent store writers", () => {
  test("two processes importing the same archive: exactly one wins, the store stays consistent", async () => {
    const seed = new TemplateStore({ root: join(work, "seed") });
    await seed.adopt("x86_64/race@1.0", disk);
    const archive = join(work, "race.tar.zst");
    await seed.exportArchive("x86_64/race@1.0", archive);
    const root = join(work, "race-store");
    const results = await Promise.all([0, 1].map(() => inChild(root, "return (await store.importArchive(args.archive)).ref", { archive })));
    expect(results.filter((r) => r.ok)).toEqual([{ ok: true, value: "x86_64/race@1.0" }]);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, code: "template.exists" }]);
    const store = new TemplateStore({ root });
    const [only, ...rest] = store.list();
    expect(rest).toEqual([]);
    expect(only?.ref).toBe("x86_64/race@1.0");
    expect(sha256(only!.disk)).toBe(only!.metadata!.disk.sha256);
    expect(readdirSync(join(root, ".staging"))).toEqual([]);
    expect(existsSync(join(root, ".lock"))).toBe(false);
  });

  test("two processes overwriting the same ref both succeed, one after the other", async () => {
    const root = join(work, "overwrite-store");
    const archive = join(work, "race.tar.zst");
    await new TemplateStore({ root }).importArchive(archive);
    const results = await Promise.all(
      [0, 1].map(() => inChild(root, "return (await store.importArchive(args.archive, { overwrite: true })).ref", { archive })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(new TemplateStore({ root }).list().map((e) => e.ref)).toEqual(["x86_64/race@1.0"]);
  });

  test("clone registrations from several processes are all kept", async () => {
    const root = join(work, "clones-store");
    const store = new TemplateStore({ root });
    const t = await store.adopt("x86_64/base@1", disk);
    const clones = Array.from({ length: 8 }, (_, i) => join(work, `c${i}.qcow2`));
    for (const c of clones) createLinkedClone(t.disk, c);
    const halves = [clones.slice(0, 4), clones.slice(4)];
    const results = await Promise.all(
      halves.map((paths) => inChild(root, "for (const p of args.paths) await store.registerClone('x86_64/base@1', p); return args.paths.length", { paths })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(
      store
        .clones("x86_64/base@1")
        .map((c) => c.path)
        .sort(),
    ).toEqual([...clones].sort());
    expect(store.get("x86_64/base@1").clones).toBe(8);
  });
});
