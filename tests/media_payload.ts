/**
 * The folder the media tests build images from: nested folders, long and
 * non-ASCII names, an empty file and one large file (generated at test
 * time, never committed), and the sha256 of every file by relative path.
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";

/** A 150-character name with non-ASCII letters: longer than Joliet's 64, within Rock Ridge's and VFAT's 255. */
export const LONG_NAME = `Ünïcødé – ${"very long file name ".repeat(7)}`.slice(0, 146) + ".txt";

export function makePayload(dir: string, bigBytes: number): Map<string, string> {
  const files = new Map<string, string>();
  const put = (rel: string, data: Uint8Array | string) => {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), data);
    files.set(rel, createHash("sha256").update(data).digest("hex"));
  };
  put("README.TXT", "plain 8.3 name\n");
  put("user-data", "#cloud-config\nhostname: media\n");
  put("empty", "");
  put("a/b/c/deep.txt", "three levels down\n");
  put(`déjà vu/${LONG_NAME}`, "long non-ASCII name\n");
  put("déjà vu/日本語のファイル.md", "CJK\n");
  for (let i = 0; i < 30; i++) put(`many/file number ${i}.dat`, randomBytes(1000 + i * 97));
  // The big file, written in slices so the test's memory stays small.
  const big = "big/payload.bin";
  mkdirSync(join(dir, "big"), { recursive: true });
  const fd = openSync(join(dir, big), "w");
  const h = createHash("sha256");
  const slice = randomBytes(1 << 20);
  for (let off = 0; off < bigBytes; off += slice.length) {
    const part = slice.subarray(0, Math.min(slice.length, bigBytes - off));
    part[0] = off >>> 20; // every MiB differs
    writeSync(fd, part);
    h.update(part);
  }
  closeSync(fd);
  files.set(big, h.digest("hex"));
  return files;
}

/** The expected `sha256sum` lines (`<hash>  ./<path>`), sorted by path, as the guest prints them. */
export function expectedListing(files: Map<string, string>, filter: (rel: string) => boolean = () => true): string[] {
  return [...files.entries()]
    .filter(([rel]) => filter(rel))
    .map(([rel, sha]) => `${sha}  ./${rel}`)
    .sort();
}

export function readSha(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}
