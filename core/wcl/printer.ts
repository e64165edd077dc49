/**
 * Print a syntax tree back to canonical WCL source.
 *
 * Contract: `print(parse(x))` is valid WCL whenever `x` parsed without
 * errors, and printing is a fixpoint after one round: parsing printed text
 * and printing again yields the same text (the property tests assert this).
 * Comments are not kept (doc comments are); layout is normalised to two-space
 * indentation, one item per line. Unsupported nodes print as a comment.
 */
import type { Expr, Item, SourceFile, TemplatePart } from "./ast.ts";
import { formatBytes } from "./units.ts";

const INDENT = "  ";

/** Canonical source text of a parsed file. */
export function print(file: SourceFile): string {
  return printItems(file.items, 0);
}

function printItems(items: readonly Item[], depth: number): string {
  return items.map((i) => printItem(i, depth)).join("");
}

function printItem(item: Item, depth: number): string {
  const pad = INDENT.repeat(depth);
  const doc =
    "doc" in item && item.doc
      ? item.doc
          .split("\n")
          .map((l) => `${pad}/// ${l}\n`)
          .join("")
      : "";
  switch (item.type) {
    case "attr":
      return `${doc}${pad}${item.name} = ${printExpr(item.value)}\n`;
    case "let":
      return `${pad}${item.exported ? "export " : ""}let ${item.name} = ${printExpr(item.value)}\n`;
    case "import":
      return `${pad}import${item.optional ? "?" : ""} ${item.library ? `<${item.path}>` : quote(item.path)}\n`;
    case "block": {
      const head = [item.kind, ...(item.id ? [item.id.text] : []), ...item.args.map(printExpr)].join(" ");
      return `${doc}${pad}${head} ${printBody(item.body, depth)}\n`;
    }
    case "if": {
      let s = `${pad}if ${printExpr(item.cond)} ${printBody(item.then, depth)}`;
      if (item.else) s += ` else ${printBody(item.else, depth)}`;
      return `${s}\n`;
    }
    case "for":
      return `${pad}for ${item.name}${item.index ? `, ${item.index}` : ""} in ${printExpr(item.iterable)} ${printBody(item.body, depth)}\n`;
    case "unsupported":
      return `${pad}// unsupported: ${item.feature}\n`;
  }
}

function printBody(items: readonly Item[], depth: number): string {
  if (items.length === 0) return "{ }";
  return `{\n${printItems(items, depth + 1)}${INDENT.repeat(depth)}}`;
}

/** Canonical text of one expression (fully parenthesised where precedence matters). */
export function printExpr(e: Expr): string {
  switch (e.type) {
    case "null":
      return "null";
    case "bool":
      return String(e.value);
    case "int":
      return Number.isSafeInteger(e.value) ? String(e.value) : BigInt(e.value).toString();
    case "float": {
      if (!Number.isFinite(e.value)) return "1e999";
      const s = String(e.value);
      return /[.eE]/.test(s) ? s : `${s}.0`;
    }
    case "bytes":
      return formatBytes(e.value);
    case "string":
      return printTemplate(e.parts);
    case "ident":
      return e.name;
    case "list":
      return `[${e.items.map(printExpr).join(", ")}]`;
    case "map":
      return e.entries.length === 0
        ? "{ }"
        : `{ ${e.entries.map((m) => `${/^[A-Za-z_][A-Za-z0-9_]*$/.test(m.key) ? m.key : quote(m.key)} = ${printExpr(m.value)}`).join(", ")} }`;
    case "unary":
      return `${e.op}${printExpr(e.operand)}`;
    case "binary":
      return `(${printExpr(e.left)} ${e.op} ${printExpr(e.right)})`;
    case "ternary":
      return `(${printExpr(e.cond)} ? ${printExpr(e.then)} : ${printExpr(e.else)})`;
    case "call":
      return `${e.callee}(${e.args.map(printExpr).join(", ")})`;
    case "index":
      return `${printExpr(e.target)}[${printExpr(e.index)}]`;
    case "member":
      return `${printExpr(e.target)}.${e.name}`;
    case "lambda":
      return `((${e.params.join(", ")}) => ${printExpr(e.body)})`;
    case "paren":
      return printExpr(e.inner);
    case "unsupported":
      return "null";
    case "invalid":
      return "null";
  }
}

function printTemplate(parts: readonly TemplatePart[]): string {
  return `"${parts.map((p) => (p.kind === "text" ? escapeText(p.text) : `\${${printExpr(p.expr)}}`)).join("")}"`;
}

function escapeText(s: string): string {
  return s
    .replace(/[\\"\n\t\r\0$]/g, (c) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0", $: "\\$" })[c] ?? c)
    .replace(/[\u0001-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A string literal for `s` with every special character escaped. */
export function quote(s: string): string {
  return `"${escapeText(s)}"`;
}
