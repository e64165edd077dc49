/**
 * Pattern typing and the exhaustiveness bridge (concept_pattern_matching.md).
 *
 * `checkPattern` types a pattern against the scrutinee type, resolves variant
 * paths (`Some`, `Enum::Variant`, struct patterns) into `res`, and collects
 * bindings. `normalize` turns a typed pattern into the form exhaustive.ts
 * analyses; `ctorsOf` lists the constructors of a type for it.
 */
import type { Pattern } from "../syntax/ast.ts";
import type { Checker } from "./checker.ts";
import { missingWitness, type Ctor, type NPat } from "./exhaustive.ts";
import { unitLiteral } from "./ops.ts";
import { BOOL, CHAR, ERROR, FLOAT, INT, STRING, substParams, type Type } from "./types.ts";

/** Type `p` against `ty`, adding its bindings to `binds`. */
export function checkPattern(c: Checker, p: Pattern, ty: Type, binds: Map<string, Type>, inOr = false): void {
  switch (p.kind) {
    case "wild":
      return;
    case "bind":
      if (inOr) c.err("E0305", p.span, "bindings inside an or-pattern are not supported", "match each alternative in its own arm");
      if (binds.has(p.name.name)) c.err("E0305", p.span, `\`${p.name.name}\` is bound more than once in this pattern`, "use a different name");
      binds.set(p.name.name, ty);
      return;
    case "or":
      for (const a of p.alts) checkPattern(c, a, ty, binds, true);
      return;
    case "lit": {
      const v = p.value;
      if ((v.kind === "int" || v.kind === "float") && v.suffix) {
        // A unit literal (`500ms`) matches a value of its family, compared in base units.
        const ut = unitLiteral(c, v, ty);
        v.ty = ut;
        if (ut.k === "error") return;
        if (!c.u.unify(ty, ut))
          c.err(
            "E0302",
            p.span,
            `this pattern is a \`${c.u.show(ut)}\` literal but the value is \`${c.u.show(ty)}\``,
            "unit literals in patterns must be of the matched value's family",
          );
        return;
      }
      const lt =
        v.kind === "int" || (v.kind === "unary" && v.operand.kind === "int")
          ? INT
          : v.kind === "float" || v.kind === "unary"
            ? FLOAT
            : v.kind === "str"
              ? STRING
              : v.kind === "char"
                ? CHAR
                : v.kind === "bool"
                  ? BOOL
                  : ERROR;
      if (v.kind === "str" && v.parts.some((x) => x.kind === "hole")) c.err("E0302", p.span, "string patterns cannot interpolate", "match on a plain literal");
      if (!c.u.unify(ty, lt))
        c.err(
          "E0302",
          p.span,
          `this pattern matches \`${c.u.show(lt)}\` but the value is \`${c.u.show(ty)}\``,
          "patterns must have the type of the matched value",
        );
      v.ty = lt;
      return;
    }
    case "variant": {
      const names = p.path.map((x) => x.name);
      const last = names[names.length - 1] as string;
      const t = c.u.shallow(ty);
      // Struct pattern `Point { x, y }`.
      if (names.length === 1 && c.decls.structs.has(last)) {
        if (!c.u.unify(t, { k: "adt", name: last, args: [] }))
          c.err("E0302", p.span, `this pattern matches \`${last}\` but the value is \`${c.u.show(t)}\``, undefined);
        const info = c.decls.structs.get(last)!;
        p.res = { enumName: last, variant: last, tag: 0, struct: true };
        for (const f of p.fields ?? []) {
          const ft = info.fields.find((x) => x.name === f.name.name);
          if (!ft) {
            c.err("E0203", f.name.span, `struct \`${last}\` has no field \`${f.name.name}\``, undefined);
            continue;
          }
          checkPattern(c, f.pat, ft.ty, binds, inOr);
        }
        if (p.args) c.err("E0302", p.span, `\`${last}\` is a struct; destructure it with \`${last} { field, … }\``, undefined);
        return;
      }
      let enumName: string | undefined;
      if (names.length === 1 && ["None", "Some"].includes(last)) enumName = "Option";
      else if (names.length === 1 && ["Ok", "Err"].includes(last)) enumName = "Result";
      else if (names.length === 2) enumName = names[0];
      else if (names.length === 1 && t.k === "adt" && c.decls.enums.get(t.name)?.variants.some((v) => v.name === last)) {
        c.err("E0412", p.span, `unknown pattern \`${last}\``, `write the variant with its enum: \`${t.name}::${last}\``);
        return;
      }
      const info = enumName ? c.decls.enums.get(enumName) : undefined;
      const variant = info?.variants.find((v) => v.name === last);
      if (!info || !variant) {
        c.err("E0412", p.span, `unknown variant \`${names.join("::")}\``, t.k === "adt" ? `the value has type \`${c.u.show(t)}\`` : undefined);
        return;
      }
      const args = info.params.map(() => c.u.fresh());
      const enumTy: Type = { k: "adt", name: info.name, args };
      if (!c.u.unify(ty, enumTy)) {
        c.err(
          "E0302",
          p.span,
          `this pattern matches \`${c.u.show(enumTy)}\` but the value is \`${c.u.show(ty)}\``,
          "patterns must have the type of the matched value",
        );
        return;
      }
      const subst = new Map(info.params.map((n, i) => [n, args[i] as Type]));
      p.res = { enumName: info.name, variant: last, tag: variant.tag };
      if (variant.tuple) {
        const sub = p.args ?? [];
        if (!p.args && !p.fields) {
          c.err(
            "E0302",
            p.span,
            `variant \`${last}\` has ${variant.tuple.length} field(s)`,
            `write \`${names.join("::")}(${variant.tuple.map(() => "_").join(", ")})\``,
          );
          return;
        }
        if (sub.length !== variant.tuple.length)
          c.err("E0302", p.span, `variant \`${last}\` has ${variant.tuple.length} field(s), the pattern has ${sub.length}`, undefined);
        sub.forEach((sp, i) => checkPattern(c, sp, substParams(variant.tuple![i] ?? ERROR, subst), binds, inOr));
      } else if (variant.fields) {
        if (!p.fields) {
          c.err("E0302", p.span, `variant \`${last}\` has named fields`, `write \`${names.join("::")} { … }\``);
          return;
        }
        for (const f of p.fields) {
          const ft = variant.fields.find((x) => x.name === f.name.name);
          if (!ft) {
            c.err("E0203", f.name.span, `variant \`${last}\` has no field \`${f.name.name}\``, undefined);
            continue;
          }
          checkPattern(c, f.pat, substParams(ft.ty, subst), binds, inOr);
        }
      } else if (p.args || p.fields) c.err("E0302", p.span, `variant \`${last}\` has no fields`, `write \`${names.join("::")}\``);
      return;
    }
  }
}

