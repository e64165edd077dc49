/**
 * Operator typing: arithmetic, comparison, equality, unary and assignment
 * (concept_operators.md, fact_operator_traits.md), including the unit-family
 * rules of concept_units.md (`d + d`, `d * n`, `d / d` → backing, E0220,
 * E0234) and unit-suffixed literals (E0260, E0262, E0269).
 */
import type { Expr, OpKind } from "../syntax/ast.ts";
import type { FnCtx } from "./scope.ts";
import type { Checker } from "./checker.ts";
import type { Span } from "../syntax/span.ts";
import { BOOL, ERROR, FLOAT, INT, STRING, type Type } from "./types.ts";

const TRAIT_OF: Record<string, [string, string]> = { "+": ["Add", "add"], "-": ["Sub", "sub"], "*": ["Mul", "mul"], "/": ["Div", "div"], "%": ["Rem", "rem"] };
const INT_MIN = -9223372036854775808n;
const INT_MAX = 9223372036854775807n;

/** Type a unit-suffixed literal (`500ms`, `1.5s`). */
export function unitLiteral(c: Checker, e: Extract<Expr, { kind: "int" | "float" }>, exp: Type | undefined): Type {
  const suffix = e.suffix as string;
  const ex = exp ? c.u.shallow(exp) : undefined;
  let fam = ex?.k === "units" ? c.decls.units.get(ex.name) : undefined;
  if (!fam?.units.some((u) => u.name === suffix)) {
    const cands = [...c.decls.units.values()].filter((f) => f.units.some((u) => u.name === suffix));
    if (cands.length === 0) {
      c.err(
        "E0262",
        e.span,
        `unknown unit suffix \`${suffix}\``,
        c.decls.units.size
          ? `declared units: ${[...c.decls.units.values()].flatMap((f) => f.units.map((u) => u.name)).join(", ")}`
          : "declare a family with `units Name: int { … }`",
      );
      return ERROR;
    }
    if (cands.length > 1) {
      c.err(
        "E0260",
        e.span,
        `unit \`${suffix}\` belongs to ${cands.map((f) => `\`${f.name}\``).join(" and ")}`,
        `annotate the binding or write \`${cands[0]?.name}::${suffix}(n)\``,
      );
      return ERROR;
    }
    fam = cands[0];
  }
  if (!fam) return ERROR;
  const factor = fam.units.find((u) => u.name === suffix)?.factor ?? 1;
  if (fam.backing === "int") {
    if (e.kind === "int") {
      const v = e.value * BigInt(factor);
      if (v > INT_MAX) {
        c.err("E0269", e.span, `\`${e.value}${suffix}\` overflows \`${fam.name}\``, "use a smaller value");
        return ERROR;
      }
      e.unitValue = v;
    } else {
      const v = e.value * factor;
      if (!Number.isInteger(v)) {
        c.err("E0269", e.span, `\`${e.value}${suffix}\` does not land on a whole base unit of \`${fam.name}\``, "use a smaller unit or a whole number");
        return ERROR;
      }
      if (!Number.isSafeInteger(v)) {
        c.err("E0269", e.span, `\`${e.value}${suffix}\` overflows \`${fam.name}\``, undefined);
        return ERROR;
      }
      e.unitValue = BigInt(v);
    }
  } else e.unitValue = (e.kind === "int" ? Number(e.value) : e.value) * factor;
  return { k: "units", name: fam.name, backing: fam.backing };
}

