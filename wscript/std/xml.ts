/**
 * The `xml` module over the shared `Value` (fact_data_formats.md, PRD §7
 * "known wart"): `parse(string) -> Result[Value, string]`, `to_string` /
 * `to_string_pretty -> Result[string, string]` (needs exactly one root key).
 *
 * Mapping (documented, lossy on purpose):
 * - the document is a one-key map `{ rootName: element }`;
 * - an element with neither attributes nor child elements is its text as a
 *   `String` (`""` when empty);
 * - otherwise it is a map: attributes under `"@attrs"` (a map of strings),
 *   child elements under their names — repeated names collapse into a
 *   `List` in document order — and non-blank text under `"#text"`.
 * Attribute and text values stay strings. Comments, processing instructions
 * and the DOCTYPE are skipped; CDATA is text; the five named entities and
 * numeric character references are decoded. Serialisation renders
 * `Int`/`Float`/`Bool` as text and `Null` as an empty element.
 */
import { HostModule } from "../host.ts";
import { Err, mkValue, Ok, ValueTag, type Variant } from "../rt/core.ts";

type V = Variant & { $0?: unknown };
class XmlError extends Error {}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function unescapeXml(s: string, fail: (m: string) => never): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (_m, e: string) => {
    if (e.startsWith("#")) {
      const cp = e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      if (!(cp >= 0 && cp <= 0x10ffff) || (cp >= 0xd800 && cp <= 0xdfff)) fail(`invalid character reference \`&${e};\``);
      return String.fromCodePoint(cp);
    }
    const r = ENTITIES[e];
    return r ?? fail(`unknown entity \`&${e};\``);
  });
}

