/**
 * The `toml` module over the shared `Value` (fact_data_formats.md):
 * `parse(string) -> Result[Value, string]` (datetimes become strings),
 * `to_string` / `to_string_pretty -> Result[string, string]`.
 *
 * The parser covers TOML 1.0: bare/quoted/dotted keys, `[table]` and
 * `[[array of tables]]` headers, inline tables, (multi-line) arrays, the four
 * string forms, decimal/hex/octal/binary integers with `_`, floats incl.
 * `inf`/`nan`, booleans and date-times (kept as their text). Errors name the
 * line. Serialisation fails on `Null` anywhere and on a non-map top level;
 * keys are emitted sorted, plain values before sub-tables.
 */
import { HostModule } from "../host.ts";
import { Err, mkValue, Ok, ValueTag, type Variant } from "../rt/core.ts";

type V = Variant & { $0?: unknown };
class TomlError extends Error {}

/** Parse TOML text into a Value map (throws TomlError). */
export function parseToml(text: string): V {
  const root = new Map<string, V>();
  let i = 0;
  let line = 1;
  let current = root;
  /** Tables created by a header or dotted key, to reject redefinition. */
  const defined = new Set<Map<string, V>>();
  const fail = (msg: string): never => {
    throw new TomlError(`line ${line}: ${msg}`);
  };
  const peek = (k = 0) => text[i + k] ?? "";
  const ws = () => {
    while (peek() === " " || peek() === "\t") i++;
  };
  const comment = () => {
    if (peek() === "#") while (i < text.length && peek() !== "\n") i++;
  };
  const blank = () => {
    for (;;) {
      ws();
      comment();
      if (peek() === "\r" && peek(1) === "\n") i++;
      if (peek() === "\n") {
        i++;
        line++;
        continue;
      }
      return;
    }
  };
  const eol = () => {
    ws();
    comment();
    if (peek() === "\r") i++;
    if (i < text.length && peek() !== "\n") fail(`expected end of line, found \`${peek()}\``);
  };
  const mapOf = (v: V | undefined): Map<string, V> | undefined => (v && v.$t === ValueTag.Map ? (v.$0 as Map<string, V>) : undefined);

  const escape = (): string => {
    const c = peek(1);
    const simple: Record<string, string> = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", '"': '"', "\\": "\\", e: "\x1b" };
    if (simple[c] !== undefined) {
      i += 2;
      return simple[c] as string;
    }
    if (c === "u" || c === "U") {
      const n = c === "u" ? 4 : 8;
      const hex = text.slice(i + 2, i + 2 + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) fail("invalid unicode escape");
      i += 2 + n;
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) fail("invalid unicode scalar");
      return String.fromCodePoint(cp);
    }
    return fail(`invalid escape \`\\${c}\``);
  };

  const str = (): string => {
    const q = peek();
    const multi = text.startsWith(q.repeat(3), i);
    i += multi ? 3 : 1;
    if (multi) {
      if (peek() === "\r" && peek(1) === "\n") i += 2;
      else if (peek() === "\n") i++;
    }
    let out = "";
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const c = peek();
      if (multi && text.startsWith(q.repeat(3), i)) {
        // A run of 4 or 5 quotes ends the string with 1 or 2 quotes of content.
        let n = 0;
        while (text[i + n] === q) n++;
        if (n > 5) fail("too many quotes closing a multi-line string");
        out += q.repeat(n - 3);
        i += n;
        return out;
      }
      if (!multi && c === q) {
        i++;
        return out;
      }
      if (c === "\n") {
        if (!multi) fail("newline in a single-line string");
        line++;
      }
      if (q === '"' && c === "\\") {
        if (multi && /^\\[ \t]*\r?\n/.test(text.slice(i))) {
          i++;
          while (/\s/.test(peek())) {
            if (peek() === "\n") line++;
            i++;
          }
          continue;
        }
        out += escape();
        continue;
      }
      out += c;
      i++;
    }
  };

  const key = (): string[] => {
    const parts: string[] = [];
    for (;;) {
      ws();
      if (peek() === '"' || peek() === "'") {
        if (text.startsWith(peek().repeat(3), i)) fail("a key cannot be a multi-line string");
        parts.push(str());
      } else {
        const m = /^[A-Za-z0-9_-]+/.exec(text.slice(i, i + 256));
        if (!m) fail(`expected a key, found \`${peek() || "end of file"}\``);
        parts.push((m as RegExpExecArray)[0]);
        i += (m as RegExpExecArray)[0].length;
      }
      ws();
      if (peek() !== ".") return parts;
      i++;
    }
  };

  const value = (): V => {
    const c = peek();
    if (c === '"' || c === "'") return mkValue(ValueTag.String, str()) as V;
    if (c === "[") {
      i++;
      const items: V[] = [];
      for (;;) {
        blank();
        if (peek() === "]") {
          i++;
          break;
        }
        items.push(value());
        blank();
        if (peek() === ",") {
          i++;
          continue;
        }
        if (peek() === "]") {
          i++;
          break;
        }
        fail(`expected \`,\` or \`]\` in an array, found \`${peek() || "end of file"}\``);
      }
      return mkValue(ValueTag.List, items) as V;
    }
    if (c === "{") {
      i++;
      const m = new Map<string, V>();
      ws();
      if (peek() === "}") {
        i++;
        return mkValue(ValueTag.Map, m) as V;
      }
      for (;;) {
        const k = key();
        if (peek() !== "=") fail("expected `=` after a key");
        i++;
        ws();
        assign(m, k, value());
        ws();
        if (peek() === ",") {
          i++;
          continue;
        }
        if (peek() === "}") {
          i++;
          break;
        }
        fail("expected `,` or `}` in an inline table");
      }
      return mkValue(ValueTag.Map, m) as V;
    }
    const m = /^[^\s,\]}#]+(?: \d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?/.exec(text.slice(i, i + 128));
    if (!m) return fail(`expected a value, found \`${c || "end of file"}\``);
    const tok = m[0];
    i += tok.length;
    if (tok === "true" || tok === "false") return mkValue(ValueTag.Bool, tok === "true") as V;
    if (/^[+-]?(inf|nan)$/.test(tok)) return mkValue(ValueTag.Float, tok.endsWith("nan") ? NaN : tok.startsWith("-") ? -Infinity : Infinity) as V;
    if (/^\d{4}-\d{2}-\d{2}|^\d{2}:\d{2}/.test(tok)) return mkValue(ValueTag.String, tok) as V;
    if (/^0x[0-9a-fA-F_]+$|^0o[0-7_]+$|^0b[01_]+$/.test(tok)) return intValue(BigInt(tok.replace(/_/g, "")));
    if (/^[+-]?(0|[1-9](_?\d)*)$/.test(tok)) return intValue(BigInt(tok.replace(/_/g, "")));
    if (/^[+-]?(0|[1-9](_?\d)*)(\.\d(_?\d)*)?([eE][+-]?\d(_?\d)*)?$/.test(tok)) return mkValue(ValueTag.Float, Number(tok.replace(/_/g, ""))) as V;
    return fail(`invalid value \`${tok}\``);
  };
  const intValue = (b: bigint): V => {
    if (b > 9223372036854775807n || b < -9223372036854775808n) fail("integer does not fit in 64 bits");
    return mkValue(ValueTag.Int, Number.isSafeInteger(Number(b)) ? Number(b) : b) as V;
  };

  /** Walk (creating) the tables of a dotted path. */
  const descend = (m: Map<string, V>, path: string[], implicit: boolean): Map<string, V> => {
    for (const p of path) {
      const cur = m.get(p);
      if (cur === undefined) {
        const t = new Map<string, V>();
        m.set(p, mkValue(ValueTag.Map, t) as V);
        if (!implicit) defined.add(t);
        m = t;
      } else if (cur.$t === ValueTag.List && implicit) {
        const last = (cur.$0 as V[])[(cur.$0 as V[]).length - 1];
        const t = mapOf(last);
        if (!t) fail(`key \`${p}\` is not a table`);
        m = t as Map<string, V>;
      } else {
        const t = mapOf(cur);
        if (!t) fail(`key \`${p}\` is already a value`);
        m = t as Map<string, V>;
      }
    }
    return m;
  };
  const assign = (m: Map<string, V>, k: string[], v: V) => {
    const t = descend(m, k.slice(0, -1), false);
    const last = k[k.length - 1] as string;
    if (t.has(last)) fail(`duplicate key \`${k.join(".")}\``);
    t.set(last, v);
  };

  for (;;) {
    blank();
    if (i >= text.length) break;
    if (peek() === "[") {
      const arr = peek(1) === "[";
      i += arr ? 2 : 1;
      const path = key();
      if (!text.startsWith(arr ? "]]" : "]", i)) fail(`expected \`${arr ? "]]" : "]"}\` after a table name`);
      i += arr ? 2 : 1;
      eol();
      const parent = descend(root, path.slice(0, -1), true);
      const last = path[path.length - 1] as string;
      if (arr) {
        let list = parent.get(last);
        if (list === undefined) {
          list = mkValue(ValueTag.List, []) as V;
          parent.set(last, list);
        }
        if (list.$t !== ValueTag.List) fail(`\`${path.join(".")}\` is not an array of tables`);
        const t = new Map<string, V>();
        (list.$0 as V[]).push(mkValue(ValueTag.Map, t) as V);
        current = t;
      } else {
        const existing = parent.get(last);
        if (existing !== undefined) {
          const t = mapOf(existing);
          if (!t || defined.has(t)) fail(`table \`${path.join(".")}\` is defined twice`);
          defined.add(t as Map<string, V>);
          current = t as Map<string, V>;
        } else {
          const t = new Map<string, V>();
          defined.add(t);
          parent.set(last, mkValue(ValueTag.Map, t) as V);
          current = t;
        }
      }
      continue;
    }
    const k = key();
    if (peek() !== "=") fail("expected `=` after a key");
    i++;
    ws();
    assign(current, k, value());
    eol();
  }
  return mkValue(ValueTag.Map, root) as V;
}

