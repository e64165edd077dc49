/**
 * The wscript syntax tree.
 *
 * Closed unions discriminated on `kind`. Expression nodes carry a mutable
 * `ty` slot and, where a name or method has to be resolved, a `res` slot that
 * the checker fills and the code generator reads — the tree is the typed IR.
 */
import type { Span } from "./span.ts";
import type { Type } from "../check/types.ts";

export type Ident = { name: string; span: Span };

export type TypeExpr =
  | { kind: "named"; path: Ident[]; args: TypeExpr[]; span: Span }
  | { kind: "fn"; params: TypeExpr[]; ret: TypeExpr | undefined; span: Span }
  | { kind: "dyn"; trait: Ident; span: Span }
  | { kind: "unit"; span: Span };

export type Pattern =
  | { kind: "wild"; span: Span }
  | { kind: "bind"; name: Ident; span: Span }
  | { kind: "lit"; value: Expr; span: Span }
  | { kind: "variant"; path: Ident[]; args: Pattern[] | undefined; fields: FieldPat[] | undefined; span: Span; res?: VariantRes }
  | { kind: "or"; alts: Pattern[]; span: Span };

export type FieldPat = { name: Ident; pat: Pattern };
/** What a variant pattern or expression resolved to. */
export type VariantRes = { enumName: string; variant: string; tag: number; struct?: boolean };

export type MatchArm = { pat: Pattern; guard: Expr | undefined; body: Expr; span: Span };

/** `recovered`: a syntax error was skipped inside, so a missing tail is unknown rather than `()` (no cascade). */
export type Block = { kind: "block"; stmts: Stmt[]; tail: Expr | undefined; span: Span; recovered?: boolean; ty?: Type };

/** How the checker resolved a call or a path (read by codegen). */
export type CallRes =
  | { kind: "fn"; name: string; module: string | undefined }
  | { kind: "host"; module: string; name: string }
  | { kind: "local" }
  | { kind: "variant"; v: VariantRes }
  | { kind: "assoc"; typeName: string; name: string }
  | { kind: "unit_ctor"; family: string; factor: number }
  | { kind: "prelude"; name: string; argTypes: Type[] };

export type MethodRes =
  | { kind: "builtin"; recv: string; name: string; recvTy: Type }
  | { kind: "user"; typeName: string; trait: string | undefined; name: string }
  | { kind: "dyn"; trait: string; name: string }
  | { kind: "host"; typeName: string; name: string }
  | { kind: "field_call" }
  | { kind: "unit_get"; family: string; factor: number };