/** The result type and runtime kind of an arithmetic operator, or an error message. */
export function arith(c: Checker, op: string, L0: Type, R0: Type, span: Span): [Type, OpKind] {
  let L = c.u.shallow(L0);
  let R = c.u.shallow(R0);
  if (L.k === "error" || R.k === "error") return [ERROR, { kind: "prim" }];
  if (L.k === "var" && R.k !== "var") {
    c.u.unify(L, R);
    L = R;
  }
  if (R.k === "var" && L.k !== "var") {
    c.u.unify(R, L);
    R = L;
  }
  if (L.k === "var") {
    c.err("E0282", span, "type annotations needed for this operation", "annotate one of the bindings");
    return [ERROR, { kind: "prim" }];
  }
  if (L.k === "int" && R.k === "int") return [INT, { kind: "int" }];
  if (L.k === "float" && R.k === "float") return [FLOAT, { kind: "float" }];
  if (L.k === "string" && R.k === "string" && op === "+") return [STRING, { kind: "str" }];
  if (L.k === "units" || R.k === "units") {
    const num = (t: Type) => (t.k === "units" ? t.backing : t.k);
    const kind: OpKind = num(L) === "int" ? { kind: "int" } : { kind: "float" };
    if (L.k === "units" && R.k === "units") {
      if (L.name !== R.name) {
        if (op === "*" || op === "/")
          c.err("E0234", span, `\`${L.name} ${op} ${R.name}\` would derive a new dimension`, "convert to plain numbers with `.unit` first");
        else
          c.err(
            "E0220",
            span,
            `mismatched unit families in \`${op}\`: expected \`${L.name}\` (the left operand's family), found \`${R.name}\``,
            "both operands must be of one family; read a plain number with `.unit` if you mean to convert",
          );
        return [ERROR, kind];
      }
      if (op === "*") {
        c.err("E0234", span, `\`${L.name} * ${L.name}\` would derive a new dimension`, "multiply by a plain number instead");
        return [ERROR, kind];
      }
      if (op === "/") return [L.backing === "int" ? INT : FLOAT, kind];
      return [L, kind];
    }
    if (L.k === "units" && R.k === L.backing && (op === "*" || op === "/")) return [L, kind];
    if (R.k === "units" && L.k === R.backing && op === "*") return [R, kind];
    c.err(
      "E0201",
      span,
      `cannot apply \`${op}\` to \`${c.u.show(L)}\` and \`${c.u.show(R)}\``,
      L.k === "units" || R.k === "units" ? "a unit value combines with its own family, or scales by its backing number" : undefined,
    );
    return [ERROR, kind];
  }
  const tr = TRAIT_OF[op];
  if (L.k === "adt" && tr) {
    const m = c.decls.methods.get(L.name)?.get(`${tr[0]}::${tr[1]}`);
    if (m) {
      const p = m.sig.params[0] ?? ERROR;
      if (!c.u.unify(R, p)) c.err("E0201", span, `expected \`${c.u.show(p)}\` on the right of \`${op}\`, found \`${c.u.show(R)}\``, undefined);
      return [m.sig.ret, { kind: "trait", typeName: L.name, method: m.jsName }];
    }
  }
  if ((L.k === "int" && R.k === "float") || (L.k === "float" && R.k === "int")) {
    c.err("E0201", span, `cannot apply \`${op}\` to \`${L.k}\` and \`${R.k}\``, "there is no implicit numeric conversion; use int(x) or float(x)");
    return [ERROR, { kind: "prim" }];
  }
  c.err(
    "E0503",
    span,
    `cannot apply \`${op}\` to \`${c.u.show(L)}\` and \`${c.u.show(R)}\``,
    tr && L.k === "adt" ? `implement \`${tr[0]}\` for \`${L.name}\`` : undefined,
  );
  return [ERROR, { kind: "prim" }];
}

function isPrimCmp(t: Type): boolean {
  return ["int", "float", "char", "string", "units", "bool", "unit"].includes(t.k);
}

export function checkBinary(c: Checker, e: Extract<Expr, { kind: "binary" }>, ctx: FnCtx): Type {
  const op = e.op;
  if (op === "&&" || op === "||") {
    c.coerce(c.expr(e.left, ctx, BOOL), BOOL, e.left.span, `\`${op}\` takes bool operands`);
    c.coerce(c.expr(e.right, ctx, BOOL), BOOL, e.right.span, `\`${op}\` takes bool operands`);
    e.opKind = { kind: "bool" };
    return BOOL;
  }
  const lt = c.expr(e.left, ctx, undefined);
  const L = c.u.shallow(lt);
  const hint =
    op === "*" || op === "/" ? (L.k === "units" ? undefined : L.k === "int" || L.k === "float" ? undefined : undefined) : L.k === "var" ? undefined : lt;
  const rt = c.expr(e.right, ctx, hint);
  if (TRAIT_OF[op]) {
    const [t, k] = arith(c, op, lt, rt, e.span);
    e.opKind = k;
    return t;
  }
  // Comparison and equality.
  if (!c.u.unify(lt, rt)) {
    c.err("E0201", e.span, `cannot compare \`${c.u.show(lt)}\` with \`${c.u.show(rt)}\``, "both sides must have the same type");
    return BOOL;
  }
  const T = c.u.shallow(lt);
  if (T.k === "error") return BOOL;
  if (T.k === "var") {
    c.err("E0282", e.span, "type annotations needed for this comparison", "annotate one of the bindings");
    return BOOL;
  }
  const trait = op === "==" || op === "!=" ? "Eq" : "Ord";
  if (isPrimCmp(T) && !(trait === "Ord" && (T.k === "bool" || T.k === "unit"))) {
    e.opKind = T.k === "int" || (T.k === "units" && T.backing === "int") ? { kind: "int" } : { kind: "prim" };
    return BOOL;
  }
  if (c.implements(T, trait)) {
    e.opKind = { kind: "deep" };
    return BOOL;
  }
  if (T.k === "param") {
    const verb = trait === "Eq" ? "`==`" : `\`${op}\``;
    c.err(
      "E0503",
      e.span,
      `${verb} on type parameter \`${T.name}\` needs an \`${trait}\` bound`,
      `declare the bound: \`[${T.name}: ${trait}]\` in the function's generics`,
    );
    return BOOL;
  }
  if (trait === "Eq")
    c.err("E0503", e.span, `\`==\` on \`${c.u.show(T)}\` requires an \`Eq\` impl`, "add #[derive(Eq)], or use same(a, b) for reference identity");
  else c.err("E0503", e.span, `\`${op}\` on \`${c.u.show(T)}\` requires an \`Ord\` impl`, "add #[derive(Ord)] or implement `fn cmp(self, other: Self) -> int`");
  return BOOL;
}

