/**
 * The import edges of one TypeScript source, without a compiler: `import … from`,
 * `export … from`, side-effect `import "x"` and dynamic `import("x")` with a string
 * literal. Comments, string and template literals are blanked first (regular
 * expression literals are rare enough in this tree to tolerate), so a specifier quoted
 * in prose or in a generated script is not an edge.
 *
 * An edge is type-only when the statement is `import type`/`export type`, or when
 * every named specifier carries `type` (the tree compiles with
 * `verbatimModuleSyntax`, so those statements vanish from the emitted module).
 */

/** One import statement's target. */
export interface ImportEdge {
  /** The specifier as written: `./x.ts`, `../../net/mod.ts`, `node:fs`, `zod`. */
  readonly specifier: string;
  /** Erased at run time (only types flow). */
  readonly typeOnly: boolean;
  /** 1-based line of the statement. */
  readonly line: number;
}

/**
 * Replaces the contents of comments and string/template literals with spaces, keeping
 * quotes and newlines, so offsets and line numbers stay those of the original.
 * Template literal `${…}` parts are kept as code.
 */
export function blankLiterals(src: string): string {
  const out = src.split("");
  let i = 0;
  const n = src.length;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  // Stack of open template literals: the brace depth at which each `${` opened.
  const templates: number[] = [];
  let depth = 0;
  const scanTemplate = (): void => {
    // i is just after a backtick or a closing `}` of a substitution.
    const start = i;
    while (i < n) {
      const c = src[i];
      if (c === "\\") {
        i += 2;
        continue;
      }
      if (c === "`") {
        blank(start, i);
        i++;
        return;
      }
      if (c === "$" && src[i + 1] === "{") {
        blank(start, i);
        templates.push(depth);
        depth++;
        i += 2;
        return;
      }
      i++;
    }
    blank(start, n);
  };
  while (i < n) {
    const c = src[i];
    const d = src[i + 1];
    if (c === "/" && d === "/") {
      const end = src.indexOf("\n", i);
      const stop = end < 0 ? n : end;
      blank(i, stop);
      i = stop;
    } else if (c === "/" && d === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      const start = i + 1;
      i++;
      while (i < n && src[i] !== c && src[i] !== "\n") i += src[i] === "\\" ? 2 : 1;
      blank(start, Math.min(i, n));
      i++;
    } else if (c === "`") {
      i++;
      scanTemplate();
    } else if (c === "{") {
      depth++;
      i++;
    } else if (c === "}") {
      depth--;
      i++;
      if (templates.length && templates[templates.length - 1] === depth) {
        templates.pop();
        scanTemplate();
      }
    } else i++;
  }
  return out.join("");
}

const STATIC = /(^|[;}\n])\s*(import|export)(\s+type)?\b([^;"'`]*?)\bfrom\s*(["'])/g;
const BARE = /(^|[;}\n])\s*import\s*(["'])/g;
const DYNAMIC = /\bimport\s*\(\s*(["'])/g;

/** The import edges of `src`, in source order. */
export function scanImports(src: string): ImportEdge[] {
  const code = blankLiterals(src);
  const edges: { at: number; edge: ImportEdge }[] = [];
  const lineOf = (at: number) => {
    let line = 1;
    for (let k = 0; k < at; k++) if (src.charCodeAt(k) === 10) line++;
    return line;
  };
  const specAt = (quoteAt: number): string => {
    const q = src[quoteAt];
    const end = src.indexOf(q ?? '"', quoteAt + 1);
    return src.slice(quoteAt + 1, end);
  };
  for (const m of code.matchAll(STATIC)) {
    const quoteAt = (m.index ?? 0) + m[0].length - 1;
    const clause = m[4] ?? "";
    const typeOnly = m[3] !== undefined || allTypeSpecifiers(clause);
    edges.push({ at: quoteAt, edge: { specifier: specAt(quoteAt), typeOnly, line: lineOf(quoteAt) } });
  }
  for (const m of code.matchAll(BARE)) {
    const quoteAt = (m.index ?? 0) + m[0].length - 1;
    edges.push({ at: quoteAt, edge: { specifier: specAt(quoteAt), typeOnly: false, line: lineOf(quoteAt) } });
  }
  for (const m of code.matchAll(DYNAMIC)) {
    const quoteAt = (m.index ?? 0) + m[0].length - 1;
    // Only a whole literal argument: `import("x")`, not `import("x" + y)`.
    const close = code.indexOf(code[quoteAt] ?? '"', quoteAt + 1);
    if (!/^\s*\)/.test(code.slice(close + 1))) continue;
    edges.push({ at: quoteAt, edge: { specifier: specAt(quoteAt), typeOnly: false, line: lineOf(quoteAt) } });
  }
  return edges.sort((a, b) => a.at - b.at).map((e) => e.edge);
}

/** `{ type A, type B }` (and nothing else) is erased under verbatimModuleSyntax. */
function allTypeSpecifiers(clause: string): boolean {
  const open = clause.indexOf("{");
  const close = clause.lastIndexOf("}");
  if (open < 0 || close < open) return false;
  // A default or namespace import beside the braces is a value import.
  if (clause.slice(0, open).replace(/[\s,]/g, "") !== "") return false;
  const names = clause
    .slice(open + 1, close)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return names.length > 0 && names.every((s) => /^type\s/.test(s));
}