export type Expr =
  | { kind: "int"; value: bigint; suffix: string | undefined; span: Span; ty?: Type; unitValue?: number | bigint }
  | { kind: "float"; value: number; suffix: string | undefined; span: Span; ty?: Type; unitValue?: number | bigint }
  | { kind: "str"; parts: ({ kind: "text"; text: string } | { kind: "hole"; expr: Expr })[]; span: Span; ty?: Type }
  | { kind: "char"; value: string; span: Span; ty?: Type }
  | { kind: "bool"; value: boolean; span: Span; ty?: Type }
  | { kind: "unit"; span: Span; ty?: Type }
  | { kind: "path"; segs: Ident[]; span: Span; ty?: Type; res?: CallRes }
  | { kind: "list"; items: Expr[]; span: Span; ty?: Type }
  | { kind: "map"; entries: [Expr, Expr][]; span: Span; ty?: Type }
  | { kind: "struct_lit"; path: Ident[]; fields: { name: Ident; value: Expr }[]; span: Span; ty?: Type; res?: VariantRes }
  | { kind: "unary"; op: "-" | "!"; operand: Expr; span: Span; ty?: Type; opTrait?: string }
  | { kind: "binary"; op: string; left: Expr; right: Expr; span: Span; ty?: Type; opKind?: OpKind }
  | { kind: "assign"; op: string; target: Expr; value: Expr; span: Span; ty?: Type; opKind?: OpKind }
  | { kind: "call"; callee: Expr; args: Expr[]; span: Span; ty?: Type }
  | { kind: "method"; recv: Expr; name: Ident; args: Expr[]; span: Span; ty?: Type; res?: MethodRes }
  | { kind: "field"; recv: Expr; name: Ident; span: Span; ty?: Type; res?: MethodRes }
  | { kind: "index"; recv: Expr; index: Expr; span: Span; ty?: Type; res?: "list" | "map" | "user" }
  | { kind: "try"; operand: Expr; span: Span; ty?: Type; isOption?: boolean }
  | { kind: "closure"; params: { name: Ident; ty: TypeExpr | undefined }[]; body: Expr; span: Span; ty?: Type }
  | { kind: "if"; cond: Expr; then: Block; else_: Expr | undefined; span: Span; ty?: Type }
  | { kind: "if_let"; pat: Pattern; value: Expr; then: Block; else_: Expr | undefined; span: Span; ty?: Type }
  | { kind: "match"; scrutinee: Expr; arms: MatchArm[]; span: Span; ty?: Type }
  | { kind: "while"; cond: Expr; body: Block; span: Span; ty?: Type }
  | { kind: "loop"; body: Block; span: Span; ty?: Type }
  | {
      kind: "for";
      pat: Pattern;
      iter: Expr;
      rangeEnd: Expr | undefined;
      inclusive: boolean;
      body: Block;
      span: Span;
      ty?: Type;
      iterKind?: "range" | "list" | "map" | "string";
    }
  | { kind: "break"; value: Expr | undefined; span: Span; ty?: Type }
  | { kind: "continue"; span: Span; ty?: Type }
  | { kind: "return"; value: Expr | undefined; span: Span; ty?: Type }
  | Block
  | { kind: "error"; span: Span; ty?: Type };

/** How an operator was resolved: primitive arithmetic or a trait method. */
export type OpKind =
  | { kind: "int" }
  | { kind: "float" }
  | { kind: "str" }
  | { kind: "prim" }
  | { kind: "deep" }
  | { kind: "trait"; typeName: string; method: string }
  | { kind: "bool" };

export type Stmt =
  | { kind: "let"; pat: Pattern; ty: TypeExpr | undefined; value: Expr | undefined; else_: Block | undefined; span: Span }
  | { kind: "expr"; expr: Expr; semi: boolean; span: Span }
  | { kind: "item"; item: Item; span: Span };

export type Param = { name: Ident; ty: TypeExpr | undefined };
export type GenericParam = { name: Ident; bounds: Ident[] };

export type FnDecl = {
  kind: "fn";
  name: Ident;
  generics: GenericParam[];
  params: Param[];
  hasSelf: boolean;
  ret: TypeExpr | undefined;
  body: Block | undefined;
  span: Span;
};

export type Item =
  | FnDecl
  | { kind: "struct"; name: Ident; fields: { name: Ident; ty: TypeExpr }[]; derives: Ident[]; span: Span }
  | { kind: "enum"; name: Ident; variants: VariantDecl[]; derives: Ident[]; span: Span }
  | { kind: "trait"; name: Ident; methods: FnDecl[]; span: Span }
  | { kind: "impl"; trait: Ident | undefined; target: TypeExpr; methods: FnDecl[]; span: Span }
  | { kind: "use"; path: Ident[]; file: string | undefined; alias: Ident | undefined; span: Span }
  | { kind: "units"; name: Ident; backing: Ident; entries: { name: Ident; factor: Expr }[]; derives: Ident[]; span: Span }
  | { kind: "const"; name: Ident; ty: TypeExpr; value: Expr; span: Span }
  | { kind: "module"; name: Ident; items: Item[]; span: Span }
  | { kind: "opaque"; name: Ident; methods: FnDecl[]; span: Span };

export type VariantDecl = { name: Ident; tuple: TypeExpr[] | undefined; fields: { name: Ident; ty: TypeExpr }[] | undefined; span: Span };

/** One parsed file. */
export type Program = { file: string; items: Item[] };
