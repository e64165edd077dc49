/**
 * Fuzz of what the store reads from untrusted files (issue #19 "Fuzz
 * volume"): seeded mutations of a real tar stream through `TarReader`, of a
 * real `template.wcl` through `parseMetadata`, of a real `.tar.zst` template
 * archive through `readArchive`, and of a real qcow2 header through
 * `parseQcow2Header` and `assertImageSafe` (header checks, then qemu-img
 * info/check). None may throw anything but a `StoreError` (or return a
 * failure value), and nothing may be written outside the stage.
 *
 * The tar reader and the qcow2 header parser take the full volume;
 * `parseMetadata` (a WCL evaluation per input) a tenth; `readArchive` (zstd,
 * files) and `assertImageSafe` (qemu-img processes per input) 1/5000 — their
 * cost is I/O and process start-up, not parsing.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { zstdCompressSync } from "node:zlib";
import { fuzzIterations, fuzzTimeoutMs, mutate, mutateText, Rng } from "../../net/testing/fuzz.ts";
import { readArchive, writeArchive } from "./archive.ts";
import { StoreError } from "./errors.ts";
import { assertImageSafe, parseQcow2Header } from "./image_safety.ts";
import { sha256File } from "./inspect.ts";
import { parseMetadata, renderMetadata, type TemplateMetadata } from "./metadata.ts";
import { endOfArchive, fileHeader, paddingFor, TarReader } from "./tar.ts";
import { patternBytes, qcow2With, tempDir } from "./testing/disks.ts";

const FUZZ_N = fuzzIterations();
/** parseMetadata evaluates WCL (~0.45 ms an input): a tenth of the volume. */
const WCL_N = Math.ceil(FUZZ_N / 10);
/** readArchive and qemu-img cost I/O and a process (~20–120 ms an input). */
const SLOW_N = Math.max(20, Math.ceil(FUZZ_N / 5000));
const dir = tempDir("vmlab-storefuzz-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function* once(b: Uint8Array): AsyncGenerator<Uint8Array> {
  // Split in two so reads across chunk boundaries are exercised.
  const cut = b.length >> 1;
  yield b.subarray(0, cut);
  yield b.subarray(cut);
}

function tarOf(files: readonly [string, Uint8Array][]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [name, body] of files) parts.push(fileHeader(name, body.length, 1_700_000_000), body, new Uint8Array(paddingFor(body.length)));
  parts.push(endOfArchive());
  return new Uint8Array(Buffer.concat(parts));
}

/** Walk every entry of a tar stream; a failure is a value, never an exception. */
async function walk(b: Uint8Array): Promise<void> {
  const t = new TarReader(once(b));
  for (let entries = 0; entries < 16; entries++) {
    const step = await t.next();
    if (!step.ok || step.header === undefined) return;
    const r = await t.body(() => undefined);
    if (!r.ok) return;
  }
}

const disk = qcow2With(join(dir, "disk.qcow2"), patternBytes(64 * 1024, 3));

async function metadataFor(path: string): Promise<TemplateMetadata> {
  return {
    formatVersion: 1,
    arch: "x86_64",
    name: "fz",
    version: "1.0",
    profile: "linux-modern",
    created: "2026-01-01T00:00:00Z",
    disk: { file: "disk.qcow2", format: "qcow2", size: readFileSync(path).length, virtualSize: 64 * 1024, sha256: await sha256File(path) },
    origin: { kind: "adopt", source: path },
    hardware: { cpus: 2, memory: 1 << 30, firmware: "seabios", tags: ["a", "b"] },
  };
}

