/**
 * Declaration passes (concept_type_system.md): names, then the bodies of
 * type declarations (fields, variants, trait methods, unit families), then
 * functions and impls — filling `Checker.decls` before any body is checked.
 * Derives and trait impls register in `decls.traitImpls`.
 */
import type { Expr, Item } from "../syntax/ast.ts";
import { parse } from "../syntax/parser.ts";
import type { Span } from "../syntax/span.ts";
import { BUILTIN_ENUMS } from "./builtins.ts";
import type { Checker } from "./checker.ts";
import { jsIdent, type FnInfo, type MethodInfo } from "./decls.ts";
import type { CheckInput } from "./scope.ts";
import type { Type, Unifier } from "./types.ts";

/** Traits the compiler knows: operator traits and derivable ones (fact_operator_traits.md). */
export const BUILTIN_TRAITS: Record<string, string> = {
  Add: "fn add(self, other: Self) -> Self",
  Sub: "fn sub(self, other: Self) -> Self",
  Mul: "fn mul(self, other: Self) -> Self",
  Div: "fn div(self, other: Self) -> Self",
  Rem: "fn rem(self, other: Self) -> Self",
  Neg: "fn neg(self) -> Self",
  Eq: "fn eq(self, other: Self) -> bool",
  Ord: "fn cmp(self, other: Self) -> int",
  Display: "fn fmt(self) -> string",
  Clone: "fn clone(self) -> Self",
  Index: "fn index(self, i: int) -> int",
};
const DERIVABLE = new Set(["Eq", "Ord", "Display", "Clone"]);

