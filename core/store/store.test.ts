import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLinkedClone } from "../qemu/img.ts";
import { StoreError } from "./errors.ts";
import { TemplateStore } from "./store.ts";
import { guestBytes, patternBytes, qcow2With, sha256, tempDir, writeGuest } from "./testing/disks.ts";

// Real qemu-img, small images (1 MiB of content), temp directories.
const work = tempDir("vmlab-store-test-");
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const fixedNow = () => new Date("2025-03-04T05:06:07.000Z");
function freshStore(): TemplateStore {
  return new TemplateStore({ root: join(work, `store-${n++}`, "templates"), now: fixedNow, lock: { timeoutMs: 2000 } });
}
const content = patternBytes(1 << 20, 7);
const source = qcow2With(join(work, "source.qcow2"), content);

async function failure(p: Promise<unknown> | (() => unknown)): Promise<StoreError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    if (e instanceof StoreError) return e;
    throw e;
  }
  throw new Error("expected a StoreError");
}

/** Nothing but published templates: no staging leftovers, no temp files. */
function leftovers(store: TemplateStore): string[] {
  const staging = join(store.root, ".staging");
  return existsSync(staging) ? readdirSync(staging) : [];
}

describe("TemplateStore.adopt", () => {
  test("adopting a qcow2 stores a read-only standalone disk with metadata", async () => {
    const store = freshStore();
    const e = await store.adopt("x86_64/tiny@1.0", source, { profile: "linux-modern" });
    expect(e).toMatchObject({
      ref: "x86_64/tiny@1.0",
      clones: 0,
      metadata: { profile: "linux-modern", created: "2025-03-04T05:06:07.000Z", origin: { kind: "adopt", source } },
    });
    expect(e.metadata?.disk.sha256).toBe(sha256(e.disk));
    expect(e.metadata?.disk.virtualSize).toBe(1 << 20);
    expect(statSync(e.disk).mode & 0o777).toBe(0o444);
    expect(readFileSync(join(e.dir, "template.wcl"), "utf8")).toContain('template "tiny" {');
    expect(guestBytes(e.disk).equals(Buffer.from(content))).toBe(true);
    expect(leftovers(store)).toEqual([]);
  });

  test("a qcow2 with a backing file is refused, not flattened (its backing file is never read)", async () => {
    const store = freshStore();
    const child = join(work, "child.qcow2");
    createLinkedClone(source, child);
    writeGuest(child, 4096, 0xab);
    const err = await failure(store.adopt("x86_64/layered@2", child));
    expect(err.code).toBe("image.backing_file");
    expect(err.hint).toContain("qemu-img convert");
    expect(store.list()).toEqual([]);
  });

  test("a reference without a version is refused", async () => {
    const err = await failure(freshStore().adopt("x86_64/tiny", source));
    expect(err.code).toBe("template.version_required");
  });

  test("a file that is not a disk image fails cleanly and leaves nothing behind", async () => {
    const store = freshStore();
    const bogus = join(work, "bogus.qcow2");
    writeFileSync(bogus, "QFI\xfbnot really");
    const err = await failure(store.adopt("x86_64/bad@1", bogus));
    expect(err.code).toBe("image.not_qcow2");
    expect(err.path).toBe(bogus);
    expect(store.list()).toEqual([]);
    expect(leftovers(store)).toEqual([]);
  });

  test("a missing source is store.source_missing", async () => {
    const err = await failure(freshStore().adopt("x86_64/x@1", join(work, "nope.qcow2")));
    expect(err.code).toBe("store.source_missing");
  });
});

