/**
 * A read-only walk over a parsed (and possibly checked) program: every item,
 * expression, pattern and written type, outermost first. Analysis for
 * editors (analysis.ts) builds its symbol tables with it. Exhaustive over the
 * closed AST unions, so a new node kind is a compile error here.
 */
import type { Block, Expr, FnDecl, Item, Pattern, Program, Stmt, TypeExpr } from "./ast.ts";

export type Visitor = {
  item?(it: Item): void;
  fn?(f: FnDecl, owner: Item): void;
  expr?(e: Expr): void;
  pattern?(p: Pattern): void;
  type?(t: TypeExpr): void;
};

export function walkProgram(p: Program, v: Visitor): void {
  for (const it of p.items) walkItem(it, v);
}

function walkItem(it: Item, v: Visitor): void {
  v.item?.(it);
  switch (it.kind) {
    case "fn":
      walkFn(it, it, v);
      return;
    case "struct":
      for (const f of it.fields) walkType(f.ty, v);
      return;
    case "enum":
      for (const vd of it.variants) {
        for (const t of vd.tuple ?? []) walkType(t, v);
        for (const f of vd.fields ?? []) walkType(f.ty, v);
      }
      return;
    case "trait":
      for (const m of it.methods) walkFn(m, it, v);
      return;
    case "impl":
      walkType(it.target, v);
      for (const m of it.methods) walkFn(m, it, v);
      return;
    case "units":
      for (const e of it.entries) walkExpr(e.factor, v);
      return;
    case "const":
      walkType(it.ty, v);
      walkExpr(it.value, v);
      return;
    case "module":
      for (const x of it.items) walkItem(x, v);
      return;
    case "opaque":
      for (const m of it.methods) walkFn(m, it, v);
      return;
    case "use":
      return;
  }
}

function walkFn(f: FnDecl, owner: Item, v: Visitor): void {
  v.fn?.(f, owner);
  for (const p of f.params) if (p.ty) walkType(p.ty, v);
  if (f.ret) walkType(f.ret, v);
  if (f.body) walkExpr(f.body, v);
}

function walkType(t: TypeExpr, v: Visitor): void {
  v.type?.(t);
  switch (t.kind) {
    case "named":
      for (const a of t.args) walkType(a, v);
      return;
    case "fn":
      for (const p of t.params) walkType(p, v);
      if (t.ret) walkType(t.ret, v);
      return;
    case "dyn":
    case "unit":
      return;
  }
}

function walkPattern(p: Pattern, v: Visitor): void {
  v.pattern?.(p);
  switch (p.kind) {
    case "lit":
      walkExpr(p.value, v);
      return;
    case "variant":
      for (const a of p.args ?? []) walkPattern(a, v);
      for (const f of p.fields ?? []) walkPattern(f.pat, v);
      return;
    case "or":
      for (const a of p.alts) walkPattern(a, v);
      return;
    case "wild":
    case "bind":
      return;
  }
}

function walkBlock(b: Block, v: Visitor): void {
  for (const s of b.stmts) walkStmt(s, v);
  if (b.tail) walkExpr(b.tail, v);
}

function walkStmt(s: Stmt, v: Visitor): void {
  switch (s.kind) {
    case "let":
      walkPattern(s.pat, v);
      if (s.ty) walkType(s.ty, v);
      if (s.value) walkExpr(s.value, v);
      if (s.else_) walkExpr(s.else_, v);
      return;
    case "expr":
      walkExpr(s.expr, v);
      return;
    case "item":
      walkItem(s.item, v);
      return;
  }
}

export function walkExpr(e: Expr, v: Visitor): void {
  v.expr?.(e);
  switch (e.kind) {
    case "int":
    case "float":
    case "char":
    case "bool":
    case "unit":
    case "path":
    case "continue":
    case "error":
      return;
    case "str":
      for (const p of e.parts) if (p.kind === "hole") walkExpr(p.expr, v);
      return;
    case "list":
      for (const x of e.items) walkExpr(x, v);
      return;
    case "map":
      for (const [k, x] of e.entries) {
        walkExpr(k, v);
        walkExpr(x, v);
      }
      return;
    case "struct_lit":
      for (const f of e.fields) walkExpr(f.value, v);
      return;
    case "unary":
      walkExpr(e.operand, v);
      return;
    case "binary":
      walkExpr(e.left, v);
      walkExpr(e.right, v);
      return;
    case "assign":
      walkExpr(e.target, v);
      walkExpr(e.value, v);
      return;
    case "call":
      walkExpr(e.callee, v);
      for (const a of e.args) walkExpr(a, v);
      return;
    case "method":
      walkExpr(e.recv, v);
      for (const a of e.args) walkExpr(a, v);
      return;
    case "field":
      walkExpr(e.recv, v);
      return;
    case "index":
      walkExpr(e.recv, v);
      walkExpr(e.index, v);
      return;
    case "try":
      walkExpr(e.operand, v);
      return;
    case "closure":
      for (const p of e.params) if (p.ty) walkType(p.ty, v);
      walkExpr(e.body, v);
      return;
    case "if":
      walkExpr(e.cond, v);
      walkExpr(e.then, v);
      if (e.else_) walkExpr(e.else_, v);
      return;
    case "if_let":
      walkPattern(e.pat, v);
      walkExpr(e.value, v);
      walkExpr(e.then, v);
      if (e.else_) walkExpr(e.else_, v);
      return;
    case "match":
      walkExpr(e.scrutinee, v);
      for (const a of e.arms) {
        walkPattern(a.pat, v);
        if (a.guard) walkExpr(a.guard, v);
        walkExpr(a.body, v);
      }
      return;
    case "while":
      walkExpr(e.cond, v);
      walkExpr(e.body, v);
      return;
    case "loop":
      walkExpr(e.body, v);
      return;
    case "for":
      walkPattern(e.pat, v);
      walkExpr(e.iter, v);
      if (e.rangeEnd) walkExpr(e.rangeEnd, v);
      walkExpr(e.body, v);
      return;
    case "break":
    case "return":
      if (e.value) walkExpr(e.value, v);
      return;
    case "block":
      walkBlock(e, v);
      return;
  }
}