export function declareItems(c: Checker, inputs: CheckInput[]): void {
  const builtin = parse("<builtin>", BUILTIN_ENUMS);
  const all: { module: string; item: Item }[] = [];
  for (const it of builtin.program.items) all.push({ module: "<builtin>", item: it });
  for (const inp of inputs) for (const it of inp.program.items) all.push({ module: inp.module, item: it });
  c.decls.enums.set("Option", {
    name: "Option",
    params: ["T"],
    derives: new Set(["Eq", "Ord", "Display", "Clone"]),
    variants: [
      { name: "None", tag: 0, tuple: undefined, fields: undefined },
      { name: "Some", tag: 1, tuple: [{ k: "param", name: "T", bounds: [] }], fields: undefined },
    ],
  });
  c.decls.enums.set("Result", {
    name: "Result",
    params: ["T", "E"],
    derives: new Set(["Eq", "Ord", "Display", "Clone"]),
    variants: [
      { name: "Ok", tag: 0, tuple: [{ k: "param", name: "T", bounds: [] }], fields: undefined },
      { name: "Err", tag: 1, tuple: [{ k: "param", name: "E", bounds: [] }], fields: undefined },
    ],
  });
  for (const t of ["Option", "Result", "Value"]) for (const d of ["Eq", "Ord", "Display", "Clone"]) c.decls.traitImpls.add(`${d}:${t}`);
  const taken = new Map<string, Span>();
  const claim = (name: string, span: Span) => {
    const prev = taken.get(name);
    if (prev || ["int", "float", "bool", "char", "string", "List", "Map", "Option", "Result", "Self"].includes(name)) {
      c.err("E0210", span, `the type name \`${name}\` is defined more than once`, "rename one of them");
      return false;
    }
    taken.set(name, span);
    return true;
  };
  // Pass 1: names.
  for (const { item } of all) {
    if (item.kind === "struct") {
      if (claim(item.name.name, item.name.span)) c.decls.structs.set(item.name.name, { name: item.name.name, fields: [], derives: new Set(), host: false });
    } else if (item.kind === "enum") {
      if (claim(item.name.name, item.name.span)) c.decls.enums.set(item.name.name, { name: item.name.name, params: [], variants: [], derives: new Set() });
    } else if (item.kind === "trait") {
      if (claim(item.name.name, item.name.span)) c.decls.traits.set(item.name.name, { name: item.name.name, methods: new Map() });
    } else if (item.kind === "units") declareUnits(c, item, claim);
  }
  for (const name of c.decls.opaque) claim(name, { file: "<host>", start: 0, end: 0 });
  // Pass 2: bodies of type declarations.
  for (const { item } of all) {
    if (item.kind === "struct") {
      const info = c.decls.structs.get(item.name.name);
      if (!info || info.fields.length) continue;
      const seen = new Set<string>();
      for (const f of item.fields) {
        if (seen.has(f.name.name)) c.err("E0210", f.name.span, `field \`${f.name.name}\` is declared twice`, "remove the duplicate");
        seen.add(f.name.name);
        info.fields.push({ name: f.name.name, ty: c.typeOf(f.ty, new Map(), undefined) });
      }
      derive(c, item.name.name, item.derives);
    } else if (item.kind === "enum") {
      const info = c.decls.enums.get(item.name.name);
      if (!info || info.variants.length) continue;
      item.variants.forEach((v, tag) => {
        if (info.variants.some((x) => x.name === v.name.name))
          c.err("E0210", v.name.span, `variant \`${v.name.name}\` is declared twice`, "remove the duplicate");
        info.variants.push({
          name: v.name.name,
          tag,
          tuple: v.tuple?.map((t) => c.typeOf(t, new Map(), undefined)),
          fields: v.fields?.map((f) => ({ name: f.name.name, ty: c.typeOf(f.ty, new Map(), undefined) })),
        });
      });
      derive(c, item.name.name, item.derives);
    } else if (item.kind === "trait") {
      const info = c.decls.traits.get(item.name.name);
      if (!info) continue;
      for (const m of item.methods) {
        if (!m.hasSelf) c.err("E0207", m.name.span, `trait method \`${m.name.name}\` must take \`self\``, "add `self` as the first parameter");
        if (m.body) c.err("E0207", m.name.span, "trait methods cannot have default bodies in v1", "move the body into each `impl`");
        info.methods.set(m.name.name, c.sigOf(m, { k: "dyn", trait: item.name.name }));
      }
    }
  }
  // Pass 3: functions and impls.
  for (const { module, item } of all) {
    if (item.kind === "fn") {
      let fns = c.decls.fns.get(module);
      if (!fns) {
        fns = new Map();
        c.decls.fns.set(module, fns);
      }
      if (fns.has(item.name.name)) {
        c.err("E0210", item.name.span, `function \`${item.name.name}\` is defined more than once`, "rename one of them");
        continue;
      }
      const info: FnInfo = {
        module,
        name: item.name.name,
        sig: c.sigOf(item, undefined),
        decl: item,
        jsName: `f_${jsIdent(module)}_${jsIdent(item.name.name)}`,
      };
      fns.set(item.name.name, info);
    } else if (item.kind === "impl") declareImpl(c, item);
  }
  // Pass 4: a derive applies only when every field has the trait (in every file, imported modules included).
  for (const { item } of all) if (item.kind === "struct" || item.kind === "enum") checkDerives(c, item);
}

/** Each derived trait must be implemented by the type of every field (payload) of the struct or enum. */
function checkDerives(c: Checker, item: Extract<Item, { kind: "struct" | "enum" }>): void {
  const name = item.name.name;
  const fields: { label: string; ty: Type }[] = [];
  if (item.kind === "struct") for (const f of c.decls.structs.get(name)?.fields ?? []) fields.push({ label: `field \`${f.name}\``, ty: f.ty });
  else
    for (const v of c.decls.enums.get(name)?.variants ?? []) {
      (v.tuple ?? []).forEach((t, i) => fields.push({ label: `payload ${i} of variant \`${v.name}\``, ty: t }));
      for (const f of v.fields ?? []) fields.push({ label: `field \`${f.name}\` of variant \`${v.name}\``, ty: f.ty });
    }
  for (const d of item.derives) {
    if (!DERIVABLE.has(d.name)) continue;
    const bad = fields.find((f) => !c.implements(f.ty, d.name));
    if (bad)
      c.err(
        "E0211",
        d.span,
        `cannot derive \`${d.name}\` for \`${name}\`: its ${bad.label} has type \`${c.u.show(bad.ty)}\`, which does not implement \`${d.name}\``,
        `derive or implement \`${d.name}\` for the field's type, or remove \`${d.name}\` from the derive list`,
      );
  }
}

