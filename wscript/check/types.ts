/**
 * Static types, inference variables and unification.
 *
 * `Option`, `Result`, `Value`, user structs/enums and host opaque types are
 * all `adt` (a named type with type arguments; only the built-ins take any —
 * user generic types are not in v1, fact_not_in_v1.md). Generic function
 * parameters are rigid `param` types inside their body and are instantiated
 * with fresh `var`s at each call (type-erased generics, concept_type_system.md).
 * Unification is first-order over a substitution owned by a `Unifier`
 * instance; `error` unifies with everything so one mistake reports once.
 */

export type Type =
  | { k: "int" }
  | { k: "float" }
  | { k: "bool" }
  | { k: "char" }
  | { k: "string" }
  | { k: "unit" }
  | { k: "never" }
  | { k: "error" }
  | { k: "list"; elem: Type }
  | { k: "map"; key: Type; val: Type }
  | { k: "weak"; inner: Type }
  | { k: "fn"; params: Type[]; ret: Type }
  | { k: "adt"; name: string; args: Type[] }
  | { k: "dyn"; trait: string }
  | { k: "units"; name: string; backing: "int" | "float" }
  | { k: "param"; name: string; bounds: string[] }
  | { k: "var"; id: number };

export const INT: Type = { k: "int" };
export const FLOAT: Type = { k: "float" };
export const BOOL: Type = { k: "bool" };
export const CHAR: Type = { k: "char" };
export const STRING: Type = { k: "string" };
export const UNIT: Type = { k: "unit" };
export const NEVER: Type = { k: "never" };
export const ERROR: Type = { k: "error" };
export const optionOf = (t: Type): Type => ({ k: "adt", name: "Option", args: [t] });
export const resultOf = (t: Type, e: Type): Type => ({ k: "adt", name: "Result", args: [t, e] });
export const listOf = (t: Type): Type => ({ k: "list", elem: t });
export const VALUE: Type = { k: "adt", name: "Value", args: [] };

/** A function signature (script, host or built-in). */
export type FnSig = {
  generics: { name: string; bounds: string[] }[];
  params: Type[];
  paramNames: string[];
  ret: Type;
};

/** Owns inference variables and their bindings. */
export class Unifier {
  private subst: (Type | undefined)[] = [];

  fresh(): Type {
    this.subst.push(undefined);
    return { k: "var", id: this.subst.length - 1 };
  }

  /** Follow variable bindings at the top level. */
  shallow(t: Type): Type {
    while (t.k === "var") {
      const b = this.subst[t.id];
      if (!b) return t;
      t = b;
    }
    return t;
  }

  /** Fully substitute bound variables. */
  resolve(t: Type): Type {
    t = this.shallow(t);
    switch (t.k) {
      case "list":
        return { k: "list", elem: this.resolve(t.elem) };
      case "map":
        return { k: "map", key: this.resolve(t.key), val: this.resolve(t.val) };
      case "weak":
        return { k: "weak", inner: this.resolve(t.inner) };
      case "fn":
        return { k: "fn", params: t.params.map((p) => this.resolve(p)), ret: this.resolve(t.ret) };
      case "adt":
        return t.args.length ? { k: "adt", name: t.name, args: t.args.map((a) => this.resolve(a)) } : t;
      default:
        return t;
    }
  }

  private occurs(id: number, t: Type): boolean {
    t = this.shallow(t);
    switch (t.k) {
      case "var":
        return t.id === id;
      case "list":
        return this.occurs(id, t.elem);
      case "map":
        return this.occurs(id, t.key) || this.occurs(id, t.val);
      case "weak":
        return this.occurs(id, t.inner);
      case "fn":
        return t.params.some((p) => this.occurs(id, p)) || this.occurs(id, t.ret);
      case "adt":
        return t.args.some((a) => this.occurs(id, a));
      default:
        return false;
    }
  }

  /** Make `a` and `b` equal; returns false (binding nothing further) on mismatch. */
  unify(a: Type, b: Type): boolean {
    a = this.shallow(a);
    b = this.shallow(b);
    if (a === b) return true;
    if (a.k === "error" || b.k === "error") return true;
    if (a.k === "var") {
      if (b.k === "var" && b.id === a.id) return true;
      if (b.k === "never") return true;
      if (this.occurs(a.id, b)) return false;
      this.subst[a.id] = b;
      return true;
    }
    if (b.k === "var") return this.unify(b, a);
    if (a.k === "never" || b.k === "never") return true;
    switch (a.k) {
      case "list":
        return b.k === "list" && this.unify(a.elem, b.elem);
      case "map":
        return b.k === "map" && this.unify(a.key, b.key) && this.unify(a.val, b.val);
      case "weak":
        return b.k === "weak" && this.unify(a.inner, b.inner);
      case "fn":
        return b.k === "fn" && a.params.length === b.params.length && a.params.every((p, i) => this.unify(p, b.params[i] as Type)) && this.unify(a.ret, b.ret);
      case "adt":
        return b.k === "adt" && a.name === b.name && a.args.length === b.args.length && a.args.every((x, i) => this.unify(x, b.args[i] as Type));
      case "dyn":
        return b.k === "dyn" && a.trait === b.trait;
      case "units":
        return b.k === "units" && a.name === b.name;
      case "param":
        return b.k === "param" && a.name === b.name;
      default:
        return a.k === b.k;
    }
  }

  /** Render a type for a diagnostic. */
  show(t: Type): string {
    t = this.shallow(t);
    switch (t.k) {
      case "list":
        return `List[${this.show(t.elem)}]`;
      case "map":
        return `Map[${this.show(t.key)}, ${this.show(t.val)}]`;
      case "weak":
        return `weak[${this.show(t.inner)}]`;
      case "fn":
        return `fn(${t.params.map((p) => this.show(p)).join(", ")})${this.shallow(t.ret).k === "unit" ? "" : ` -> ${this.show(t.ret)}`}`;
      case "adt":
        return t.args.length ? `${t.name}[${t.args.map((a) => this.show(a)).join(", ")}]` : t.name;
      case "dyn":
        return `dyn ${t.trait}`;
      case "units":
      case "param":
        return t.name;
      case "var":
        return "_";
      case "unit":
        return "()";
      case "never":
        return "!";
      case "error":
        return "{error}";
      default:
        return t.k;
    }
  }
}

/** Substitute named type parameters in `t`. */
export function substParams(t: Type, m: ReadonlyMap<string, Type>): Type {
  switch (t.k) {
    case "param":
      return m.get(t.name) ?? t;
    case "list":
      return { k: "list", elem: substParams(t.elem, m) };
    case "map":
      return { k: "map", key: substParams(t.key, m), val: substParams(t.val, m) };
    case "weak":
      return { k: "weak", inner: substParams(t.inner, m) };
    case "fn":
      return { k: "fn", params: t.params.map((p) => substParams(p, m)), ret: substParams(t.ret, m) };
    case "adt":
      return t.args.length ? { k: "adt", name: t.name, args: t.args.map((a) => substParams(a, m)) } : t;
    default:
      return t;
  }
}

/** Types whose values are JS primitives at runtime, compared with `===`. */
export function isPrimitive(t: Type): boolean {
  return t.k === "int" || t.k === "float" || t.k === "bool" || t.k === "char" || t.k === "string" || t.k === "unit" || t.k === "units";
}