describe("store inspection under mutated input (fuzz)", () => {
  test(
    `TarReader walks ${FUZZ_N} mutated tar streams without throwing`,
    async () => {
      const rng = new Rng(31);
      const base = tarOf([
        ["template.wcl", new TextEncoder().encode('template "x" {}\n')],
        ["disk.qcow2", patternBytes(1500, 2)],
      ]);
      for (let i = 0; i < FUZZ_N; i++) await walk(mutate(base, rng, 1 << 15));
    },
    fuzzTimeoutMs(FUZZ_N, 1),
  );

  test(
    `parseMetadata answers ${WCL_N} mutated template.wcl texts with a result, never an exception`,
    async () => {
      const rng = new Rng(37);
      const text = renderMetadata(await metadataFor(disk));
      expect(parseMetadata(text, "t").ok).toBe(true);
      for (let i = 0; i < WCL_N; i++) {
        const r = parseMetadata(mutateText(text, rng), "t");
        expect(typeof r.ok).toBe("boolean");
      }
    },
    fuzzTimeoutMs(WCL_N, 2),
  );

  test(
    `readArchive refuses ${SLOW_N} mutated archives with StoreErrors and writes only into its stage`,
    async () => {
      const rng = new Rng(41);
      const meta = await metadataFor(disk);
      const good = join(dir, "good.tar.zst");
      await writeArchive({ metadata: meta, metadataText: renderMetadata(meta), diskPath: disk }, good);
      const compressed = new Uint8Array(readFileSync(good));
      const tar = tarOf([
        ["template.wcl", new TextEncoder().encode(renderMetadata(meta))],
        ["disk.qcow2", new Uint8Array(readFileSync(disk))],
      ]);
      const codes = new Set<string>();
      for (let i = 0; i < SLOW_N; i++) {
        // Half mutate the compressed bytes (zstd framing), half the tar inside (headers, metadata, disk).
        const bytes = i % 2 ? mutate(compressed, rng, 1 << 20) : new Uint8Array(zstdCompressSync(mutate(tar, rng, 1 << 20)));
        const file = join(dir, `m${i}.tar.zst`);
        writeFileSync(file, bytes);
        const stage = join(dir, `stage${i}`);
        mkdirSync(stage);
        try {
          await readArchive(file, stage);
        } catch (e) {
          if (!(e instanceof StoreError)) throw new Error(`input ${i}: ${String((e as Error)?.stack ?? e)}`);
          codes.add(e.code);
        }
        for (const f of readdirSync(stage)) expect(["disk.qcow2", "template.wcl"]).toContain(f);
        rmSync(stage, { recursive: true, force: true });
        rmSync(file);
      }
      expect(codes.has("store.archive_invalid")).toBe(true);
    },
    fuzzTimeoutMs(SLOW_N, 200),
  );

  test(
    `parseQcow2Header answers ${FUZZ_N} mutated qcow2 headers with a header or a reason`,
    () => {
      const rng = new Rng(47);
      const header = new Uint8Array(readFileSync(disk)).subarray(0, 4096);
      expect(typeof parseQcow2Header(header)).toBe("object");
      let parsed = 0;
      for (let i = 0; i < FUZZ_N; i++) {
        const h = parseQcow2Header(mutate(header, rng, 8192));
        if (typeof h === "object") parsed++;
      }
      // Many mutations (outside the fields checked) still parse: the inputs reach the extension walk.
      expect(parsed).toBeGreaterThan(0);
    },
    fuzzTimeoutMs(FUZZ_N),
  );

  test(
    `assertImageSafe answers ${SLOW_N} mutated qcow2 files with a size or a StoreError`,
    async () => {
      const rng = new Rng(43);
      const image = new Uint8Array(readFileSync(disk));
      const header = image.subarray(0, 4096);
      for (let i = 0; i < SLOW_N; i++) {
        const file = join(dir, `q${i}.qcow2`);
        const h = mutate(header, rng, 8192);
        const out = new Uint8Array(Math.max(image.length, h.length));
        out.set(image);
        out.set(h);
        writeFileSync(file, out);
        try {
          const r = await assertImageSafe(file, { origin: file });
          expect(r.virtualSize).toBeGreaterThanOrEqual(0);
        } catch (e) {
          if (!(e instanceof StoreError)) throw new Error(`input ${i}: ${String((e as Error)?.stack ?? e)}`);
        }
        rmSync(file);
      }
    },
    fuzzTimeoutMs(SLOW_N, 500),
  );
});