const BARE = /^[A-Za-z0-9_-]+$/;
const qkey = (k: string) => (BARE.test(k) ? k : JSON.stringify(k));

function scalar(v: V, pretty: boolean, indent: string): string {
  switch (v.$t) {
    case ValueTag.Null:
      throw new TomlError("TOML cannot represent null");
    case ValueTag.Bool:
      return v.$0 ? "true" : "false";
    case ValueTag.Int:
      return String(v.$0);
    case ValueTag.Float: {
      const x = v.$0 as number;
      if (Number.isNaN(x)) return "nan";
      if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
      return Number.isInteger(x) ? x.toFixed(1) : String(x);
    }
    case ValueTag.String:
      return JSON.stringify(v.$0);
    case ValueTag.List: {
      const xs = v.$0 as V[];
      if (!xs.length) return "[]";
      if (!pretty) return `[${xs.map((x) => scalar(x, false, indent)).join(", ")}]`;
      return `[\n${xs.map((x) => `${indent}    ${scalar(x, true, indent + "    ")},`).join("\n")}\n${indent}]`;
    }
    default: {
      const m = v.$0 as Map<string, V>;
      return `{ ${[...m.keys()]
        .sort()
        .map((k) => `${qkey(k)} = ${scalar(m.get(k) as V, false, indent)}`)
        .join(", ")} }`.replace("{  }", "{}");
    }
  }
}

