/**
 * "Is this image safe to adopt?" — the one gate every disk from elsewhere
 * passes before it enters the store (issue #19 items 2 and 8): archive
 * import, bare qcow2 adoption (`template import --ref`), OCI pulls and
 * builds.
 *
 * A qcow2 header can name other files that QEMU then opens with the user's
 * rights: a backing file, or an external data file (`data_file`, whose raw
 * bytes a clone reads as the guest's disk — a template could expose
 * `~/.ssh/id_rsa` to every guest started from it). A damaged image (a
 * truncated download) must not be adopted either. The gate, in order:
 *
 * 1. Our own parse of the qcow2 header (`parseQcow2Header`, QEMU's
 *    docs/interop/qcow2.txt) — before any tool opens the file, because
 *    `qemu-img info` itself opens an external data file (a FIFO there would
 *    hang it). Refused: not qcow2, a backing file, the external-data-file
 *    feature bit or header extension, encryption, the corrupt bit, unknown
 *    incompatible features.
 * 2. `qemu-img info --output=json -f qcow2`: no backing file, no
 *    `data-file`, and no child node other than the image itself — any other
 *    external reference qemu-img reports is refused.
 * 3. `qemu-img check -f qcow2`: exit 0, or 3 (leaked clusters only, which
 *    waste space but harm nothing); corruptions or an unfinished check are
 *    refused (`image.corrupt`).
 *
 * Every refusal is a `StoreError` with an `image.*` code naming `origin`
 * (the user's file, archive or registry reference, not the staging path).
 * `assertQcow2Standalone` is the header-only part, cheap enough to run on
 * every VM start (template and clone) — QEMU 7.2 opens a header's data file
 * even under `-blockdev`, so the header is what must be trusted.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { StoreError, type StoreErrorCode } from "./errors.ts";

/** qcow2 magic: "QFI\xfb". */
export const QCOW2_MAGIC = 0x514649fb;
/** Header extension: external data file name. */
export const QCOW2_EXT_DATA_FILE = 0x44415441;
/** Header extension: full disk encryption header. */
export const QCOW2_EXT_CRYPTO = 0x0537be77;
/** Incompatible feature bits (qcow2.txt): dirty, corrupt, external data file, compression type, extended L2. */
export const QCOW2_INCOMPAT_CORRUPT = 1n << 1n;
export const QCOW2_INCOMPAT_DATA_FILE = 1n << 2n;
const QCOW2_INCOMPAT_KNOWN = 0b11111n;
/** How much of the file the header parse reads: header and extensions live in the first cluster (≤ 2 MiB). */
export const QCOW2_HEADER_READ_BYTES = 2 * 1024 * 1024;

/** What the header says about references outside the file. */
export interface Qcow2Header {
  readonly version: number;
  readonly clusterBits: number;
  readonly virtualSize: bigint;
  /** Backing file name from the header, if any. */
  readonly backingFile: string | undefined;
  /** External data file name (extension), if any. */
  readonly dataFile: string | undefined;
  /** The external-data-file incompatible feature bit. */
  readonly dataFileBit: boolean;
  readonly encrypted: boolean;
  readonly corruptBit: boolean;
  /** Incompatible feature bits this parser does not know. */
  readonly unknownIncompatible: bigint;
}

/**
 * Parses a qcow2 header (v2 or v3) and its extensions from the first bytes of
 * a file. Returns a reason string when the bytes are not a well-formed qcow2
 * header; never throws.
 */
