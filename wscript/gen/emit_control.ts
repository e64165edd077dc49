/** Emitters for control flow: blocks, `if`, `if let`, `match`, loops, `break`/`continue`/`return`, `?`, closures. */
import type { Expr } from "../syntax/ast.ts";
import type { CodeGen } from "./codegen.ts";
import { type Ctx } from "./js.ts";

export function emitTry(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "try" }>): string {
  const v = g.expr(ctx, e.operand);
  const t = g.t();
  g.emit(`const ${t} = ${v};`);
  g.emit(`if (${t}.$t === ${e.isOption ? 0 : 1}) return ${ctx.closure ? t : `($S[1]++, ${t})`};`);
  return `${t}.$0`;
}

export function emitClosure(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "closure" }>): string {
  const inner: Ctx = { closure: true, scopes: [...ctx.scopes, new Map()], loops: [] };
  const params = e.params.map((p) => g.bind(inner, p.name.name));
  const saveOut = g.out;
  const saveInd = g.ind;
  g.out = [];
  g.ind = saveInd + "  ";
  g.emit(`if (--$S[0] < 0) $refuel();`);
  const mark = g.rootMark();
  if (mark) {
    for (const p of params) g.root(p);
    g.emit("try {");
  }
  const v = e.body.kind === "block" ? g.blockInline(inner, e.body) : g.expr(inner, e.body);
  g.emit(`return ${v};`);
  if (mark) g.emit(`} finally { $roots.length = ${mark}; }`);
  const body = g.out.join("\n");
  g.out = saveOut;
  g.ind = saveInd;
  return `((${params.join(", ")}) => {\n${body}\n${saveInd}})`;
}

export function emitIf(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "if" }>): string {
  if (!g.lifts(e) && e.else_ && e.then.tail) {
    return `(${g.expr(ctx, e.cond)} ? ${g.expr(ctx, e.then.tail)} : ${g.expr(ctx, e.else_)})`;
  }
  const r = g.resultVar(e);
  const c = g.expr(ctx, e.cond);
  g.emit(`if (${c})`);
  g.blockInto(ctx, e.then, r);
  if (e.else_) {
    g.emit("else");
    g.blockInto(ctx, e.else_, r);
  }
  return r ?? "undefined";
}

export function emitIfLet(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "if_let" }>): string {
  const r = g.resultVar(e);
  const s = g.t();
  g.emit(`const ${s} = ${g.expr(ctx, e.value)};`);
  g.emit(`if (${g.test(e.pat, s)}) {`);
  ctx.scopes.push(new Map());
  for (const [n, x] of g.binds(e.pat, s)) {
    const js = g.bind(ctx, n);
    g.emit(`  const ${js} = ${x};`);
    g.root(js);
  }
  g.blockInto(ctx, e.then, r);
  ctx.scopes.pop();
  g.emit("}");
  if (e.else_) {
    g.emit("else");
    g.blockInto(ctx, e.else_, r);
  }
  return r ?? "undefined";
}

export function emitMatch(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "match" }>): string {
  const r = g.resultVar(e);
  const s = g.t();
  g.emit(`const ${s} = ${g.expr(ctx, e.scrutinee)};`);
  const label = `M${++g.n}`;
  g.emit(`${label}: {`);
  const save = g.ind;
  g.ind += "  ";
  for (const arm of e.arms) {
    g.emit(`if (${g.test(arm.pat, s)}) {`);
    const save2 = g.ind;
    g.ind += "  ";
    ctx.scopes.push(new Map());
    for (const [n, x] of g.binds(arm.pat, s)) {
      const js = g.bind(ctx, n);
      g.emit(`const ${js} = ${x};`);
      g.root(js);
    }
    if (arm.guard) {
      const guard = g.expr(ctx, arm.guard);
      g.emit(`if (${guard}) {`);
      g.blockInto(ctx, arm.body, r);
      g.emit(`  break ${label};`);
      g.emit("}");
    } else {
      g.blockInto(ctx, arm.body, r);
      g.emit(`break ${label};`);
    }
    ctx.scopes.pop();
    g.ind = save2;
    g.emit("}");
  }
  g.emit("$nomatch();");
  g.ind = save;
  g.emit("}");
  return r ?? "undefined";
}

