/**
 * Streaming tar (POSIX ustar + pax) — just enough for template archives.
 *
 * Contract: `fileHeader` encodes the header block(s) for one regular file,
 * adding a pax extended header when the size does not fit ustar's 11 octal
 * digits (8 GiB − 1; template disks often exceed it). `TarReader` pulls
 * entries from an async byte stream without ever holding more than one
 * chunk: `next()` yields the next file header, `body()` streams exactly its
 * bytes to a sink. Untrusted input never makes either throw: malformed or
 * truncated data comes back as `{ ok: false, reason }` (only a throwing sink
 * or source propagates). Output is readable by GNU/bsd tar (tests check).
 *
 * Spec: POSIX.1-2001 pax interchange format (ustar header layout, `x`/`g`
 * extended headers); GNU base-256 numbers and `L` long names are read too.
 * Leaves out: links, devices, sparse files, writing long names (ours are short).
 */

export const BLOCK = 512;
/** Largest size a ustar octal field holds. */
export const USTAR_MAX_SIZE = 0o77777777777;

const enc = new TextEncoder();
const dec = new TextDecoder();

export interface TarHeader {
  readonly name: string;
  readonly size: number;
  readonly mode: number;
  readonly mtime: number;
  /** Regular files are `"0"` (or `"\0"` in old archives); see POSIX typeflag. */
  readonly typeflag: string;
}

export type TarStep =
  | { readonly ok: true; readonly header: TarHeader }
  | { readonly ok: true; readonly header: undefined }
  | { readonly ok: false; readonly reason: string };