/** Parse an XML document into a Value (throws XmlError). */
export function parseXml(text: string): V {
  let i = 0;
  const fail = (msg: string): never => {
    const line = text.slice(0, i).split("\n").length;
    throw new XmlError(`line ${line}: ${msg}`);
  };
  const skipMisc = () => {
    for (;;) {
      while (/\s/.test(text[i] ?? "")) i++;
      if (text.startsWith("<?", i)) {
        const e = text.indexOf("?>", i);
        if (e < 0) fail("unterminated processing instruction");
        i = e + 2;
      } else if (text.startsWith("<!--", i)) {
        const e = text.indexOf("-->", i);
        if (e < 0) fail("unterminated comment");
        i = e + 3;
      } else if (text.startsWith("<!DOCTYPE", i)) {
        let depth = 0;
        while (i < text.length) {
          const c = text[i++];
          if (c === "[") depth++;
          else if (c === "]") depth--;
          else if (c === ">" && depth <= 0) break;
        }
      } else return;
    }
  };
  const name = (): string => {
    const m = /^[A-Za-z_:][\w:.-]*/.exec(text.slice(i, i + 256));
    if (!m) return fail(`expected a name, found \`${text[i] ?? "end of input"}\``);
    i += m[0].length;
    return m[0];
  };

  const element = (): [string, V] => {
    if (text[i] !== "<") fail("expected `<`");
    i++;
    const tag = name();
    const attrs = new Map<string, V>();
    for (;;) {
      while (/\s/.test(text[i] ?? "")) i++;
      if (text.startsWith("/>", i)) {
        i += 2;
        return [tag, finish(attrs, new Map(), "")];
      }
      if (text[i] === ">") {
        i++;
        break;
      }
      const an = name();
      while (/\s/.test(text[i] ?? "")) i++;
      if (text[i] !== "=") fail(`expected \`=\` after attribute \`${an}\``);
      i++;
      while (/\s/.test(text[i] ?? "")) i++;
      const q = text[i];
      if (q !== '"' && q !== "'") fail("attribute values must be quoted");
      const end = text.indexOf(q as string, i + 1);
      if (end < 0) fail("unterminated attribute value");
      if (attrs.has(an)) fail(`duplicate attribute \`${an}\``);
      attrs.set(an, mkValue(ValueTag.String, unescapeXml(text.slice(i + 1, end), fail)) as V);
      i = end + 1;
    }
    const kids = new Map<string, V[]>();
    let txt = "";
    for (;;) {
      if (i >= text.length) fail(`element \`${tag}\` is not closed`);
      if (text.startsWith("</", i)) {
        i += 2;
        const close = name();
        if (close !== tag) fail(`expected \`</${tag}>\`, found \`</${close}>\``);
        while (/\s/.test(text[i] ?? "")) i++;
        if (text[i] !== ">") fail("expected `>`");
        i++;
        return [tag, finish(attrs, kids, txt)];
      }
      if (text.startsWith("<!--", i)) {
        const e = text.indexOf("-->", i);
        if (e < 0) fail("unterminated comment");
        i = e + 3;
        continue;
      }
      if (text.startsWith("<![CDATA[", i)) {
        const e = text.indexOf("]]>", i);
        if (e < 0) fail("unterminated CDATA");
        txt += text.slice(i + 9, e);
        i = e + 3;
        continue;
      }
      if (text.startsWith("<?", i)) {
        const e = text.indexOf("?>", i);
        if (e < 0) fail("unterminated processing instruction");
        i = e + 2;
        continue;
      }
      if (text[i] === "<") {
        const [k, v] = element();
        const list = kids.get(k);
        if (list) list.push(v);
        else kids.set(k, [v]);
        continue;
      }
      const next = text.indexOf("<", i);
      const end = next < 0 ? text.length : next;
      txt += unescapeXml(text.slice(i, end), fail);
      i = end;
    }
  };

  const finish = (attrs: Map<string, V>, kids: Map<string, V[]>, txt: string): V => {
    if (!attrs.size && !kids.size) return mkValue(ValueTag.String, txt) as V;
    const m = new Map<string, V>();
    if (attrs.size) m.set("@attrs", mkValue(ValueTag.Map, attrs) as V);
    for (const [k, vs] of kids) m.set(k, vs.length === 1 ? (vs[0] as V) : (mkValue(ValueTag.List, vs) as V));
    if (txt.trim()) m.set("#text", mkValue(ValueTag.String, txt.trim()) as V);
    return mkValue(ValueTag.Map, m) as V;
  };

  skipMisc();
  if (text[i] !== "<") fail("expected a root element");
  const [tag, root] = element();
  skipMisc();
  if (i < text.length) fail("content after the root element");
  return mkValue(ValueTag.Map, new Map([[tag, root]])) as V;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
/** Escape text and attribute values alike: all five predefined entities. */
export const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

function text(v: V): string {
  switch (v.$t) {
    case ValueTag.Null:
      return "";
    case ValueTag.Bool:
      return v.$0 ? "true" : "false";
    case ValueTag.Int:
      return String(v.$0);
    case ValueTag.Float:
      return String(v.$0);
    case ValueTag.String:
      return v.$0 as string;
    default:
      throw new XmlError("expected a scalar value");
  }
}

function elem(tag: string, v: V, pretty: boolean, indent: string, out: string[]): void {
  if (!/^[A-Za-z_:][\w:.-]*$/.test(tag)) throw new XmlError(`\`${tag}\` is not a valid element name`);
  if (v.$t === ValueTag.List) {
    for (const x of v.$0 as V[]) elem(tag, x, pretty, indent, out);
    return;
  }
  const nl = pretty ? "\n" : "";
  if (v.$t !== ValueTag.Map) {
    out.push(v.$t === ValueTag.Null ? `${indent}<${tag}/>${nl}` : `${indent}<${tag}>${escapeXml(text(v))}</${tag}>${nl}`);
    return;
  }
  const m = v.$0 as Map<string, V>;
  const attrs = m.get("@attrs");
  let open = `<${tag}`;
  if (attrs) {
    if (attrs.$t !== ValueTag.Map) throw new XmlError('"@attrs" must be a map');
    for (const [k, a] of [...(attrs.$0 as Map<string, V>)].sort(([x], [y]) => (x < y ? -1 : 1))) open += ` ${k}="${escapeXml(text(a))}"`;
  }
  const body = [...m.keys()].filter((k) => k !== "@attrs" && k !== "#text").sort();
  const t = m.get("#text");
  if (!body.length) {
    out.push(t ? `${indent}${open}>${escapeXml(text(t))}</${tag}>${nl}` : `${indent}${open}/>${nl}`);
    return;
  }
  out.push(`${indent}${open}>${nl}`);
  if (t) out.push(`${pretty ? indent + "  " : ""}${escapeXml(text(t))}${nl}`);
  for (const k of body) elem(k, m.get(k) as V, pretty, pretty ? indent + "  " : "", out);
  out.push(`${indent}</${tag}>${nl}`);
}

/** Serialise `{ root: element }` as XML (throws XmlError). */
export function toXml(v: V, pretty: boolean): string {
  if (v.$t !== ValueTag.Map || (v.$0 as Map<string, V>).size !== 1) throw new XmlError("an XML document needs a map with exactly one root key");
  const [[tag, root]] = [...(v.$0 as Map<string, V>)] as [[string, V]];
  if (root.$t === ValueTag.List) throw new XmlError("the root element cannot be a list");
  const out: string[] = [];
  elem(tag, root, pretty, "", out);
  return out.join("");
}

const result = (f: () => unknown) => {
  try {
    return Ok(f());
  } catch (e) {
    if (e instanceof XmlError) return Err(e.message);
    throw e;
  }
};

export function xmlModule(): HostModule {
  const m = new HostModule("xml");
  m.portable = { factory: "xml", args: [] };
  return m
    .fn("parse(text: string) -> Result[Value, string]", ((t: string) => result(() => parseXml(t))) as never)
    .fn("to_string(v: Value) -> Result[string, string]", ((v: V) => result(() => toXml(v, false))) as never)
    .fn("to_string_pretty(v: Value) -> Result[string, string]", ((v: V) => result(() => toXml(v, true))) as never);
}
