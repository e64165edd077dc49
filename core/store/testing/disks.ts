/**
 * Test helpers: small real qcow2 images with known content, made with the
 * real qemu-img, in temp directories.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Deterministic pseudo-random bytes (xorshift), so content is reproducible. */
export function patternBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function img(args: string[]): void {
  const p = Bun.spawnSync(["qemu-img", ...args], { stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`qemu-img ${args.join(" ")}: ${p.stderr.toString()}`);
}

/** A qcow2 at `path` whose guest content is `bytes` (a multiple of 512). */
export function qcow2With(path: string, bytes: Uint8Array): string {
  const raw = `${path}.raw`;
  writeFileSync(raw, bytes);
  img(["convert", "-q", "-f", "raw", "-O", "qcow2", raw, path]);
  rmSync(raw);
  return path;
}

/** Guest-visible content of an image (through its backing chain). */
export function guestBytes(path: string): Buffer {
  const raw = `${path}.read.raw`;
  img(["convert", "-q", "-O", "raw", path, raw]);
  const b = readFileSync(raw);
  rmSync(raw);
  return b;
}

export function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Fill 512 guest bytes at `offset` with `byte` (e.g. to dirty a clone), via qemu-io. */
export function writeGuest(path: string, offset: number, byte: number): void {
  const p = Bun.spawnSync(["qemu-io", "-c", `write -P ${byte} ${offset} 512`, path], { stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`qemu-io: ${p.stderr.toString()}`);
}