export function emitWhile(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "while" }>): string {
  const label = `L${++g.n}`;
  ctx.loops.push({ label, result: undefined });
  const mark = g.rootMark();
  if (!g.lifts(e.cond)) {
    g.emit(`${label}: while (${g.expr(ctx, e.cond)}) {`);
    g.emit(`  if (--$S[0] < 0) $refuel();`);
    if (mark) g.emit(`  $roots.length = ${mark};`);
  } else {
    g.emit(`${label}: for (;;) {`);
    g.emit(`  if (--$S[0] < 0) $refuel();`);
    if (mark) g.emit(`  $roots.length = ${mark};`);
    const save = g.ind;
    g.ind += "  ";
    const c = g.expr(ctx, e.cond);
    g.emit(`if (!(${c})) break;`);
    g.ind = save;
  }
  g.blockInto(ctx, e.body, undefined);
  g.emit("}");
  g.rootDrop(mark);
  ctx.loops.pop();
  return "undefined";
}

export function emitLoop(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "loop" }>): string {
  const label = `L${++g.n}`;
  const t = g.ty(e);
  const r = t.k === "unit" || t.k === "never" ? undefined : g.t();
  if (r) g.emit(`let ${r};`);
  ctx.loops.push({ label, result: r });
  const mark = g.rootMark();
  g.emit(`${label}: for (;;) {`);
  g.emit(`  if (--$S[0] < 0) $refuel();`);
  if (mark) g.emit(`  $roots.length = ${mark};`);
  g.blockInto(ctx, e.body, undefined);
  g.emit("}");
  g.rootDrop(mark);
  ctx.loops.pop();
  return r ?? "undefined";
}

export function emitBreak(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "break" }>): string {
  const loop = ctx.loops[ctx.loops.length - 1];
  if (e.value) {
    const v = g.expr(ctx, e.value);
    if (loop?.result) g.emit(`${loop.result} = ${v};`);
  }
  g.emit(`break ${loop?.label ?? ""};`);
  return "undefined";
}

export function emitReturnExpr(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "return" }>): string {
  g.emitReturn(ctx, e.value ? g.expr(ctx, e.value) : "undefined");
  return "undefined";
}

export function emitBlock(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "block" }>): string {
  const r = g.resultVar(e);
  g.blockInto(ctx, e, r);
  return r ?? "undefined";
}

export function emitFor(g: CodeGen, ctx: Ctx, e: Extract<Expr, { kind: "for" }>): string {
  const label = `L${++g.n}`;
  ctx.loops.push({ label, result: undefined });
  ctx.scopes.push(new Map());
  const name = e.pat.kind === "bind" ? e.pat.name.name : undefined;
  const i = g.t();
  let head: string;
  let item: string;
  if (e.iterKind === "range") {
    const [a, b] = g.operands(ctx, [e.iter, e.rangeEnd as Expr]) as [string, string];
    const end = g.t();
    const fast = g.t();
    // Safe-integer bounds keep `i + 1` exact (it reaches at most 2^53); otherwise step with wrapping iadd.
    g.emit(`const ${end} = ${b}, ${fast} = typeof ${end} === "number" && typeof ${a} === "number";`);
    head = `for (let ${i} = ${a}; ${i} ${e.inclusive ? "<=" : "<"} ${end}; ${i} = ${fast} ? ${i} + 1 : iadd(${i}, 1))`;
    item = i;
  } else {
    const src = g.t();
    const it = g.expr(ctx, e.iter);
    if (e.iterKind === "map") g.emit(`const ${src} = [...${it}.keys()];`);
    else if (e.iterKind === "string") g.emit(`const ${src} = [...${it}];`);
    else g.emit(`const ${src} = ${it};`);
    g.root(src);
    head = `for (let ${i} = 0; ${i} < ${src}.length; ${i}++)`;
    item = `${src}[${i}]`;
  }
  const mark = g.rootMark();
  g.emit(`${label}: ${head} {`);
  g.emit(`  if (--$S[0] < 0) $refuel();`);
  if (mark) g.emit(`  $roots.length = ${mark};`);
  if (name) {
    const js = g.bind(ctx, name);
    g.emit(`  const ${js} = ${item};`);
    g.root(js);
  }
  g.blockInto(ctx, e.body, undefined);
  g.emit("}");
  g.rootDrop(mark);
  ctx.scopes.pop();
  ctx.loops.pop();
  return "undefined";
}
