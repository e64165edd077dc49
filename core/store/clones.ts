/**
 * Linked-clone tracking for stored templates (PRD §4: deleting a template
 * that backs existing clones is refused unless forced).
 *
 * Contract: each template directory may hold `clones.json`, the clones the
 * lab daemon registered (absolute paths). It is written atomically (temp +
 * rename, under the store lock — see `store.ts`) and is not part of an
 * exported archive. An entry is *live* only while its file exists and its
 * qcow2 header still names this template's disk as backing file; otherwise
 * it is *stale* (the lab was destroyed by hand, or the clone was rebased or
 * replaced) and never blocks anything.
 *
 * The backing file is read straight from the qcow2 header rather than with
 * `qemu-img info`: it is one small read instead of a process per clone
 * (`template list` checks every clone of every template), and it works while
 * a running QEMU holds the image lock.
 * Spec: QEMU qcow2 format (docs/interop/qcow2.txt), header fields
 * `backing_file_offset` (bytes 8–15) and `backing_file_size` (16–19).
 */
import { closeSync, openSync, readFileSync, readSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";

export const CLONES_FILE = "clones.json";
const QCOW2_MAGIC = 0x514649fb;
/** QEMU caps backing file names at 1023 bytes. */
const MAX_BACKING_NAME = 1023;

const ClonesSchema = z.object({
  clones: z.array(z.object({ path: z.string(), registered: z.string() })),
});
export type CloneRecord = z.infer<typeof ClonesSchema>["clones"][number];

export interface CloneStatus extends CloneRecord {
  readonly live: boolean;
  /** Why a stale entry is stale. */
  readonly reason?: "missing" | "not-qcow2" | "other-backing";
}

/**
 * The backing file named in a qcow2 header: `{ ok: true, backing }` (absent
 * for a standalone image), or `{ ok: false }` for a missing file or one that
 * is not qcow2. Never throws.
 */
export function qcow2BackingFile(path: string): { ok: true; backing: string | undefined } | { ok: false; reason: "missing" | "not-qcow2" } {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return { ok: false, reason: "missing" };
  }
  try {
    const head = Buffer.alloc(20);
    if (readSync(fd, head, 0, 20, 0) !== 20 || head.readUInt32BE(0) !== QCOW2_MAGIC) return { ok: false, reason: "not-qcow2" };
    const offset = head.readBigUInt64BE(8);
    const size = head.readUInt32BE(16);
    if (offset === 0n || size === 0) return { ok: true, backing: undefined };
    if (size > MAX_BACKING_NAME || offset > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, reason: "not-qcow2" };
    const name = Buffer.alloc(size);
    if (readSync(fd, name, 0, size, Number(offset)) !== size) return { ok: false, reason: "not-qcow2" };
    return { ok: true, backing: name.toString("utf8") };
  } catch {
    return { ok: false, reason: "not-qcow2" };
  } finally {
    closeSync(fd);
  }
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** Is `clonePath` a live linked clone of the disk at `templateDisk`? */
export function cloneStatus(rec: CloneRecord, templateDisk: string): CloneStatus {
  const h = qcow2BackingFile(rec.path);
  if (!h.ok) return { ...rec, live: false, reason: h.reason };
  if (h.backing === undefined) return { ...rec, live: false, reason: "other-backing" };
  // Relative backing names are relative to the clone's own directory.
  const backing = real(resolve(dirname(rec.path), h.backing));
  return backing === real(templateDisk) ? { ...rec, live: true } : { ...rec, live: false, reason: "other-backing" };
}

/** Registered clones of the template in `dir` (an unreadable file counts as none). */
export function readClones(dir: string): CloneRecord[] {
  let text: string;
  try {
    text = readFileSync(join(dir, CLONES_FILE), "utf8");
  } catch {
    return [];
  }
  try {
    const parsed = ClonesSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.clones : [];
  } catch {
    return [];
  }
}

/** Replace the clone list of the template in `dir`, atomically. */
export function writeClones(dir: string, clones: readonly CloneRecord[]): void {
  const path = join(dir, CLONES_FILE);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ clones }, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}
