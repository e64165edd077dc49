/**
 * File identifiers for the two ISO 9660 name spaces vmlab writes.
 *
 * - ISO 9660 level 3 (ECMA-119 §7.5, §7.6): d-characters only (`A–Z 0–9 _`),
 *   files `NAME.EXT;1` with name + extension ≤ 30, directories ≤ 31 and no
 *   dot. Names are upper-cased, other characters become `_`, and a clash
 *   among siblings gets a numeric tail (`LONG_NAME_1`).
 * - Joliet (Microsoft's supplementary volume, UCS-2 big-endian): names up to
 *   64 UTF-16 code units; `* / : ; ? \` and control characters become `_`.
 *   No `;1` version suffix (Linux strips it and Windows does not need it).
 *
 * Both comparators implement the record order the directories must be
 * sorted in (ECMA-119 §9.3): name then extension, the shorter padded with
 * spaces; Joliet compares the UCS-2 code units the same way.
 */

/** ECMA-119 level 2/3: file name + extension length limit. */
export const ISO_FILE_ID_MAX = 30;
/** ECMA-119 level 2/3: directory identifier length limit. */
export const ISO_DIR_ID_MAX = 31;
/** Joliet: identifier length limit in UTF-16 code units. */
export const JOLIET_NAME_MAX = 64;

function dchars(s: string): string {
  return s.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
}

/** Split a host name into the ISO name and extension (the last dot separates them; a leading dot is part of the name). */
function splitExt(name: string): [string, string] {
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return [name, ""];
  return [name.slice(0, dot), name.slice(dot + 1)];
}

/** Assigns unique ISO 9660 identifiers within one directory. */
export class IsoNamer {
  #used = new Set<string>();

  file(host: string): string {
    let [base, ext] = splitExt(host);
    ext = dchars(ext).slice(0, 8);
    base = dchars(base) || "_";
    const room = ISO_FILE_ID_MAX - ext.length;
    return this.#unique(base, room, (b) => `${b}.${ext};1`);
  }

  dir(host: string): string {
    return this.#unique(dchars(host) || "_", ISO_DIR_ID_MAX, (b) => b);
  }

  #unique(base: string, room: number, make: (b: string) => string): string {
    let id = make(base.slice(0, room));
    for (let n = 1; this.#used.has(id); n++) {
      const tail = `_${n}`;
      id = make(base.slice(0, room - tail.length) + tail);
    }
    this.#used.add(id);
    return id;
  }
}

/** Assigns unique Joliet names within one directory. */
export class JolietNamer {
  #used = new Set<string>();

  name(host: string): string {
    const clean = host.replace(/[\u0000-\u001f*/:;?\\]/g, "_");
    let id = truncateUtf16(clean, JOLIET_NAME_MAX);
    for (let n = 1; this.#used.has(id); n++) {
      const tail = `_${n}`;
      const [b, e] = splitExt(clean);
      const ext = e ? `.${e}` : "";
      id = truncateUtf16(b, JOLIET_NAME_MAX - tail.length - ext.length) + tail + ext;
      if (id.length > JOLIET_NAME_MAX) id = truncateUtf16(clean, JOLIET_NAME_MAX - tail.length) + tail;
    }
    this.#used.add(id);
    return id;
  }
}

/** Keep the extension when a long name must be cut; never split a surrogate pair. */
function truncateUtf16(s: string, max: number): string {
  if (s.length <= max) return s;
  const [b, e] = splitExt(s);
  const ext = e && e.length < 16 ? `.${e}` : "";
  let cut = max - ext.length;
  if (cut > 0 && /[\ud800-\udbff]/.test(b.charAt(cut - 1))) cut--;
  return b.slice(0, Math.max(cut, 0)) + ext;
}

/** ECMA-119 §9.3 order for ISO identifiers: name, then extension (space padded), then version. */
export function compareIsoIds(a: string, b: string): number {
  const [an, ae] = isoParts(a);
  const [bn, be] = isoParts(b);
  return padCompare(an, bn) || padCompare(ae, be);
}

function isoParts(id: string): [string, string] {
  const semi = id.indexOf(";");
  const core = semi >= 0 ? id.slice(0, semi) : id;
  const dot = core.indexOf(".");
  return dot >= 0 ? [core.slice(0, dot), core.slice(dot + 1)] : [core, ""];
}

function padCompare(a: string, b: string): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = i < a.length ? a.charCodeAt(i) : 0x20;
    const y = i < b.length ? b.charCodeAt(i) : 0x20;
    if (x !== y) return x - y;
  }
  return 0;
}

/** Joliet records: the same order over UTF-16 code units. */
export function compareJolietIds(a: string, b: string): number {
  return padCompare(a, b);
}