export function parseQcow2Header(b: Uint8Array): Qcow2Header | string {
  if (b.length < 72) return "the file is too short for a qcow2 header";
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(0) !== QCOW2_MAGIC) return "the file does not start with the qcow2 magic";
  const version = v.getUint32(4);
  if (version !== 2 && version !== 3) return `unknown qcow2 version ${version}`;
  const backingOffset = v.getBigUint64(8);
  const backingSize = v.getUint32(16);
  const clusterBits = v.getUint32(20);
  if (clusterBits < 9 || clusterBits > 21) return `cluster_bits ${clusterBits} is out of range`;
  const virtualSize = v.getBigUint64(24);
  const cryptMethod = v.getUint32(32);
  let incompatible = 0n;
  let headerLength = 72;
  if (version === 3) {
    if (b.length < 104) return "the file is too short for a qcow2 v3 header";
    incompatible = v.getBigUint64(72);
    headerLength = v.getUint32(100);
    if (headerLength < 104 || headerLength > b.length) return `header_length ${headerLength} is out of range`;
  }
  let backingFile: string | undefined;
  if (backingOffset !== 0n) {
    // A name we cannot read is still a backing file: refuse it, by name where possible.
    const off = Number(backingOffset);
    backingFile =
      off + backingSize <= b.length && backingSize > 0
        ? new TextDecoder().decode(b.subarray(off, off + backingSize))
        : `<${backingSize} bytes at offset ${backingOffset}>`;
  }
  let dataFile: string | undefined;
  let cryptoExt = false;
  // Extensions: type u32, length u32, data padded to 8 bytes; type 0 ends the list.
  for (let off = headerLength; ; ) {
    if (off + 8 > b.length) return "the header extensions run past the first cluster";
    const type = v.getUint32(off);
    const len = v.getUint32(off + 4);
    if (type === 0) break;
    if (off + 8 + len > b.length) return `header extension 0x${type.toString(16)} runs past the first cluster`;
    if (type === QCOW2_EXT_DATA_FILE) dataFile = new TextDecoder().decode(b.subarray(off + 8, off + 8 + len));
    if (type === QCOW2_EXT_CRYPTO) cryptoExt = true;
    off += 8 + Math.ceil(len / 8) * 8;
  }
  return {
    version,
    clusterBits,
    virtualSize,
    backingFile,
    dataFile,
    dataFileBit: (incompatible & QCOW2_INCOMPAT_DATA_FILE) !== 0n,
    encrypted: cryptMethod !== 0 || cryptoExt,
    corruptBit: (incompatible & QCOW2_INCOMPAT_CORRUPT) !== 0n,
    unknownIncompatible: incompatible & ~QCOW2_INCOMPAT_KNOWN,
  };
}

/** Reads and parses the header of the qcow2 at `path` (`origin` is named in errors). */
export function readQcow2Header(path: string, origin = path): Qcow2Header {
  const buf = new Uint8Array(QCOW2_HEADER_READ_BYTES);
  let n = 0;
  const fd = openSync(path, "r");
  try {
    for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, n);
  } finally {
    closeSync(fd);
  }
  const h = parseQcow2Header(buf.subarray(0, n));
  if (typeof h === "string")
    throw refuse(
      "image.not_qcow2",
      origin,
      `${origin} is not a valid qcow2 image: ${h}`,
      "templates are qcow2 images; convert with `qemu-img convert -O qcow2 <src> disk.qcow2`",
    );
  return h;
}

/**
 * The header-only check: a qcow2 that names no file outside itself. With
 * `backing`, the image must have exactly that backing file (a linked clone of
 * a template) — compared as given, so pass both as absolute paths.
 */
export function assertQcow2Standalone(path: string, origin = path, opts: { backing?: (named: string) => boolean } = {}): Qcow2Header {
  const h = readQcow2Header(path, origin);
  if (h.dataFileBit || h.dataFile !== undefined) {
    throw refuse(
      "image.external_data_file",
      origin,
      `${origin} keeps its data in an external file${h.dataFile ? ` (${h.dataFile})` : ""}; QEMU would open that host file`,
      "only standalone qcow2 images are accepted: `qemu-img convert -O qcow2 <src> standalone.qcow2` copies the data in — after checking the data file is what you expect",
    );
  }
  if (h.backingFile !== undefined && !(opts.backing?.(h.backingFile) ?? false)) {
    throw refuse(
      "image.backing_file",
      origin,
      `${origin} has a backing file (${h.backingFile}); QEMU would open that host file`,
      "only standalone qcow2 images are accepted: flatten it first with `qemu-img convert -O qcow2 <src> standalone.qcow2` after checking the backing chain is what you expect",
    );
  }
  if (h.encrypted)
    throw refuse("image.encrypted", origin, `${origin} is encrypted`, "templates must be unencrypted qcow2 images (encrypt inside the guest instead)");
  if (h.corruptBit)
    throw refuse("image.corrupt", origin, `${origin} is marked corrupt in its header`, "repair it with `qemu-img check -r all` or re-create it");
  if (h.unknownIncompatible !== 0n)
    throw refuse(
      "image.unsupported",
      origin,
      `${origin} uses qcow2 features this vmlab does not know (incompatible bits 0x${h.unknownIncompatible.toString(16)})`,
      "convert it with this host's `qemu-img convert -O qcow2`",
    );
  return h;
}

