/**
 * The wscript lexer: source text → tokens with spans.
 *
 * Contract: never throws; malformed input yields an `error` token plus a
 * diagnostic and lexing continues. Newlines become `nl` tokens only where they
 * can end a statement (concept_control_flow.md "Statements end at newlines"):
 * not inside an unclosed `(` or `[`, not after a token that cannot end an
 * expression (binary operator, `,`, `=`, `.`, `::`, `->`, `=>`), and not when
 * the next line starts with `.` or `else`. String literals carry their
 * interpolation parts (`{expr}` holes, `{{`/`}}` escapes, `{}`/`{:spec}`
 * kept literal) — see concept_strings.md. Two more forms stay literal so the
 * reference's own examples work: a `{` whose hole would contain a backslash
 * escape (holes are code, so `"{\"name\": 1}"` is JSON text), and a regex
 * quantifier — `{4}` / `{2,5}` right after a non-blank character, as in
 * `"\\d{4}"` (fact_regex_functions.md); `"hp: {99}"` is still a hole.
 */
import type { Span } from "./span.ts";
import { diag, type Diagnostic } from "./diagnostic.ts";

/** One piece of a string literal: literal text, or an expression hole. */
export type StrPart = { kind: "text"; text: string } | { kind: "hole"; src: string; offset: number };

export type Token =
  | { kind: "ident"; text: string; span: Span }
  | { kind: "int"; value: bigint; suffix: string | undefined; text: string; span: Span }
  | { kind: "float"; value: number; suffix: string | undefined; text: string; span: Span }
  | { kind: "str"; parts: StrPart[]; span: Span }
  | { kind: "char"; value: string; span: Span }
  | { kind: "punct"; text: string; span: Span }
  | { kind: "nl"; span: Span }
  | { kind: "eof"; span: Span }
  | { kind: "error"; span: Span };

/** Punctuation, longest first so the scanner can match greedily. */
const PUNCTS = [
  "..=",
  "::",
  "->",
  "=>",
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "..",
  "+",
  "-",
  "*",
  "/",
  "%",
  "=",
  "<",
  ">",
  "!",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ",",
  ".",
  ":",
  ";",
  "|",
  "#",
  "?",
  "&",
  "@",
  "^",
];

/** Tokens after which a newline never ends a statement. */
const CONTINUES = new Set([
  "+",
  "-",
  "*",
  "/",
  "%",
  "=",
  "==",
  "!=",
  "<",
  "<=",
  ">",
  ">=",
  "&&",
  "||",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  ",",
  ".",
  "::",
  "->",
  "=>",
  "!",
  ":",
  "..",
  "..=",
  "(",
  "[",
]);

function isIdStart(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_" || c > "\x7f";
}
function isIdChar(c: string): boolean {
  return isIdStart(c) || (c >= "0" && c <= "9");
}
function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