describe("TemplateStore.resolve and list", () => {
  test("omitting the version picks the highest, comparing numerically (1.10 > 1.9)", async () => {
    const store = freshStore();
    for (const v of ["1.9", "1.10", "1.2"]) await store.adopt(`x86_64/tiny@${v}`, source);
    expect(store.resolve("x86_64/tiny").version).toBe("1.10");
    expect(store.resolve("x86_64/tiny@1.9").version).toBe("1.9");
    expect(store.list().map((e) => e.ref)).toEqual(["x86_64/tiny@1.2", "x86_64/tiny@1.9", "x86_64/tiny@1.10"]);
  });

  test("a missing template is an error with the build/pull hint and the versions present", async () => {
    const store = freshStore();
    await store.adopt("x86_64/tiny@1.0", source);
    const err = await failure(() => store.resolve("x86_64/tiny@2.0"));
    expect(err.code).toBe("template.not_found");
    expect(err.ref).toBe("x86_64/tiny@2.0");
    expect(err.message).toContain("1.0");
    expect(err.hint).toContain("vmlab template build");
    expect(err.hint).toContain("vmlab template pull");
  });

  test("archless and registry references are rejected as store references", async () => {
    const store = freshStore();
    expect((await failure(() => store.resolve("tiny"))).code).toBe("template.invalid_ref");
    expect((await failure(() => store.resolve("ghcr.io/o/tiny:1"))).hint).toContain("vmlab template pull");
  });

  test("a template with broken metadata is listed with its problem", async () => {
    const store = freshStore();
    const e = await store.adopt("x86_64/tiny@1.0", source);
    writeFileSync(join(e.dir, "template.wcl"), "template {");
    const [listed] = store.list();
    expect(listed?.metadata).toBeUndefined();
    expect(listed?.problem).toContain("template.wcl");
  });
});

describe("archives", () => {
  test("export then import into another store gives a sha256-identical disk", async () => {
    const a = freshStore();
    const orig = await a.adopt("x86_64/tiny@1.0", source, { profile: "p" });
    const archive = join(work, "tiny.tar.zst");
    const seen: number[] = [];
    await a.exportArchive("x86_64/tiny", archive, { onProgress: (d) => seen.push(d) });
    expect(seen.at(-1)).toBe(statSync(orig.disk).size);
    const b = freshStore();
    const imported = await b.importArchive(archive);
    expect(imported.ref).toBe("x86_64/tiny@1.0");
    expect(sha256(imported.disk)).toBe(sha256(orig.disk));
    expect(imported.metadata).toEqual(orig.metadata);
    expect(statSync(imported.disk).mode & 0o777).toBe(0o444);
    expect(leftovers(b)).toEqual([]);
    // The archive is an ordinary tar.zst.
    const listing = Bun.spawnSync(["tar", "--zstd", "-tf", archive]).stdout.toString();
    expect(listing.trim().split("\n")).toEqual(["template.wcl", "disk.qcow2"]);
  });

  test("importing over an existing template is refused unless --overwrite", async () => {
    const a = freshStore();
    await a.adopt("x86_64/tiny@1.0", source);
    const archive = join(work, "overwrite.tar.zst");
    await a.exportArchive("x86_64/tiny@1.0", archive);
    const err = await failure(a.importArchive(archive));
    expect(err.code).toBe("template.exists");
    expect(err.hint).toContain("--overwrite");
    const again = await a.importArchive(archive, { overwrite: true });
    expect(again.ref).toBe("x86_64/tiny@1.0");
    expect(a.list()).toHaveLength(1);
    expect(leftovers(a)).toEqual([]);
  });

  test("truncated and corrupt archives fail clearly and leave nothing behind", async () => {
    const a = freshStore();
    await a.adopt("x86_64/tiny@1.0", source);
    const good = join(work, "good.tar.zst");
    await a.exportArchive("x86_64/tiny@1.0", good);
    const bytes = readFileSync(good);
    const truncated = join(work, "truncated.tar.zst");
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(bytes.length / 2)]! ^= 0xff;
    const corrupt = join(work, "corrupt.tar.zst");
    writeFileSync(corrupt, flipped);
    const notZstd = join(work, "plain.tar.zst");
    writeFileSync(notZstd, "hello, I am not an archive");
    for (const f of [truncated, corrupt, notZstd]) {
      const b = freshStore();
      const err = await failure(b.importArchive(f));
      expect(["store.archive_invalid", "store.archive_checksum"]).toContain(err.code);
      expect(err.path).toBe(f);
      expect(b.list()).toEqual([]);
      expect(leftovers(b)).toEqual([]);
    }
  });

  test("exporting a template whose disk changed in the store is refused", async () => {
    const a = freshStore();
    const e = await a.adopt("x86_64/tiny@1.0", source);
    chmodSync(e.disk, 0o644);
    writeGuest(e.disk, 0, 0x11);
    const out = join(work, "changed.tar.zst");
    const err = await failure(a.exportArchive("x86_64/tiny@1.0", out));
    expect(err.code).toBe("template.corrupt");
    expect(existsSync(out)).toBe(false);
  });

  test("an archive whose metadata names an unsafe path is rejected", async () => {
    const a = freshStore();
    const e = await a.adopt("x86_64/tiny@1.0", source);
    const meta = join(e.dir, "template.wcl");
    writeFileSync(meta, readFileSync(meta, "utf8").replace('template "tiny"', 'template "../../escape"'));
    const out = join(work, "escape.tar.zst");
    await a.exportArchive("x86_64/tiny@1.0", out);
    const b = freshStore();
    expect((await failure(b.importArchive(out))).code).toBe("template.invalid_ref");
    expect(leftovers(b)).toEqual([]);
  });
});