/** Options for `assertImageSafe`. */
export interface ImageSafetyOptions {
  /** What to name in errors: the user's file, archive or registry reference. */
  readonly origin?: string;
  /** qemu-img binary (default `qemu-img`). */
  readonly binary?: string;
  /**
   * A backing file the caller vouches for (a build's clone of a template
   * already in the store): accepted when the header names exactly this path.
   * That image must itself have passed this gate.
   */
  readonly trustedBacking?: string;
}

/**
 * Is the qcow2 at `path` safe to adopt? Throws an `image.*` StoreError when
 * not; returns its virtual size when it is. See the module comment.
 */
export async function assertImageSafe(path: string, opts: ImageSafetyOptions = {}): Promise<{ virtualSize: number }> {
  const origin = opts.origin ?? path;
  const bin = opts.binary ?? "qemu-img";
  const trusted = opts.trustedBacking;
  const header = assertQcow2Standalone(path, origin, trusted === undefined ? {} : { backing: (b) => b === trusted });

  const info = await runImg(bin, ["info", "--output=json", "-f", "qcow2", path]);
  if (info.code !== 0)
    throw refuse(
      "image.corrupt",
      origin,
      `${origin} cannot be opened as qcow2: ${firstLine(info.stderr)}`,
      "check the file; re-create or re-download it if it is damaged",
    );
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(info.stdout) as Record<string, unknown>;
  } catch {
    throw refuse("image.corrupt", origin, `${origin}: qemu-img info printed no JSON`, "check the file with `qemu-img info`");
  }
  const external = externalReferences(j, path).filter((r) => trusted === undefined || r !== `backing file ${trusted}`);
  if (external.length > 0) {
    throw refuse(
      "image.external_reference",
      origin,
      `${origin} refers to other files: ${external.join(", ")}; QEMU would open them`,
      "only standalone qcow2 images are accepted: `qemu-img convert -O qcow2 <src> standalone.qcow2`",
    );
  }
  if (j["format"] !== "qcow2")
    throw refuse("image.not_qcow2", origin, `${origin} is ${String(j["format"])}, not qcow2`, "convert it with `qemu-img convert -O qcow2`");

  const check = await runImg(bin, ["check", "--output=json", "-f", "qcow2", path]);
  // 0: clean; 3: leaked clusters only (wasted space, no harm). 2: corruptions; 1: the check could not finish.
  if (check.code !== 0 && check.code !== 3) {
    let corruptions: unknown;
    try {
      corruptions = (JSON.parse(check.stdout) as Record<string, unknown>)["corruptions"];
    } catch {
      // no JSON: qemu-img could not check it at all
    }
    const what = typeof corruptions === "number" ? `${corruptions} corruption(s)` : firstLine(check.stderr) || `qemu-img check exited ${check.code}`;
    throw refuse(
      "image.corrupt",
      origin,
      `${origin} failed \`qemu-img check\`: ${what}`,
      "the image is damaged or truncated (an interrupted download or copy?): fetch or build it again",
    );
  }
  const size = j["virtual-size"];
  return { virtualSize: typeof size === "number" ? size : Number(header.virtualSize) };
}

/** Files other than the image itself that `qemu-img info --output=json` reports. */
export function externalReferences(info: Record<string, unknown>, path: string): string[] {
  const out: string[] = [];
  for (const k of ["backing-filename", "full-backing-filename"]) if (typeof info[k] === "string") out.push(`backing file ${info[k]}`);
  const fs = info["format-specific"] as { data?: Record<string, unknown> } | undefined;
  if (fs?.data && fs.data["data-file"] !== undefined) out.push(`data file ${String(fs.data["data-file"])}`);
  // QEMU ≥ 8 lists child nodes; only the protocol node of the image itself may appear.
  const children = info["children"];
  if (Array.isArray(children)) {
    for (const c of children as { name?: unknown; info?: { filename?: unknown } }[]) {
      const f = c.info?.filename;
      if (c.name !== "file" || (typeof f === "string" && f !== path && f !== info["filename"])) out.push(`${String(c.name)} ${String(f)}`);
    }
  }
  return [...new Set(out)];
}

function refuse(code: StoreErrorCode, origin: string, message: string, hint: string): StoreError {
  return new StoreError({ code, path: origin, message, hint });
}

function firstLine(s: string): string {
  return (s.trim().split("\n")[0] ?? "").replace(/^qemu-img: /, "").slice(0, 300);
}

async function runImg(bin: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn([bin, ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}
