/**
 * Declaration tables shared by the checker and the code generator.
 *
 * The checker fills a `Decls` from every item of the program (and the
 * host's registrations); the code generator reads it to emit classes,
 * methods and functions. Plain data, no behaviour.
 */
import type { FnDecl } from "../syntax/ast.ts";
import type { FnSig, Type } from "./types.ts";

export type StructInfo = { name: string; fields: { name: string; ty: Type }[]; derives: Set<string>; host: boolean };
export type VariantInfo = { name: string; tag: number; tuple: Type[] | undefined; fields: { name: string; ty: Type }[] | undefined };
export type EnumInfo = { name: string; params: string[]; variants: VariantInfo[]; derives: Set<string> };
export type TraitInfo = { name: string; methods: Map<string, FnSig> };
export type UnitsInfo = { name: string; backing: "int" | "float"; units: { name: string; factor: number }[] };
/** A method of a script or host type. `sig.params` excludes `self`. */
export type MethodInfo = {
  typeName: string;
  trait: string | undefined;
  name: string;
  sig: FnSig;
  hasSelf: boolean;
  decl: FnDecl | undefined;
  jsName: string;
};
export type FnInfo = { module: string; name: string; sig: FnSig; decl: FnDecl; jsName: string };
export type HostFnDecl = { sig: FnSig };
export type HostModuleDecl = { name: string; fns: Map<string, HostFnDecl>; consts: Map<string, { ty: Type; value: unknown }> };

export type Decls = {
  structs: Map<string, StructInfo>;
  enums: Map<string, EnumInfo>;
  traits: Map<string, TraitInfo>;
  units: Map<string, UnitsInfo>;
  /** Methods per type name: inherent and trait methods (keyed `name` and `Trait::name`). */
  methods: Map<string, Map<string, MethodInfo>>;
  /** `Trait:Type` pairs with an impl (derives included). */
  traitImpls: Set<string>;
  /** Script functions per module ("" is the entry file). */
  fns: Map<string, Map<string, FnInfo>>;
  /** Host opaque types and their methods. */
  opaque: Set<string>;
  hostModules: Map<string, HostModuleDecl>;
};

export function emptyDecls(): Decls {
  return {
    structs: new Map(),
    enums: new Map(),
    traits: new Map(),
    units: new Map(),
    methods: new Map(),
    traitImpls: new Set(),
    fns: new Map(),
    opaque: new Set(),
    hostModules: new Map(),
  };
}

/** A JS-safe identifier fragment. */
export function jsIdent(s: string): string {
  return s.replace(/[^A-Za-z0-9_]/g, "_");
}