describe("removal and linked clones", () => {
  async function withClone() {
    const store = freshStore();
    const t = await store.adopt("x86_64/tiny@1.0", source);
    const labDir = join(work, `lab-${n++}`);
    mkdirSync(labDir);
    const clone = join(labDir, "vm.qcow2");
    createLinkedClone(t.disk, clone);
    await store.registerClone("x86_64/tiny@1.0", clone);
    return { store, t, clone };
  }

  test("rm is refused while a live clone backs the template", async () => {
    const { store, clone } = await withClone();
    expect(store.get("x86_64/tiny@1.0").clones).toBe(1);
    const err = await failure(store.remove("x86_64/tiny@1.0"));
    expect(err.code).toBe("template.in_use");
    expect(err.clones).toEqual([clone]);
    expect(err.hint).toContain("--force");
    expect(store.list()).toHaveLength(1);
  });

  test("rm --force removes it and reports the orphaned clones", async () => {
    const { store, t, clone } = await withClone();
    const r = await store.remove("x86_64/tiny@1.0", { force: true });
    expect(r.orphanedClones).toEqual([clone]);
    expect(existsSync(t.dir)).toBe(false);
    expect(existsSync(join(store.root, "x86_64"))).toBe(false);
    expect(leftovers(store)).toEqual([]);
  });

  test("a clone whose file is gone is stale and does not block rm", async () => {
    const { store, clone } = await withClone();
    rmSync(clone);
    expect(store.clones("x86_64/tiny@1.0")).toMatchObject([{ path: clone, live: false, reason: "missing" }]);
    expect((await store.remove("x86_64/tiny@1.0")).orphanedClones).toEqual([]);
  });

  test("a clone rebased onto another image is stale", async () => {
    const { store, clone } = await withClone();
    const other = qcow2With(join(work, `other-${n++}.qcow2`), patternBytes(1 << 20, 9));
    rmSync(clone);
    createLinkedClone(other, clone);
    expect(store.clones("x86_64/tiny@1.0")).toMatchObject([{ live: false, reason: "other-backing" }]);
    expect(store.get("x86_64/tiny@1.0").clones).toBe(0);
    await store.remove("x86_64/tiny@1.0");
  });

  test("an unregistered clone no longer blocks rm", async () => {
    const { store, clone } = await withClone();
    await store.unregisterClone("x86_64/tiny@1.0", clone);
    expect(store.clones("x86_64/tiny@1.0")).toEqual([]);
    await store.remove("x86_64/tiny@1.0");
  });

  test("overwriting a template that live clones back is refused", async () => {
    const { store } = await withClone();
    const archive = join(work, `in-use-${n++}.tar.zst`);
    await store.exportArchive("x86_64/tiny@1.0", archive);
    expect((await failure(store.importArchive(archive, { overwrite: true }))).code).toBe("template.in_use");
  });

  test("rm needs an exact version and an existing template", async () => {
    const store = freshStore();
    expect((await failure(store.remove("x86_64/tiny"))).code).toBe("template.version_required");
    expect((await failure(store.remove("x86_64/tiny@1.0"))).code).toBe("template.not_found");
  });

  test("a staging directory left by a dead process is swept on the next write", async () => {
    const store = freshStore();
    const dead = Bun.spawnSync(["true"]).pid;
    const junk = join(store.root, ".staging", `${dead}-abandoned`);
    mkdirSync(junk, { recursive: true });
    writeFileSync(join(junk, "disk.qcow2"), "partial");
    await store.adopt("x86_64/tiny@1.0", source);
    expect(leftovers(store)).toEqual([]);
  });
});