/** Tokenize `text` (from file `file`; `base` offsets every span, for string holes). */
export function lex(file: string, text: string, base = 0): { tokens: Token[]; diagnostics: Diagnostic[] } {
  const tokens: Token[] = [];
  const diagnostics: Diagnostic[] = [];
  const nest: string[] = [];
  let i = 0;
  const sp = (s: number, e: number): Span => ({ file, start: s + base, end: e + base });
  const err = (s: number, e: number, code: string, msg: string, help?: string) => {
    diagnostics.push(diag(code, sp(s, e), msg, help));
    tokens.push({ kind: "error", span: sp(s, e) });
  };

  /** Read an escape after a backslash at `i`; returns the char and the next index. */
  const escape = (at: number): [string, number] => {
    const c = text[at + 1] ?? "";
    const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'", "{": "{", "}": "}" };
    const s = simple[c];
    if (s !== undefined) return [s, at + 2];
    if (c === "u" && text[at + 2] === "{") {
      const close = text.indexOf("}", at + 3);
      const hex = close < 0 ? "" : text.slice(at + 3, close);
      const cp = /^[0-9a-fA-F]{1,6}$/.test(hex) ? parseInt(hex, 16) : -1;
      if (cp >= 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) return [String.fromCodePoint(cp), close + 1];
      diagnostics.push(diag("E0003", sp(at, Math.max(at + 2, close + 1)), "invalid unicode escape", "write `\\u{1F600}` with 1-6 hex digits"));
      return ["\uFFFD", close < 0 ? at + 2 : close + 1];
    }
    diagnostics.push(diag("E0003", sp(at, at + 2), `unknown escape \`\\${c}\``, "valid escapes: \\n \\t \\r \\0 \\\\ \\\" \\' \\{ \\} \\u{…}"));
    return [c, at + 2];
  };

  const lexString = (start: number) => {
    const parts: StrPart[] = [];
    let buf = "";
    let j = start + 1;
    let closed = false;
    while (j < text.length) {
      const c = text[j] as string;
      if (c === '"') {
        closed = true;
        j++;
        break;
      }
      if (c === "\\") {
        const [ch, n] = escape(j);
        buf += ch;
        j = n;
        continue;
      }
      if (c === "{") {
        const next = text[j + 1];
        if (next === "{") {
          buf += "{";
          j += 2;
          continue;
        }
        if (next === "}" || next === ":") {
          // `{}` / `{:spec}` stay literal for fmt templates.
          const close = text.indexOf("}", j);
          const end = close < 0 ? j + 1 : close + 1;
          buf += text.slice(j, end);
          j = end;
          continue;
        }
        // An interpolation hole: scan to the matching `}`, skipping nested strings.
        let depth = 1;
        let k = j + 1;
        let escaped = false;
        while (k < text.length && depth > 0) {
          const d = text[k];
          if (d === "\\") {
            escaped = true;
            break;
          }
          if (d === '"') {
            k++;
            while (k < text.length && text[k] !== '"') k += text[k] === "\\" ? 2 : 1;
          } else if (d === "'") {
            const m = /^'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'/u.exec(text.slice(k));
            if (m) k += m[0].length - 1;
          } else if (d === "{") depth++;
          else if (d === "}") depth--;
          else if (d === "\n") break;
          k++;
        }
        // Holes are real code, so a backslash escape means this `{` is text
        // (inline JSON such as "{\"k\": 1}"); so is a regex quantifier `{4}` / `{2,5}`.
        if (escaped) {
          buf += "{";
          j++;
          continue;
        }
        if (depth === 0 && j > start + 1 && /\S/.test(text[j - 1] as string) && /^\d+(,\d*)?$/.test(text.slice(j + 1, k - 1))) {
          buf += text.slice(j, k);
          j = k;
          continue;
        }
        if (depth > 0) {
          // The hole never closes. Report the hole (not the string), and end the
          // string at the first `"` after the `{` on this line, as its author meant.
          err(
            j,
            j + 1,
            "E0002",
            "unterminated `{` hole in string literal: this `{` has no closing `}`",
            "close the hole with `}`, or write `{{` for a literal brace",
          );
          const eol = text.indexOf("\n", j);
          const q = text.indexOf('"', j + 1);
          if (q >= 0 && (eol < 0 || q < eol)) {
            j = q + 1;
            closed = true;
            break;
          }
          j = k;
          continue;
        }
        if (buf) parts.push({ kind: "text", text: buf });
        buf = "";
        parts.push({ kind: "hole", src: text.slice(j + 1, k - 1), offset: j + 1 + base });
        j = k;
        continue;
      }
      if (c === "}" && text[j + 1] === "}") {
        buf += "}";
        j += 2;
        continue;
      }
      buf += c;
      j++;
    }
    if (!closed) {
      err(start, j, "E0001", "unterminated string literal", 'close the string with `"`');
      return j;
    }
    const last = tokens[tokens.length - 1];
    if (last?.kind === "error" && last.span.start >= start + base) return j;
    if (buf || parts.length === 0) parts.push({ kind: "text", text: buf });
    tokens.push({ kind: "str", parts, span: sp(start, j) });
    return j;
  };

  const lexNumber = (start: number) => {
    let j = start;
    let isFloat = false;
    let body = "";
    if (text[j] === "0" && (text[j + 1] === "x" || text[j + 1] === "b" || text[j + 1] === "o")) {
      const radix = text[j + 1] === "x" ? 16 : text[j + 1] === "b" ? 2 : 8;
      j += 2;
      const digits = radix === 16 ? /[0-9a-fA-F_]/ : radix === 2 ? /[01_]/ : /[0-7_]/;
      while (j < text.length && digits.test(text[j] as string)) body += text[j++];
      const clean = body.replace(/_/g, "");
      if (!clean) {
        err(start, j, "E0004", "number literal has no digits", "write e.g. `0xFF`");
        return j;
      }
      const prefix = radix === 16 ? "0x" : radix === 2 ? "0b" : "0o";
      const value = BigInt(prefix + clean);
      if (value > 0xffffffffffffffffn) {
        err(start, j, "E0005", "integer literal does not fit in 64 bits", "int is a 64-bit signed integer");
        return j;
      }
      tokens.push({ kind: "int", value: BigInt.asIntN(64, value), suffix: undefined, text: text.slice(start, j), span: sp(start, j) });
      return j;
    }
    while (j < text.length && (isDigit(text[j] as string) || text[j] === "_")) body += text[j++];
    if (text[j] === "." && isDigit(text[j + 1] ?? "")) {
      isFloat = true;
      body += text[j++];
      while (j < text.length && (isDigit(text[j] as string) || text[j] === "_")) body += text[j++];
    }
    if ((text[j] === "e" || text[j] === "E") && (isDigit(text[j + 1] ?? "") || ((text[j + 1] === "-" || text[j + 1] === "+") && isDigit(text[j + 2] ?? "")))) {
      isFloat = true;
      body += text[j++];
      if (text[j] === "-" || text[j] === "+") body += text[j++];
      while (j < text.length && isDigit(text[j] as string)) body += text[j++];
    }
    let suffix: string | undefined;
    if (j < text.length && isIdStart(text[j] as string)) {
      const s = j;
      while (j < text.length && isIdChar(text[j] as string)) j++;
      suffix = text.slice(s, j);
    }
    const clean = body.replace(/_/g, "");
    const span = sp(start, j);
    if (isFloat) tokens.push({ kind: "float", value: Number(clean), suffix, text: clean, span });
    else {
      const value = BigInt(clean);
      // 9223372036854775808 is allowed so that `-9223372036854775808` works; the checker bounds it.
      if (value > 9223372036854775808n) {
        err(start, j, "E0005", "integer literal does not fit in 64 bits", "int is a 64-bit signed integer");
        return j;
      }
      tokens.push({ kind: "int", value, suffix, text: clean, span });
    }
    return j;
  };

  const lastEndsStatement = (): boolean => {
    const t = tokens[tokens.length - 1];
    if (!t || t.kind === "nl") return false;
    if (t.kind === "punct") return !CONTINUES.has(t.text) && t.text !== "{" && t.text !== ";";
    return true;
  };

  /** Does the text after a newline at `j` start with `.` (not `..`) or `else`? */
  const nextContinues = (j: number): boolean => {
    let k = j;
    for (;;) {
      while (k < text.length && /\s/.test(text[k] as string)) k++;
      if (text.startsWith("//", k)) {
        while (k < text.length && text[k] !== "\n") k++;
        continue;
      }
      break;
    }
    if (text[k] === "." && text[k + 1] !== ".") return true;
    return text.startsWith("else", k) && !isIdChar(text[k + 4] ?? " ");
  };

  while (i < text.length) {
    const c = text[i] as string;
    if (c === "\n") {
      const top = nest[nest.length - 1];
      if ((top === undefined || top === "{") && lastEndsStatement() && !nextContinues(i + 1)) tokens.push({ kind: "nl", span: sp(i, i + 1) });
      i++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const s = i;
      let depth = 0;
      while (i < text.length) {
        if (text[i] === "/" && text[i + 1] === "*") {
          depth++;
          i += 2;
        } else if (text[i] === "*" && text[i + 1] === "/") {
          depth--;
          i += 2;
          if (depth === 0) break;
        } else i++;
      }
      if (depth > 0) err(s, i, "E0006", "unterminated block comment", "close it with `*/`");
      continue;
    }
    if (isIdStart(c)) {
      const s = i;
      while (i < text.length && isIdChar(text[i] as string)) i++;
      tokens.push({ kind: "ident", text: text.slice(s, i), span: sp(s, i) });
      continue;
    }
    if (isDigit(c)) {
      i = lexNumber(i);
      continue;
    }
    if (c === '"') {
      i = lexString(i);
      continue;
    }
    if (c === "'") {
      const s = i;
      let ch = "";
      let j = i + 1;
      let raw = "";
      if (text[j] === "\\") {
        const [e, n] = escape(j);
        ch = e;
        j = n;
      } else if (j < text.length) {
        const cp = text.codePointAt(j) ?? 0;
        ch = String.fromCodePoint(cp);
        raw = ch;
        j += ch.length;
      }
      if (text[j] !== "'" || ch === "" || raw === "\n" || raw === "'") {
        while (j < text.length && text[j] !== "'" && text[j] !== "\n") j++;
        err(s, j + 1, "E0007", "invalid character literal", "a char literal holds exactly one character, e.g. 'a' or '\\n'");
        i = text[j] === "'" ? j + 1 : j;
        continue;
      }
      tokens.push({ kind: "char", value: ch, span: sp(s, j + 1) });
      i = j + 1;
      continue;
    }
    const p = PUNCTS.find((q) => text.startsWith(q, i));
    if (p) {
      if (p === "(" || p === "[" || p === "{") nest.push(p);
      else if (p === ")" || p === "]" || p === "}") nest.pop();
      tokens.push({ kind: "punct", text: p, span: sp(i, i + p.length) });
      i += p.length;
      continue;
    }
    const cp = String.fromCodePoint(text.codePointAt(i) ?? 0);
    err(i, i + cp.length, "E0008", `unexpected character \`${cp}\``, "remove it");
    i += cp.length;
  }
  tokens.push({ kind: "eof", span: sp(text.length, text.length) });
  return { tokens, diagnostics };
}