/** Expand or-patterns and convert to the analysis form. */
export function normalize(c: Checker, p: Pattern): NPat[] {
  switch (p.kind) {
    case "wild":
    case "bind":
      return [{ c: "wild" }];
    case "or":
      return p.alts.flatMap((a) => normalize(c, a));
    case "lit":
      if (p.value.kind === "bool") return [{ c: "ctor", name: String(p.value.value), args: [] }];
      if ((p.value.kind === "int" || p.value.kind === "float") && p.value.unitValue !== undefined)
        return [{ c: "lit", v: `unit:${String(p.value.unitValue)}` }];
      return [{ c: "lit", v: JSON.stringify(p.value.kind === "str" ? p.value.parts : String((p.value as { value?: unknown }).value)) }];
    case "variant": {
      if (!p.res) return [{ c: "wild" }];
      const res = p.res;
      let fieldOrder: string[] | undefined;
      let n = 0;
      if (res.struct) fieldOrder = c.decls.structs.get(res.enumName)?.fields.map((f) => f.name);
      else {
        const v = c.decls.enums.get(res.enumName)?.variants.find((x) => x.name === res.variant);
        if (v?.fields) fieldOrder = v.fields.map((f) => f.name);
        n = v?.tuple?.length ?? 0;
      }
      let argLists: NPat[][] = [[]];
      const subs: Pattern[] = fieldOrder
        ? fieldOrder.map((f) => p.fields?.find((x) => x.name.name === f)?.pat ?? { kind: "wild", span: p.span })
        : Array.from({ length: n }, (_, i) => p.args?.[i] ?? ({ kind: "wild", span: p.span } as Pattern));
      for (const sp of subs) {
        const alts = normalize(c, sp);
        argLists = argLists.flatMap((prefix) => alts.map((a) => [...prefix, a]));
        if (argLists.length > 256) argLists = argLists.slice(0, 256);
      }
      return argLists.map((args) => ({ c: "ctor", name: res.variant, args }));
    }
  }
}

/** Constructors of a type for the exhaustiveness analysis. */
export function ctorsOf(c: Checker): (t: Type) => Ctor<Type>[] | undefined {
  return (t0: Type) => {
    const t = c.u.shallow(t0);
    if (t.k === "bool") return ["false", "true"].map((n) => ({ name: n, display: () => n, argTys: [] }));
    if (t.k !== "adt") return undefined;
    const st = c.decls.structs.get(t.name);
    if (st)
      return [
        { name: t.name, display: (a) => `${t.name} { ${st.fields.map((f, i) => `${f.name}: ${a[i]}`).join(", ")} }`, argTys: st.fields.map((f) => f.ty) },
      ];
    const en = c.decls.enums.get(t.name);
    if (!en) return undefined;
    const subst = new Map(en.params.map((n, i) => [n, t.args[i] ?? ERROR]));
    const prefix = t.name === "Option" || t.name === "Result" ? "" : `${t.name}::`;
    return en.variants.map((v) => ({
      name: v.name,
      display: (a: string[]) =>
        v.tuple
          ? `${prefix}${v.name}(${a.join(", ")})`
          : v.fields
            ? `${prefix}${v.name} { ${v.fields.map((f, i) => `${f.name}: ${a[i]}`).join(", ")} }`
            : `${prefix}${v.name}`,
      argTys: (v.tuple ?? v.fields?.map((f) => f.ty) ?? []).map((x) => substParams(x, subst)),
    }));
  };
}

/** A witness of a value no pattern in `pats` matches, or undefined if exhaustive. */
export function witness(c: Checker, pats: Pattern[], ty: Type): string | undefined {
  const rows = pats.flatMap((p) => normalize(c, p).map((n) => [n]));
  return missingWitness(rows, [ty], ctorsOf(c))?.[0];
}
