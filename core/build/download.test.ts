import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CodedError } from "../errors/mod.ts";
import { cachedArtefact, downloadVerified } from "./download.ts";

const body = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7) % 251);
const sha = createHash("sha256").update(body).digest("hex");
let server: ReturnType<typeof Bun.serve>;
const ranges: string[] = [];

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const range = req.headers.get("range");
      ranges.push(range ?? "");
      const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
      if (m) {
        const from = Number(m[1]);
        return new Response(body.subarray(from), { status: 206, headers: { "content-range": `bytes ${from}-${body.length - 1}/${body.length}` } });
      }
      return new URL(req.url).pathname === "/disk.qcow2" ? new Response(body) : new Response("no", { status: 404 });
    },
  });
});
afterAll(() => server.stop(true));

const url = () => `http://127.0.0.1:${server.port}/disk.qcow2`;

describe("downloadVerified()", () => {
  test("downloads once, verifies and reuses the cached file", async () => {
    const cache = mkdtempSync(join(tmpdir(), "dl-"));
    const seen: number[] = [];
    const p = await downloadVerified(url(), sha, { cacheDir: cache, onProgress: (d) => seen.push(d) });
    expect(readFileSync(p)).toEqual(Buffer.from(body));
    expect(seen.at(-1)).toBe(body.length);
    const before = ranges.length;
    expect(await downloadVerified(url(), sha.toUpperCase(), { cacheDir: cache })).toBe(p);
    expect(ranges.length).toBe(before);
  });

  test("a wrong hash is an error naming both digests and the bad file is not kept", async () => {
    const cache = mkdtempSync(join(tmpdir(), "dl-"));
    const wrong = "0".repeat(64);
    const e = await downloadVerified(url(), wrong, { cacheDir: cache }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CodedError);
    expect((e as CodedError).code).toBe("build.hash_mismatch");
    expect((e as CodedError).message).toContain(sha);
    expect((e as CodedError).message).toContain(wrong);
    expect(readdirSync(cache)).toEqual([]);
  });

  test("an interrupted download resumes with a Range request", async () => {
    const cache = mkdtempSync(join(tmpdir(), "dl-"));
    writeFileSync(`${cachedArtefact(cache, url(), sha)}.part`, body.subarray(0, 1_000_000));
    const p = await downloadVerified(url(), sha, { cacheDir: cache });
    expect(ranges.at(-1)).toBe("bytes=1000000-");
    expect(createHash("sha256").update(readFileSync(p)).digest("hex")).toBe(sha);
    expect(existsSync(`${p}.part`)).toBe(false);
  });

  test("an HTTP error names the status", async () => {
    const cache = mkdtempSync(join(tmpdir(), "dl-"));
    const e = (await downloadVerified(`http://127.0.0.1:${server.port}/missing.iso`, sha, { cacheDir: cache }).catch((x: unknown) => x)) as CodedError;
    expect(e.code).toBe("build.download_failed");
    expect(e.message).toContain("HTTP 404");
  });
});
