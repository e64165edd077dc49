/**
 * The WCL lexer: source text → tokens + diagnostics. Never throws.
 *
 * Handles `//`, `#` and nested `/* *\/` comments (`///` lines become the doc
 * of the next token), identifiers, integers in decimal/hex/octal/binary with
 * `_` separators, floats with exponents, byte sizes (`512MiB`, see units.ts),
 * quoted strings with escapes (`\n \t \r \\ \" \$ \0 \uHHHH \u{H…}`) and
 * `${…}` holes, and heredocs `<<TAG`, `<<-TAG` (common indent stripped) and
 * `<<'TAG'` (raw: no escapes, no holes). Spec: reference/wcl/syntax.md.
 *
 * Left out: `#ident` ref shorthand (`#` always starts a comment here), date
 * `d"…"` / duration `dur"…"` / symbol `:x` literals.
 */
import { BYTE_UNITS } from "./units.ts";
import { error, type Diagnostic } from "./diagnostic.ts";
import { PUNCTUATION, type StrPart, type Token, type TokenKind } from "./token.ts";

export interface LexResult {
  readonly tokens: Token[];
  readonly diagnostics: Diagnostic[];
}

const isIdentStart = (c: string) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
const isIdentPart = (c: string) => isIdentStart(c) || (c >= "0" && c <= "9");
const isDigit = (c: string) => c >= "0" && c <= "9";