function derive(c: Checker, typeName: string, derives: { name: string; span: Span }[]): void {
  const info = c.decls.structs.get(typeName) ?? c.decls.enums.get(typeName);
  for (const d of derives) {
    if (!DERIVABLE.has(d.name)) {
      c.err("E0211", d.span, `cannot derive \`${d.name}\``, "derivable traits are Eq, Ord, Display and Clone");
      continue;
    }
    info?.derives.add(d.name);
    c.decls.traitImpls.add(`${d.name}:${typeName}`);
    if (d.name === "Ord") c.decls.traitImpls.add(`Eq:${typeName}`);
  }
}

function declareUnits(c: Checker, item: Extract<Item, { kind: "units" }>, claim: (n: string, s: Span) => boolean): void {
  if (!claim(item.name.name, item.name.span)) return;
  const backing = item.backing.name;
  if (backing !== "int" && backing !== "float") {
    c.err("E0264", item.backing.span, `a unit family must be backed by \`int\` or \`float\`, not \`${backing}\``, "write `units Name: int { … }`");
    return;
  }
  if (item.derives.length)
    c.err(
      "E0206",
      item.name.span,
      "`#[derive]` is not allowed on a unit family",
      "unit families take equality, ordering and cloning from their backing number",
    );
  const units: { name: string; factor: number }[] = [];
  const evalFactor = (e: Expr): number | undefined => {
    switch (e.kind) {
      case "int":
        return e.suffix ? undefined : Number(e.value);
      case "float":
        return e.suffix ? undefined : e.value;
      case "path":
        return e.segs.length === 1 ? units.find((u) => u.name === (e.segs[0] as { name: string }).name)?.factor : undefined;
      case "binary": {
        const a = evalFactor(e.left);
        const b = evalFactor(e.right);
        if (a === undefined || b === undefined) return undefined;
        switch (e.op) {
          case "+":
            return a + b;
          case "-":
            return a - b;
          case "*":
            return a * b;
          case "/":
            return a / b;
          default:
            return undefined;
        }
      }
      default:
        return undefined;
    }
  };
  for (const en of item.entries) {
    if (units.some((u) => u.name === en.name.name)) {
      c.err("E0265", en.name.span, `unit \`${en.name.name}\` is declared twice in \`${item.name.name}\``, "remove the duplicate");
      continue;
    }
    const f = evalFactor(en.factor);
    if (f === undefined) {
      c.err(
        "E0268",
        en.factor.span,
        `the factor of \`${en.name.name}\` is not a constant expression`,
        "use numeric literals, earlier units of this family and + - * /",
      );
      continue;
    }
    if (!(f > 0) || !Number.isFinite(f) || (backing === "int" && (!Number.isInteger(f) || f > 9.2e18))) {
      c.err(
        "E0266",
        en.factor.span,
        `the factor of \`${en.name.name}\` must be positive and finite${backing === "int" ? " and a whole number" : ""}`,
        "check the expression",
      );
      continue;
    }
    units.push({ name: en.name.name, factor: f });
  }
  const bases = units.filter((u) => u.factor === 1);
  if (bases.length !== 1)
    c.err(
      "E0267",
      item.name.span,
      `unit family \`${item.name.name}\` must have exactly one base unit (factor 1), found ${bases.length}`,
      "give exactly one unit the factor 1",
    );
  c.decls.units.set(item.name.name, { name: item.name.name, backing, units });
}

