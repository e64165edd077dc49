/**
 * Token kinds produced by the lexer.
 *
 * Strings and heredocs are lexed into `parts`: literal text (escapes already
 * decoded) and `${…}` holes given as byte ranges of the same source, which the
 * parser re-lexes so that spans inside interpolations stay exact.
 */

/** `invalid`: a malformed literal, already reported by the lexer. */
export type TokenKind = "ident" | "int" | "float" | "bytes" | "string" | "punct" | "invalid" | "eof";

/** A piece of a string literal: decoded text, or an interpolation hole. */
export type StrPart = { readonly kind: "text"; readonly text: string } | { readonly kind: "hole"; readonly start: number; readonly end: number };

export interface Token {
  readonly kind: TokenKind;
  /** Raw source slice (for punctuation and identifiers, the token itself). */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** A newline (or the start of input) separates this token from the previous one. */
  readonly nl: boolean;
  /** No whitespace or comment separates this token from the previous one. */
  readonly adjacent: boolean;
  /** Numeric value of int/float/bytes tokens. */
  readonly value?: number;
  /** Decoded pieces of string and heredoc tokens. */
  readonly parts?: readonly StrPart[];
  /** `///` doc comment lines immediately preceding this token. */
  readonly doc?: string;
}

/** Punctuation, longest first so the lexer can match greedily. */
export const PUNCTUATION = [
  "...",
  "..",
  "=>",
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "{",
  "}",
  "[",
  "]",
  "(",
  ")",
  ",",
  "=",
  "<",
  ">",
  "+",
  "-",
  "*",
  "/",
  "%",
  "!",
  "?",
  ":",
  ".",
  "@",
  ";",
  "|",
] as const;