/** Lex `text[from, to)` of the source named `file`. */
export function lex(text: string, file: string, from = 0, to = text.length): LexResult {
  const tokens: Token[] = [];
  const diagnostics: Diagnostic[] = [];
  const span = (start: number, end: number) => ({ file, start, end });
  let i = from;
  let nl = true;
  let adjacent = false;
  let doc: string[] = [];

  const push = (kind: TokenKind, start: number, extra: { value?: number; parts?: StrPart[] } = {}) => {
    const t: { -readonly [K in keyof Token]: Token[K] } = { kind, text: text.slice(start, i), start, end: i, nl, adjacent };
    if (extra.value !== undefined) t.value = extra.value;
    if (extra.parts !== undefined) t.parts = extra.parts;
    if (doc.length > 0) t.doc = doc.join("\n");
    tokens.push(t);
    nl = false;
    adjacent = true;
    doc = [];
  };

  while (i < to) {
    const c = text[i] ?? "";
    if (c === "\n") {
      nl = true;
      adjacent = false;
      i++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      adjacent = false;
      i++;
      continue;
    }
    if (c === "#" || (c === "/" && text[i + 1] === "/")) {
      const lineEnd = indexOrEnd(text, "\n", i, to);
      if (text.startsWith("///", i)) doc.push(text.slice(i + 3, lineEnd).trim());
      i = lineEnd;
      adjacent = false;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const start = i;
      let depth = 0;
      while (i < to) {
        if (text.startsWith("/*", i)) {
          depth++;
          i += 2;
        } else if (text.startsWith("*/", i)) {
          depth--;
          i += 2;
          if (depth === 0) break;
        } else {
          if (text[i] === "\n") nl = true;
          i++;
        }
      }
      if (depth > 0) diagnostics.push(error("E003", "unterminated block comment", span(start, start + 2), { hint: "close it with `*/`" }));
      adjacent = false;
      continue;
    }
    const start = i;
    if (isIdentStart(c)) {
      while (i < to && isIdentPart(text[i] ?? "")) i++;
      push("ident", start);
      continue;
    }
    if (isDigit(c)) {
      lexNumber(start);
      continue;
    }
    if (c === '"') {
      i++;
      const r = scanString(text, file, i, to, true, true, diagnostics);
      i = r.end;
      if (!r.closed) diagnostics.push(error("E003", "unterminated string literal", span(start, i), { hint: 'close it with `"` on the same line' }));
      push("string", start, { parts: r.parts });
      continue;
    }
    if (c === "<" && text[i + 1] === "<" && /^<<-?'?[A-Za-z_]/.test(text.slice(i, i + 5))) {
      lexHeredoc(start);
      continue;
    }
    const p = PUNCTUATION.find((q) => text.startsWith(q, i) && i + q.length <= to);
    if (p !== undefined) {
      i += p.length;
      push("punct", start);
      continue;
    }
    i++;
    diagnostics.push(error("E002", `unexpected character \`${c}\``, span(start, i)));
    adjacent = false;
  }
  i = to;
  tokens.push({ kind: "eof", text: "", start: to, end: to, nl: true, adjacent: false });
  return { tokens, diagnostics };

  function lexNumber(start: number): void {
    let kind: TokenKind = "int";
    let value: number;
    const radix = text[i] === "0" ? ({ x: 16, o: 8, b: 2 } as Record<string, number>)[text[i + 1] ?? ""] : undefined;
    if (radix !== undefined) {
      i += 2;
      const digitsStart = i;
      while (i < to && /[0-9a-fA-F_]/.test(text[i] ?? "")) i++;
      const digits = text.slice(digitsStart, i).replaceAll("_", "");
      value = digits === "" || !new RegExp(`^[${"0123456789abcdef".slice(0, radix)}]+$`, "i").test(digits) ? Number.NaN : parseInt(digits, radix);
    } else {
      while (i < to && (isDigit(text[i] ?? "") || text[i] === "_")) i++;
      if (text[i] === "." && isDigit(text[i + 1] ?? "")) {
        kind = "float";
        i++;
        while (i < to && (isDigit(text[i] ?? "") || text[i] === "_")) i++;
      }
      if ((text[i] === "e" || text[i] === "E") && /^[eE][+-]?\d/.test(text.slice(i, i + 3))) {
        kind = "float";
        i++;
        if (text[i] === "+" || text[i] === "-") i++;
        while (i < to && isDigit(text[i] ?? "")) i++;
      }
      value = Number(text.slice(start, i).replaceAll("_", ""));
    }
    if (Number.isNaN(value)) {
      diagnostics.push(error("E004", `malformed number \`${text.slice(start, i)}\``, span(start, i)));
      value = 0;
      kind = "invalid";
    }
    if (i < to && isIdentStart(text[i] ?? "")) {
      const unitStart = i;
      while (i < to && isIdentPart(text[i] ?? "")) i++;
      const unit = text.slice(unitStart, i);
      const mult = BYTE_UNITS.get(unit);
      if (mult === undefined) {
        diagnostics.push(
          error("E004", `unknown unit \`${unit}\` on number`, span(start, i), {
            name: unit,
            hint: `byte sizes take one of ${[...BYTE_UNITS.keys()].join(", ")}`,
          }),
        );
        push("invalid", start);
        return;
      }
      push("bytes", start, { value: Math.round(value * mult) });
      return;
    }
    push(kind, start, { value });
  }

  function lexHeredoc(start: number): void {
    i += 2;
    const indented = text[i] === "-";
    if (indented) i++;
    const raw = text[i] === "'";
    if (raw) i++;
    const tagStart = i;
    while (i < to && isIdentPart(text[i] ?? "")) i++;
    const tag = text.slice(tagStart, i);
    if (raw) {
      if (text[i] === "'") i++;
      else diagnostics.push(error("E002", "raw heredoc tag needs a closing `'`", span(start, i)));
    }
    const lineEnd = indexOrEnd(text, "\n", i, to);
    if (text.slice(i, lineEnd).trim() !== "") {
      diagnostics.push(error("E002", "heredoc content must start on the next line", span(i, lineEnd)));
    }
    // Collect content lines up to the terminator.
    const lines: { start: number; end: number }[] = [];
    let p = lineEnd + 1;
    let closed = false;
    while (p <= to && lineEnd < to) {
      const e = indexOrEnd(text, "\n", p, to);
      const line = text.slice(p, e).replace(/\r$/, "");
      if (line.trim() === tag) {
        closed = true;
        p = e;
        break;
      }
      lines.push({ start: p, end: e - (text[e - 1] === "\r" ? 1 : 0) });
      if (e >= to) {
        p = e;
        break;
      }
      p = e + 1;
    }
    if (!closed) {
      diagnostics.push(
        error("E003", `unterminated heredoc \`${tag}\``, span(start, tagStart + tag.length), { hint: `end it with a line holding only \`${tag}\`` }),
      );
    }
    let strip = 0;
    if (indented) {
      const widths = lines.filter((l) => text.slice(l.start, l.end).trim() !== "").map((l) => /^[ \t]*/.exec(text.slice(l.start, l.end))?.[0].length ?? 0);
      strip = widths.length > 0 ? Math.min(...widths) : 0;
    }
    const parts: StrPart[] = [];
    for (const l of lines) {
      const from = Math.min(l.start + strip, l.end);
      if (raw) parts.push({ kind: "text", text: text.slice(from, l.end) });
      else parts.push(...scanString(text, file, from, l.end, false, true, diagnostics).parts);
      parts.push({ kind: "text", text: "\n" });
    }
    i = p;
    push("string", start, { parts: mergeText(parts) });
  }
}