/** Padding after a body of `size` bytes. */
export function paddingFor(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function putString(b: Uint8Array, off: number, len: number, s: string): void {
  b.set(enc.encode(s).subarray(0, len), off);
}

function putOctal(b: Uint8Array, off: number, len: number, n: number): void {
  putString(b, off, len, `${n.toString(8).padStart(len - 1, "0")}\0`);
}

function ustarBlock(name: string, size: number, mtime: number, mode: number, typeflag: string): Uint8Array {
  const b = new Uint8Array(BLOCK);
  putString(b, 0, 100, name);
  putOctal(b, 100, 8, mode);
  putOctal(b, 108, 8, 0);
  putOctal(b, 116, 8, 0);
  putOctal(b, 124, 12, size);
  putOctal(b, 136, 12, Math.max(0, Math.floor(mtime)));
  b.fill(0x20, 148, 156);
  putString(b, 156, 1, typeflag);
  putString(b, 257, 6, "ustar\0");
  putString(b, 263, 2, "00");
  let sum = 0;
  for (const x of b) sum += x;
  putString(b, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return b;
}

/** One pax record: `"<len> key=value\n"` where len counts the whole record. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (String(len).length + enc.encode(body).length !== len) len = String(len).length + enc.encode(body).length;
  return `${len}${body}`;
}

/** Header block(s) for a regular file `name` (≤ 100 bytes) of `size` bytes. */
export function fileHeader(name: string, size: number, mtime: number, mode = 0o644): Uint8Array {
  if (enc.encode(name).length > 100) throw new RangeError(`tar name too long: ${name}`);
  if (size <= USTAR_MAX_SIZE) return ustarBlock(name, size, mtime, mode, "0");
  const pax = enc.encode(paxRecord("size", String(size)));
  const out = new Uint8Array(BLOCK + pax.length + paddingFor(pax.length) + BLOCK);
  out.set(ustarBlock(`PaxHeaders/${name}`.slice(0, 100), pax.length, mtime, 0o644, "x"), 0);
  out.set(pax, BLOCK);
  out.set(ustarBlock(name, 0, mtime, mode, "0"), out.length - BLOCK);
  return out;
}

/** The two zero blocks that end an archive. */
export function endOfArchive(): Uint8Array {
  return new Uint8Array(2 * BLOCK);
}

function cString(b: Uint8Array, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return dec.decode(z < 0 ? s : s.subarray(0, z));
}

function parseNumber(b: Uint8Array, off: number, len: number): number | undefined {
  const f = b.subarray(off, off + len);
  if ((f[0] ?? 0) & 0x80) {
    // GNU base-256: big-endian two's complement with the top bit as marker.
    let n = (f[0] ?? 0) & 0x7f;
    for (let i = 1; i < f.length; i++) n = n * 256 + (f[i] ?? 0);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  const text = dec
    .decode(f)
    .replace(/[\0 ]+$/g, "")
    .replace(/^ +/, "");
  if (text === "") return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}

type Decoded = { kind: "end" } | { kind: "header"; header: TarHeader } | { kind: "bad"; reason: string };

/** Decode one header block. */
export function decodeHeader(b: Uint8Array): Decoded {
  if (b.length !== BLOCK) return { kind: "bad", reason: "short header block" };
  if (b.every((x) => x === 0)) return { kind: "end" };
  const stored = parseNumber(b, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const x = i >= 148 && i < 156 ? 0x20 : (b[i] ?? 0);
    unsigned += x;
    signed += x > 127 ? x - 256 : x;
  }
  if (stored === undefined || (stored !== unsigned && stored !== signed))
    return { kind: "bad", reason: "header checksum mismatch (not a tar archive, or corrupt)" };
  const size = parseNumber(b, 124, 12);
  const mode = parseNumber(b, 100, 8);
  const mtime = parseNumber(b, 136, 12);
  if (size === undefined || mode === undefined || mtime === undefined) return { kind: "bad", reason: "malformed numeric field in tar header" };
  const prefix = cString(b, 257, 6).startsWith("ustar") ? cString(b, 345, 155) : "";
  const name = cString(b, 0, 100);
  return { kind: "header", header: { name: prefix ? `${prefix}/${name}` : name, size, mode, mtime, typeflag: String.fromCharCode(b[156] ?? 0) } };
}

/** Parse a pax extended header body into key/value pairs; undefined when malformed. */
export function parsePax(body: Uint8Array): Map<string, string> | undefined {
  const out = new Map<string, string>();
  let off = 0;
  while (off < body.length) {
    const sp = body.indexOf(0x20, off);
    if (sp < 0) return undefined;
    const len = Number(dec.decode(body.subarray(off, sp)));
    if (!Number.isInteger(len) || len <= sp - off || off + len > body.length) return undefined;
    const rec = dec.decode(body.subarray(sp + 1, off + len - 1));
    const eq = rec.indexOf("=");
    if (eq < 0 || body[off + len - 1] !== 0x0a) return undefined;
    out.set(rec.slice(0, eq), rec.slice(eq + 1));
    off += len;
  }
  return out;
}

/** Largest extended header we accept (they are a few records). */
export const MAX_EXTENDED_HEADER = 1 << 20;

/** Pulls exact byte counts out of an async chunk stream. */
class ByteSource {
  private pending: Uint8Array = new Uint8Array(0);
  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  private async fill(): Promise<boolean> {
    while (this.pending.length === 0) {
      const r = await this.it.next();
      if (r.done) return false;
      this.pending = r.value;
    }
    return true;
  }

  async exact(n: number): Promise<Uint8Array | undefined> {
    const out = new Uint8Array(n);
    let off = 0;
    const ok = await this.pump(n, (c) => {
      out.set(c, off);
      off += c.length;
    });
    return ok ? out : undefined;
  }

  async pump(n: number, sink: (chunk: Uint8Array) => void | Promise<void>): Promise<boolean> {
    let left = n;
    while (left > 0) {
      if (!(await this.fill())) return false;
      const take = Math.min(left, this.pending.length);
      await sink(this.pending.subarray(0, take));
      this.pending = this.pending.subarray(take);
      left -= take;
    }
    return true;
  }
}

/** Reads regular-file entries from a tar stream, one at a time. */
export class TarReader {
  private readonly src: ByteSource;
  private unread: TarHeader | undefined;

  constructor(chunks: AsyncIterable<Uint8Array>) {
    this.src = new ByteSource(chunks[Symbol.asyncIterator]());
  }

  /** The next regular file (directories are skipped), or `header: undefined` at the end. */
  async next(): Promise<TarStep> {
    if (this.unread !== undefined) {
      const skipped = await this.skip(this.unread);
      if (!skipped.ok) return skipped;
    }
    let pax: Map<string, string> | undefined;
    let longName: string | undefined;
    for (;;) {
      const block = await this.src.exact(BLOCK);
      if (block === undefined) return { ok: false, reason: "archive is truncated (it ends inside or before a header)" };
      const d = decodeHeader(block);
      if (d.kind === "end") return { ok: true, header: undefined };
      if (d.kind === "bad") return { ok: false, reason: d.reason };
      const h = d.header;
      if (h.typeflag === "x" || h.typeflag === "g" || h.typeflag === "L") {
        if (h.size > MAX_EXTENDED_HEADER) return { ok: false, reason: "extended header too large" };
        const body = await this.src.exact(h.size + paddingFor(h.size));
        if (body === undefined) return { ok: false, reason: "archive is truncated inside an extended header" };
        const content = body.subarray(0, h.size);
        if (h.typeflag === "L") longName = cString(content, 0, content.length);
        else if (h.typeflag === "x") {
          pax = parsePax(content);
          if (pax === undefined) return { ok: false, reason: "malformed pax extended header" };
        }
        continue;
      }
      let size = h.size;
      const paxSize = pax?.get("size");
      if (paxSize !== undefined) {
        if (!/^\d+$/.test(paxSize) || !Number.isSafeInteger(Number(paxSize))) return { ok: false, reason: "malformed pax size" };
        size = Number(paxSize);
      }
      const header: TarHeader = { ...h, name: pax?.get("path") ?? longName ?? h.name, size };
      pax = undefined;
      longName = undefined;
      if (header.typeflag === "5") {
        const skipped = await this.skip(header);
        if (!skipped.ok) return skipped;
        continue;
      }
      this.unread = header;
      return { ok: true, header };
    }
  }

  /** Stream the current entry's bytes to `sink` (then its padding is skipped). */
  async body(sink: (chunk: Uint8Array) => void | Promise<void>): Promise<{ ok: true } | { ok: false; reason: string }> {
    const h = this.unread;
    if (h === undefined) return { ok: false, reason: "no current entry" };
    this.unread = undefined;
    if (!(await this.src.pump(h.size, sink))) return { ok: false, reason: `archive is truncated inside ${h.name}` };
    if ((await this.src.exact(paddingFor(h.size))) === undefined) return { ok: false, reason: `archive is truncated after ${h.name}` };
    return { ok: true };
  }

  private async skip(h: TarHeader): Promise<{ ok: true } | { ok: false; reason: string }> {
    this.unread = h;
    return this.body(() => {});
  }
}
