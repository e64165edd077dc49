import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BLOCK, decodeHeader, endOfArchive, fileHeader, paddingFor, parsePax, TarReader, USTAR_MAX_SIZE } from "./tar.ts";

const dir = mkdtempSync(join(tmpdir(), "vmlab-tar-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Our writer, all in memory (fine for tests). */
function archive(files: Record<string, Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [name, data] of Object.entries(files)) parts.push(fileHeader(name, data.length, 1_700_000_000), data, new Uint8Array(paddingFor(data.length)));
  parts.push(endOfArchive());
  return Buffer.concat(parts);
}

/** Yield `bytes` in awkward chunk sizes, to exercise chunk boundaries. */
async function* chunks(bytes: Uint8Array, size = 333): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function readAll(bytes: Uint8Array): Promise<Record<string, string> | string> {
  const r = new TarReader(chunks(bytes));
  const out: Record<string, string> = {};
  for (;;) {
    const s = await r.next();
    if (!s.ok) return s.reason;
    if (s.header === undefined) return out;
    const parts: Uint8Array[] = [];
    const b = await r.body((c) => {
      parts.push(c.slice());
    });
    if (!b.ok) return b.reason;
    out[s.header.name] = Buffer.concat(parts).toString();
  }
}

describe("tar", () => {
  const files = { "template.wcl": new TextEncoder().encode('template "x" {}\n'), "disk.qcow2": new Uint8Array(3000).fill(7) };

  test("what we write, we read back", async () => {
    expect(await readAll(archive(files))).toEqual({ "template.wcl": 'template "x" {}\n', "disk.qcow2": "\x07".repeat(3000) });
  });

  test("GNU tar lists and extracts what we write", () => {
    const f = join(dir, "ours.tar");
    writeFileSync(f, archive(files));
    const list = Bun.spawnSync(["tar", "-tf", f]).stdout.toString();
    expect(list.trim().split("\n")).toEqual(["template.wcl", "disk.qcow2"]);
    const out = join(dir, "x");
    mkdirSync(out);
    expect(Bun.spawnSync(["tar", "-xf", f, "-C", out]).exitCode).toBe(0);
    expect(readFileSync(join(out, "disk.qcow2"))).toEqual(Buffer.from(files["disk.qcow2"]));
  });

  test("we read GNU tar's pax and gnu formats, including long names and directories", async () => {
    const src = join(dir, "src");
    const long = `${"n".repeat(120)}.txt`;
    mkdirSync(join(src, "sub"), { recursive: true });
    writeFileSync(join(src, long), "long");
    writeFileSync(join(src, "sub", "a"), "aaa");
    for (const format of ["pax", "gnu", "ustar"]) {
      const f = join(dir, `${format}.tar`);
      const names = format === "ustar" ? ["sub"] : ["sub", long];
      expect(Bun.spawnSync(["tar", `--format=${format}`, "-cf", f, "-C", src, ...names]).exitCode).toBe(0);
      const got = await readAll(readFileSync(f));
      expect(got).toEqual(format === "ustar" ? { "sub/a": "aaa" } : { "sub/a": "aaa", [long]: "long" });
    }
  });

  test("a size beyond ustar's 8 GiB limit is carried in a pax header", async () => {
    const big = USTAR_MAX_SIZE + 10;
    const head = fileHeader("disk.qcow2", big, 0);
    expect(head.length).toBeGreaterThan(BLOCK);
    const r = new TarReader(chunks(head));
    const s = await r.next();
    expect(s).toEqual({ ok: true, header: { name: "disk.qcow2", size: big, mode: 0o644, mtime: 0, typeflag: "0" } });
    expect(await r.body(() => {})).toEqual({ ok: false, reason: "archive is truncated inside disk.qcow2" });
  });

  test("a truncated archive is reported, not thrown", async () => {
    const a = archive(files);
    expect(await readAll(a.subarray(0, BLOCK * 3 + 100))).toBe("archive is truncated inside disk.qcow2");
    expect(await readAll(a.subarray(0, 100))).toBe("archive is truncated (it ends inside or before a header)");
  });

  test("random bytes are not a tar archive", async () => {
    const junk = new Uint8Array(4096).map((_, i) => (i * 7919) % 251);
    expect(await readAll(junk)).toContain("checksum");
  });

  test("a flipped header byte fails the checksum", () => {
    const h = fileHeader("a", 1, 0);
    h[0] = 0x62;
    expect(decodeHeader(h)).toMatchObject({ kind: "bad" });
  });

  test("pax records are parsed and malformed ones rejected", () => {
    expect(parsePax(new TextEncoder().encode("16 size=1234567\n"))).toEqual(new Map([["size", "1234567"]]));
    expect(parsePax(new TextEncoder().encode("99 size=1\n"))).toBeUndefined();
  });
});
