/**
 * The WCL syntax tree produced by the parser.
 *
 * Closed unions discriminated on `type`, every node carrying its `span`, so
 * the evaluator, the printer and error messages can switch exhaustively.
 * Constructs this implementation does not support are kept as `Unsupported`
 * nodes (item or expression) so that a file using them still parses fully
 * and reports one precise "not supported" diagnostic per use.
 */
import type { Span } from "./diagnostic.ts";
import type { StrPart } from "./token.ts";

/** A string template: decoded text and parsed `${…}` expressions. */
export type TemplatePart = { readonly kind: "text"; readonly text: string } | { readonly kind: "expr"; readonly expr: Expr };

export type Expr =
  | { readonly type: "null"; readonly span: Span }
  | { readonly type: "bool"; readonly value: boolean; readonly span: Span }
  | { readonly type: "int"; readonly value: number; readonly span: Span }
  | { readonly type: "float"; readonly value: number; readonly span: Span }
  | { readonly type: "bytes"; readonly value: number; readonly span: Span }
  | { readonly type: "string"; readonly parts: readonly TemplatePart[]; readonly span: Span }
  | { readonly type: "ident"; readonly name: string; readonly span: Span }
  | { readonly type: "list"; readonly items: readonly Expr[]; readonly span: Span }
  | { readonly type: "map"; readonly entries: readonly MapEntry[]; readonly span: Span }
  | { readonly type: "unary"; readonly op: "-" | "!"; readonly operand: Expr; readonly span: Span }
  | { readonly type: "binary"; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr; readonly span: Span }
  | { readonly type: "ternary"; readonly cond: Expr; readonly then: Expr; readonly else: Expr; readonly span: Span }
  | { readonly type: "call"; readonly callee: string; readonly calleeSpan: Span; readonly args: readonly Expr[]; readonly span: Span }
  | { readonly type: "index"; readonly target: Expr; readonly index: Expr; readonly span: Span }
  | { readonly type: "member"; readonly target: Expr; readonly name: string; readonly span: Span }
  | { readonly type: "lambda"; readonly params: readonly string[]; readonly body: Expr; readonly span: Span }
  | { readonly type: "paren"; readonly inner: Expr; readonly span: Span }
  | { readonly type: "unsupported"; readonly feature: string; readonly span: Span }
  | { readonly type: "invalid"; readonly span: Span };

export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "&&" | "||" | "..";

export interface MapEntry {
  readonly key: string;
  readonly keySpan: Span;
  readonly value: Expr;
}

export type Item =
  | { readonly type: "attr"; readonly name: string; readonly nameSpan: Span; readonly value: Expr; readonly span: Span; readonly doc?: string }
  | Block
  | { readonly type: "let"; readonly name: string; readonly nameSpan: Span; readonly value: Expr; readonly exported: boolean; readonly span: Span }
  | Import
  | { readonly type: "if"; readonly cond: Expr; readonly then: readonly Item[]; readonly else: readonly Item[] | undefined; readonly span: Span }
  | {
      readonly type: "for";
      readonly name: string;
      readonly index: string | undefined;
      readonly iterable: Expr;
      readonly body: readonly Item[];
      readonly span: Span;
    }
  | { readonly type: "unsupported"; readonly feature: string; readonly span: Span };

export interface Block {
  readonly type: "block";
  readonly kind: string;
  readonly kindSpan: Span;
  /** Bare-identifier inline id (`server web-1 { }`). */
  readonly id: { readonly text: string; readonly span: Span } | undefined;
  /** Inline arguments (`lab "demo" { }` → one string argument). */
  readonly args: readonly Expr[];
  readonly body: readonly Item[];
  readonly span: Span;
  readonly doc?: string;
}

export interface Import {
  readonly type: "import";
  /** Path as written: relative path, or library name for `<…>` imports. */
  readonly path: string;
  readonly library: boolean;
  readonly optional: boolean;
  readonly span: Span;
}

/** A parsed file. */
export interface SourceFile {
  readonly file: string;
  readonly items: readonly Item[];
}

/** Re-exported so consumers need not import token.ts for string parts. */
export type { StrPart };
