/**
 * `fmt` templates and format specs (fact_prelude_functions.md).
 *
 * `{}` placeholders with optional `{:[[fill]align][0][width][.prec][type]}`,
 * align `<` `^` `>`, int-only types `x X b o`, `{{`/`}}` escapes.
 * `checkFmtTemplate` is the compile-time check for literal templates;
 * `formatTemplate` renders at run time (a bad dynamic template faults).
 */

type Spec = { fill: string; align: string | undefined; zero: boolean; width: number; prec: number | undefined; type: string | undefined };
type Piece = { text: string } | { spec: Spec };

const SPEC_RE = /^(?:(.)?([<^>]))?(0)?(\d+)?(?:\.(\d+))?([xXbo])?$/u;

/** Split a template into literal text and placeholders; a string is an error message. */
export function parseTemplate(t: string): Piece[] | string {
  const out: Piece[] = [];
  let buf = "";
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === "{" && t[i + 1] === "{") {
      buf += "{";
      i++;
      continue;
    }
    if (c === "}" && t[i + 1] === "}") {
      buf += "}";
      i++;
      continue;
    }
    if (c === "}") return "unmatched `}` in template (escape it as `}}`)";
    if (c !== "{") {
      buf += c;
      continue;
    }
    const close = t.indexOf("}", i);
    if (close < 0) return "unclosed `{` in template (escape it as `{{`)";
    const inner = t.slice(i + 1, close);
    let spec: Spec = { fill: " ", align: undefined, zero: false, width: 0, prec: undefined, type: undefined };
    if (inner !== "") {
      if (!inner.startsWith(":")) return `invalid placeholder \`{${inner}}\`: fmt takes \`{}\` or \`{:spec}\``;
      const m = SPEC_RE.exec(inner.slice(1));
      if (!m) return `invalid format spec \`${inner}\``;
      spec = {
        fill: m[1] ?? " ",
        align: m[2],
        zero: m[3] !== undefined,
        width: m[4] ? Number(m[4]) : 0,
        prec: m[5] !== undefined ? Number(m[5]) : undefined,
        type: m[6],
      };
    }
    if (buf) out.push({ text: buf });
    buf = "";
    out.push({ spec });
    i = close;
  }
  if (buf) out.push({ text: buf });
  return out;
}

/** Compile-time check: placeholder count and int-only specs against argument kinds. */
export function checkFmtTemplate(t: string, argKinds: string[]): { message: string; help: string } | undefined {
  const pieces = parseTemplate(t);
  if (typeof pieces === "string") return { message: pieces, help: "placeholders are `{}` or `{:spec}`; write `{{`/`}}` for literal braces" };
  const specs = pieces.flatMap((p) => ("spec" in p ? [p.spec] : []));
  if (specs.length !== argKinds.length) {
    return {
      message: `the template has ${specs.length} placeholder${specs.length === 1 ? "" : "s"} but ${argKinds.length} argument${argKinds.length === 1 ? " was" : "s were"} given`,
      help: "give one argument per `{}`",
    };
  }
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i] as Spec;
    const k = argKinds[i] as string;
    if (s.type && !["int", "var", "error", "param"].includes(k))
      return { message: `format type \`${s.type}\` needs an int argument, found \`${k}\``, help: "`x X b o` apply to int only" };
  }
  return undefined;
}

function applySpec(v: unknown, s: Spec, show: (v: unknown) => string): string {
  const isNum = typeof v === "number" || typeof v === "bigint";
  let body: string;
  if (s.type && (typeof v === "number" || typeof v === "bigint")) {
    const b = BigInt(v);
    const radix = s.type === "b" ? 2 : s.type === "o" ? 8 : 16;
    body = (b < 0n ? BigInt.asUintN(64, b) : b).toString(radix);
    if (s.type === "X") body = body.toUpperCase();
  } else if (s.prec !== undefined && typeof v === "number" && !Number.isInteger(v)) body = v.toFixed(Math.min(s.prec, 100));
  else if (s.prec !== undefined && typeof v === "number" && Number.isInteger(v) && s.prec > 0) body = v.toFixed(Math.min(s.prec, 100));
  else {
    body = show(v);
    if (s.prec !== undefined && !isNum) body = [...body].slice(0, s.prec).join("");
  }
  const len = [...body].length;
  if (len >= s.width) return body;
  const padN = s.width - len;
  if (s.zero && isNum && !s.align) {
    const neg = body.startsWith("-");
    return (neg ? "-" : "") + "0".repeat(padN) + (neg ? body.slice(1) : body);
  }
  const align = s.align ?? (isNum ? ">" : "<");
  const fill = s.fill;
  if (align === ">") return fill.repeat(padN) + body;
  if (align === "<") return body + fill.repeat(padN);
  const left = Math.floor(padN / 2);
  return fill.repeat(left) + body + fill.repeat(padN - left);
}

/** Render a template at run time; returns an error message string in `err` on a bad template. */
export function formatTemplate(t: string, args: unknown[], show: (v: unknown, i: number) => string): { ok: string } | { err: string } {
  const pieces = parseTemplate(t);
  if (typeof pieces === "string") return { err: pieces };
  let out = "";
  let i = 0;
  for (const p of pieces) {
    if ("text" in p) {
      out += p.text;
      continue;
    }
    if (i >= args.length) return { err: `fmt: the template has more placeholders than the ${args.length} argument(s) given` };
    const at = i++;
    out += applySpec(args[at], p.spec, (v) => show(v, at));
  }
  if (i < args.length) return { err: `fmt: ${args.length} arguments given but the template has ${i} placeholder(s)` };
  return { ok: out };
}