function declareImpl(c: Checker, item: Extract<Item, { kind: "impl" }>): void {
  const target = c.typeOf(item.target, new Map(), undefined);
  if (target.k === "error") return;
  let typeName: string;
  if (target.k === "adt" && (c.decls.structs.has(target.name) || c.decls.enums.has(target.name)) && !["Option", "Result", "Value"].includes(target.name))
    typeName = target.name;
  else if (target.k === "units") typeName = target.name;
  else {
    c.err(
      "E0207",
      item.target.span,
      `cannot implement methods for \`${c.u.show(target)}\``,
      "impl blocks apply to structs, enums and unit families declared in this program",
    );
    return;
  }
  let methods = c.decls.methods.get(typeName);
  if (!methods) {
    methods = new Map();
    c.decls.methods.set(typeName, methods);
  }
  const trait = item.trait?.name;
  if (trait) {
    const user = c.decls.traits.get(trait);
    const builtin = BUILTIN_TRAITS[trait];
    if (!user && !builtin) {
      c.err("E0405", item.trait!.span, `unknown trait \`${trait}\``, "declare it with `trait Name { … }`");
      return;
    }
    if (target.k === "units" && trait !== "Display") {
      c.err(
        "E0206",
        item.trait!.span,
        `unit family \`${typeName}\` cannot implement \`${trait}\``,
        "unit families take their operators from the backing number; only Display may be implemented",
      );
      return;
    }
    // `#[derive(Display)]` and an explicit `impl Display` may coexist: the explicit impl is the one that runs.
    const derivedDisplay =
      trait === "Display" &&
      (c.decls.structs.get(typeName) ?? c.decls.enums.get(typeName))?.derives.has("Display") &&
      !c.decls.methods.get(typeName)?.has("Display::fmt");
    if (c.decls.traitImpls.has(`${trait}:${typeName}`) && !derivedDisplay) {
      c.err("E0210", item.trait!.span, `\`${trait}\` is implemented for \`${typeName}\` more than once`, "remove the duplicate impl or derive");
      return;
    }
    c.decls.traitImpls.add(`${trait}:${typeName}`);
    if (trait === "Ord") c.decls.traitImpls.add(`Eq:${typeName}`);
    const required = user ? [...user.methods.keys()] : [(/fn (\w+)/.exec(builtin ?? "") as RegExpExecArray)[1] as string];
    for (const r of required)
      if (!item.methods.some((m) => m.name.name === r))
        c.err("E0208", item.span, `missing method \`${r}\` in the impl of \`${trait}\` for \`${typeName}\``, `add \`fn ${r}(self, …)\``);
  }
  for (const m of item.methods) {
    if (target.k === "units" && c.decls.units.get(typeName)?.units.some((u) => u.name === m.name.name)) {
      c.err("E0206", m.name.span, `method \`${m.name.name}\` shadows a unit of \`${typeName}\``, "rename the method");
      continue;
    }
    const key = trait ? `${trait}::${m.name.name}` : m.name.name;
    if (methods.has(key)) {
      c.err("E0210", m.name.span, `method \`${m.name.name}\` is defined more than once for \`${typeName}\``, "rename one of them");
      continue;
    }
    if (trait && !(c.decls.traits.get(trait)?.methods.has(m.name.name) ?? BUILTIN_TRAITS[trait]?.includes(`fn ${m.name.name}(`))) {
      c.err("E0207", m.name.span, `\`${m.name.name}\` is not a method of trait \`${trait}\``, "remove it or move it to an inherent impl");
    }
    const sig = c.sigOf(m, target);
    const info: MethodInfo = {
      typeName,
      trait,
      name: m.name.name,
      sig,
      hasSelf: m.hasSelf,
      decl: m,
      jsName: `m_${jsIdent(typeName)}_${trait ? jsIdent(trait) + "_" : ""}${jsIdent(m.name.name)}`,
    };
    methods.set(key, info);
    if (trait) {
      const ts = c.decls.traits.get(trait)?.methods.get(m.name.name);
      if (ts && (ts.params.length !== sig.params.length || !sameShape(c.u, ts.params, sig.params, target) || !sameShape(c.u, [ts.ret], [sig.ret], target))) {
        c.err(
          "E0209",
          m.name.span,
          `method \`${m.name.name}\` does not match its declaration in trait \`${trait}\``,
          "use the same parameter and return types as the trait",
        );
      }
    }
  }
}

/** Do two signature type lists agree, reading `dyn` in the trait as the implementing type? */
function sameShape(u: Unifier, a: Type[], b: Type[], selfTy: Type): boolean {
  return a.every((x, i) => {
    const y = b[i] as Type;
    if (x.k === "dyn" && y.k === selfTy.k && u.unify(y, selfTy)) return true;
    return u.unify(x, y);
  });
}
