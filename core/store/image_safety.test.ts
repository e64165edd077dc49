import { afterAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLinkedClone } from "../qemu/img.ts";
import { writeArchive } from "./archive.ts";
import { StoreError } from "./errors.ts";
import { assertImageSafe, assertQcow2Standalone, parseQcow2Header } from "./image_safety.ts";
import { renderMetadata } from "./metadata.ts";
import { TemplateStore } from "./store.ts";
import { patternBytes, qcow2With, sha256, tempDir } from "./testing/disks.ts";

// Real qemu-img; each hostile image is what a downloaded template could be.
const work = tempDir("vmlab-image-safety-");
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const freshStore = () => new TemplateStore({ root: join(work, `store-${n++}`, "templates"), lock: { timeoutMs: 2000 } });
const img = (...args: string[]) => execFileSync("qemu-img", args, { stdio: "pipe" });

const good = qcow2With(join(work, "good.qcow2"), patternBytes(4 << 20, 3));
/** A host file a hostile template wants a guest to read. */
const secret = join(work, "host-secret");
writeFileSync(secret, Buffer.concat([Buffer.from("TOPSECRET host data\n"), Buffer.alloc((1 << 20) - 20)]));

function dataFileImage(): string {
  const p = join(work, `data-file-${n++}.qcow2`);
  // preallocation=metadata maps the raw data file, so a clone would read the secret as its disk.
  img("create", "-q", "-f", "qcow2", "-o", `data_file=${secret},data_file_raw=on,preallocation=metadata`, p, "1M");
  return p;
}
function backingImage(): string {
  const p = join(work, `backed-${n++}.qcow2`);
  createLinkedClone(good, p);
  return p;
}
function truncatedImage(): string {
  const p = join(work, `truncated-${n++}.qcow2`);
  writeFileSync(p, readFileSync(good));
  truncateSync(p, Math.floor(statSync(p).size / 3));
  return p;
}

async function refusal(p: Promise<unknown>): Promise<StoreError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StoreError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("assertImageSafe()", () => {
  test("a standalone, clean qcow2 is safe and reports its virtual size", async () => {
    expect(await assertImageSafe(good)).toEqual({ virtualSize: 4 << 20 });
  });

  const hostile: [string, () => string, StoreError["code"]][] = [
    ["a qcow2 whose data_file is a host file", dataFileImage, "image.external_data_file"],
    ["a qcow2 with a backing file", backingImage, "image.backing_file"],
    ["a truncated qcow2", truncatedImage, "image.corrupt"],
  ];
  for (const [what, make, code] of hostile) {
    test(`${what} is refused with ${code} naming the origin`, async () => {
      const e = await refusal(assertImageSafe(make(), { origin: "downloaded.qcow2" }));
      expect(e.code).toBe(code);
      expect(e.path).toBe("downloaded.qcow2");
      expect(e.message).toContain("downloaded.qcow2");
      expect(e.hint.length).toBeGreaterThan(10);
    });
  }

  test("a data file that is a FIFO does not hang the check (the header is read before qemu-img opens anything)", async () => {
    const fifo = join(work, "fifo");
    execFileSync("mkfifo", [fifo]);
    const p = join(work, "fifo-data.qcow2");
    img("create", "-q", "-f", "qcow2", "-o", `data_file=${join(work, "plain-data")}`, p, "1M");
    // Point the header's data-file extension at the FIFO (same length as the original name).
    const bytes = readFileSync(p);
    const from = Buffer.from(join(work, "plain-data"));
    const at = bytes.indexOf(from);
    Buffer.from(join(work, "fifo").padEnd(from.length, "\0")).copy(bytes, at);
    writeFileSync(p, bytes);
    expect((await refusal(assertImageSafe(p))).code).toBe("image.external_data_file");
  });

  test("a file that is not qcow2 (raw bytes, or the magic and garbage) is image.not_qcow2", async () => {
    const raw = join(work, "raw.img");
    writeFileSync(raw, new Uint8Array(1 << 16));
    expect((await refusal(assertImageSafe(raw))).code).toBe("image.not_qcow2");
    const bogus = join(work, "bogus.qcow2");
    writeFileSync(bogus, "QFI\xfbnot really");
    expect((await refusal(assertImageSafe(bogus))).code).toBe("image.not_qcow2");
  });
});