export function checkUnary(c: Checker, e: Extract<Expr, { kind: "unary" }>, ctx: FnCtx, exp: Type | undefined): Type {
  if (e.op === "!") {
    c.coerce(c.expr(e.operand, ctx, BOOL), BOOL, e.operand.span, "`!` takes a bool; there is no truthiness");
    return BOOL;
  }
  if (e.operand.kind === "int" && !e.operand.suffix) {
    if (e.operand.value > 9223372036854775808n) c.err("E0005", e.span, "integer literal does not fit in 64 bits", undefined);
    e.operand.ty = INT;
    return INT;
  }
  const t = c.u.shallow(c.expr(e.operand, ctx, exp));
  if (t.k === "int" || t.k === "float" || t.k === "units" || t.k === "error") return t;
  if (t.k === "adt") {
    const m = c.decls.methods.get(t.name)?.get("Neg::neg");
    if (m) {
      e.opTrait = m.jsName;
      return m.sig.ret;
    }
  }
  c.err("E0503", e.span, `cannot negate \`${c.u.show(t)}\``, t.k === "adt" ? `implement \`Neg\` for \`${t.name}\`` : undefined);
  return ERROR;
}

export function checkAssign(c: Checker, e: Extract<Expr, { kind: "assign" }>, ctx: FnCtx): Type {
  const target = e.target;
  if (target.kind === "path") {
    if (target.segs.length !== 1 || !c.lookup(ctx, (target.segs[0] as { name: string }).name)) {
      c.expr(e.value, ctx, undefined);
      c.err(
        "E0506",
        target.span,
        `cannot assign to \`${target.segs.map((s) => s.name).join("::")}\``,
        "only local bindings, fields and list/map elements can be assigned",
      );
      return { k: "unit" };
    }
  } else if (target.kind === "index") {
    // checked below through expr()
  } else if (target.kind !== "field") {
    c.expr(e.value, ctx, undefined);
    c.err("E0506", target.span, "this expression cannot be assigned to", "assign to a binding, a field or a list/map element");
    return { k: "unit" };
  }
  const tt = c.expr(target, ctx, undefined);
  if (target.kind === "index" && target.res === "user") c.err("E0506", target.span, "`Index` is read-only", "add a setter method instead");
  if (target.kind === "field" && target.res?.kind === "unit_get") c.err("E0506", target.span, "a unit conversion cannot be assigned to", undefined);
  if (e.op === "=") {
    c.coerce(c.expr(e.value, ctx, tt), tt, e.value.span, `the target has type \`${c.u.show(tt)}\``);
  } else {
    const op = e.op.slice(0, 1);
    const T = c.u.shallow(tt);
    const vt = c.expr(e.value, ctx, op === "*" || op === "/" ? undefined : tt);
    const [rt, k] = arith(c, op, tt, vt, e.span);
    e.opKind = k;
    if (!c.u.unify(rt, tt))
      c.err(
        "E0201",
        e.span,
        `\`${e.op}\` would produce \`${c.u.show(rt)}\`, but the target is \`${c.u.show(T)}\``,
        "the result must land back in the target's type",
      );
  }
  return { k: "unit" };
}