function indexOrEnd(text: string, needle: string, from: number, to: number): number {
  const k = text.indexOf(needle, from);
  return k < 0 || k > to ? to : k;
}

function mergeText(parts: StrPart[]): StrPart[] {
  const out: StrPart[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (p.kind === "text" && last?.kind === "text") out[out.length - 1] = { kind: "text", text: last.text + p.text };
    else out.push(p);
  }
  return out;
}

const SIMPLE_ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", '"': '"', $: "$", "0": "\0", "'": "'" };

/**
 * Decode a string body from `i`. Quoted mode stops at an unescaped `"` (or a
 * newline, which leaves the string unterminated); heredoc mode runs to `to`.
 */
function scanString(
  text: string,
  file: string,
  i: number,
  to: number,
  quoted: boolean,
  escapes: boolean,
  diagnostics: Diagnostic[],
): { parts: StrPart[]; end: number; closed: boolean } {
  const parts: StrPart[] = [];
  let buf = "";
  const flush = () => {
    if (buf !== "") parts.push({ kind: "text", text: buf });
    buf = "";
  };
  while (i < to) {
    const c = text[i] ?? "";
    if (quoted && c === '"') return (flush(), { parts, end: i + 1, closed: true });
    if (quoted && c === "\n") break;
    if (c === "\\" && escapes) {
      const n = text[i + 1] ?? "";
      const simple = SIMPLE_ESCAPES[n];
      if (simple !== undefined) {
        buf += simple;
        i += 2;
        continue;
      }
      if (n === "u") {
        const m = /^\\u(?:\{([0-9a-fA-F]{1,6})\}|([0-9a-fA-F]{4}))/.exec(text.slice(i, i + 10));
        const cp = m ? parseInt(m[1] ?? m[2] ?? "", 16) : Number.NaN;
        if (m && cp <= 0x10ffff) {
          buf += String.fromCodePoint(cp);
          i += m[0].length;
          continue;
        }
      }
      diagnostics.push(error("E002", `invalid escape \`\\${n}\` in string`, { file, start: i, end: i + 2 }, { hint: "use \\\\ for a literal backslash" }));
      i += n === "" ? 1 : 2;
      continue;
    }
    if (c === "$" && text[i + 1] === "{") {
      flush();
      const holeStart = i + 2;
      const end = findHoleEnd(text, holeStart, to);
      if (end < 0) {
        diagnostics.push(error("E003", "unterminated `${` interpolation", { file, start: i, end: i + 2 }, { hint: "close it with `}`" }));
        return { parts, end: to, closed: false };
      }
      parts.push({ kind: "hole", start: holeStart, end });
      i = end + 1;
      continue;
    }
    buf += c;
    i++;
  }
  flush();
  return { parts, end: i, closed: !quoted };
}

/** Offset of the `}` closing a hole opened before `from`, skipping nested braces and strings; -1 if none. */
function findHoleEnd(text: string, from: number, to: number): number {
  let depth = 0;
  let i = from;
  while (i < to) {
    const c = text[i];
    if (c === "\n") return -1;
    if (c === '"') {
      i++;
      while (i < to && text[i] !== '"' && text[i] !== "\n") i += text[i] === "\\" ? 2 : 1;
    } else if (c === "{") depth++;
    else if (c === "}") {
      if (depth === 0) return i;
      depth--;
    }
    i++;
  }
  return -1;
}