describe("every way into the store uses it", () => {
  test("template import --ref (adopt) refuses a data_file image without copying the host file in", async () => {
    const store = freshStore();
    const e = await refusal(store.adopt("x86_64/evil@1", dataFileImage()));
    expect(e.code).toBe("image.external_data_file");
    expect(store.list()).toEqual([]);
  });

  test("adopt refuses a backing file (it would be read and flattened into the template) and a truncated image", async () => {
    const store = freshStore();
    expect((await refusal(store.adopt("x86_64/evil@1", backingImage()))).code).toBe("image.backing_file");
    expect((await refusal(store.adopt("x86_64/evil@2", truncatedImage()))).code).toBe("image.corrupt");
    expect(store.list()).toEqual([]);
    expect(existsSync(join(store.root, ".staging")) ? readdirSync(join(store.root, ".staging")) : []).toEqual([]);
  });

  test("a backing file the caller vouches for (a build's clone of a stored template) is flattened in", async () => {
    const store = freshStore();
    const e = await store.adopt("x86_64/built@1", backingImage(), { trustedBacking: good });
    expect(e.metadata?.disk.virtualSize).toBe(4 << 20);
    expect(assertQcow2Standalone(e.disk).backingFile).toBeUndefined();
    expect((await refusal(store.adopt("x86_64/built@2", backingImage(), { trustedBacking: "/elsewhere.qcow2" }))).code).toBe("image.backing_file");
  });

  test("archive import refuses a disk with an external data file and one that fails qemu-img check", async () => {
    const a = freshStore();
    const t = await a.adopt("x86_64/tiny@1.0", good);
    const meta = t.metadata!;
    for (const [disk, code] of [
      [dataFileImage(), "image.external_data_file"],
      [truncatedImage(), "image.corrupt"],
    ] as const) {
      const m = { ...meta, disk: { ...meta.disk, size: statSync(disk).size, sha256: sha256(disk) } };
      const archive = join(work, `evil-${n++}.tar.zst`);
      await writeArchive({ metadata: m, metadataText: renderMetadata(m), diskPath: disk }, archive);
      const b = freshStore();
      const e = await refusal(b.importArchive(archive));
      expect(e.code).toBe(code);
      expect(e.path).toBe(archive);
      expect(b.list()).toEqual([]);
    }
  });
});

describe("assertQcow2Standalone() (the check before every VM start)", () => {
  test("a clone passes only with the backing file it is expected to have", () => {
    const clone = backingImage();
    expect(() => assertQcow2Standalone(clone, clone, { backing: (b) => b === good })).not.toThrow();
    expect(() => assertQcow2Standalone(clone, clone, { backing: () => false })).toThrow(expect.objectContaining({ code: "image.backing_file" }));
    expect(() => assertQcow2Standalone(dataFileImage())).toThrow(expect.objectContaining({ code: "image.external_data_file" }));
  });
});

describe("parseQcow2Header()", () => {
  test("reads the external data file name and feature bit", () => {
    const h = parseQcow2Header(readFileSync(dataFileImage()).subarray(0, 65536));
    expect(typeof h).toBe("object");
    if (typeof h === "string") return;
    expect(h.dataFile).toBe(secret);
    expect(h.dataFileBit).toBe(true);
    expect(h.backingFile).toBeUndefined();
  });

  test("never throws on mutated headers (seeded)", () => {
    const base = readFileSync(backingImage()).subarray(0, 4096);
    let x = 12345;
    const rnd = () => (x = (x * 1103515245 + 12345) >>> 0) >>> 8;
    let parsed = 0;
    for (let i = 0; i < 20_000; i++) {
      const b = Uint8Array.from(base.subarray(0, 1 + (rnd() % base.length)));
      for (let k = rnd() % 8; k >= 0; k--) b[rnd() % b.length] = rnd() & 0xff;
      if (typeof parseQcow2Header(b) === "object") parsed++;
    }
    expect(parsed).toBeGreaterThan(0);
  });
});