const isTable = (v: V) => v.$t === ValueTag.Map;
const isTableArray = (v: V) => v.$t === ValueTag.List && (v.$0 as V[]).length > 0 && (v.$0 as V[]).every(isTable);

function table(m: Map<string, V>, path: string[], pretty: boolean, out: string[]): void {
  const keys = [...m.keys()].sort();
  for (const k of keys) {
    const v = m.get(k) as V;
    if (!isTable(v) && !isTableArray(v)) out.push(`${qkey(k)} = ${scalar(v, pretty, "")}`);
  }
  for (const k of keys) {
    const v = m.get(k) as V;
    const p = [...path, qkey(k)];
    if (isTable(v)) {
      if (out.length) out.push("");
      out.push(`[${p.join(".")}]`);
      table(v.$0 as Map<string, V>, p, pretty, out);
    } else if (isTableArray(v)) {
      for (const t of v.$0 as V[]) {
        if (out.length) out.push("");
        out.push(`[[${p.join(".")}]]`);
        table(t.$0 as Map<string, V>, p, pretty, out);
      }
    }
  }
}

/** Serialise a Value map as TOML (throws TomlError on null or a non-map top level). */
export function toToml(v: V, pretty: boolean): string {
  if (v.$t !== ValueTag.Map) throw new TomlError("the top level of a TOML document must be a map");
  const out: string[] = [];
  table(v.$0 as Map<string, V>, [], pretty, out);
  return out.length ? `${out.join("\n")}\n` : "";
}

const result = (f: () => unknown) => {
  try {
    return Ok(f());
  } catch (e) {
    if (e instanceof TomlError || e instanceof RangeError) return Err(e.message);
    throw e;
  }
};

export function tomlModule(): HostModule {
  const m = new HostModule("toml");
  m.portable = { factory: "toml", args: [] };
  return m
    .fn("parse(text: string) -> Result[Value, string]", ((t: string) => result(() => parseToml(t))) as never)
    .fn("to_string(v: Value) -> Result[string, string]", ((v: V) => result(() => toToml(v, false))) as never)
    .fn("to_string_pretty(v: Value) -> Result[string, string]", ((v: V) => result(() => toToml(v, true))) as never);
}
