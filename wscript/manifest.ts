/**
 * `wscript.toml` and `.wscripti` consumption (concept_interface_files.md,
 * process_check_script.md): `wscript check` type-checks scripts against host
 * APIs it has never seen, declared in interface files the host generated
 * with `writeInterface`.
 *
 * `findManifest(script)` looks for `wscript.toml` in the script's directory
 * and its ancestors; it lists `interfaces = [...]` (paths relative to the
 * manifest) and optional `src_roots = [...]` (extra directories searched by
 * `use name`). `interfaceModules(path, text)` turns a `.wscripti` file into
 * `HostModule`s whose functions are declared but not implemented: calling
 * one faults, so they serve checking, not running. Problems are returned as
 * diagnostics, never thrown.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Expr, Item } from "./syntax/ast.ts";
import { diag, type Diagnostic } from "./syntax/diagnostic.ts";
import { HostModule, RegistrationError, type HostConstEntry, type HostFnEntry } from "./host.ts";
import { parse } from "./syntax/parser.ts";
import { fault } from "./rt/core.ts";
import { parseToml } from "./std/toml.ts";

export type Manifest = { path: string; interfaces: string[]; srcRoots: string[] };

/** Find and read the nearest `wscript.toml` (undefined when there is none). */
export function findManifest(script: string): { manifest: Manifest | undefined; diagnostics: Diagnostic[] } {
  let dir = dirname(resolve(script));
  for (;;) {
    const p = join(dir, "wscript.toml");
    if (existsSync(p)) return readManifest(p);
    const up = dirname(dir);
    if (up === dir) return { manifest: undefined, diagnostics: [] };
    dir = up;
  }
}

function readManifest(path: string): { manifest: Manifest | undefined; diagnostics: Diagnostic[] } {
  const at = { file: path, start: 0, end: 0 };
  try {
    const v = parseToml(readFileSync(path, "utf8")) as { $0: Map<string, { $t: number; $0: unknown }> };
    const list = (key: string): string[] => {
      const x = v.$0.get(key);
      if (!x) return [];
      if (!Array.isArray(x.$0)) throw new Error(`\`${key}\` must be a list of strings`);
      return (x.$0 as { $0: unknown }[]).map((s) => {
        if (typeof s.$0 !== "string") throw new Error(`\`${key}\` must be a list of strings`);
        return join(dirname(path), s.$0);
      });
    };
    return { manifest: { path, interfaces: list("interfaces"), srcRoots: list("src_roots") }, diagnostics: [] };
  } catch (e) {
    return {
      manifest: undefined,
      diagnostics: [diag("E0701", at, `Cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`, 'write e.g. `interfaces = ["api.wscripti"]`')],
    };
  }
}

/** Fold a constant's literal expression (as `writeInterface` writes it). */
function constValue(e: Expr): unknown {
  switch (e.kind) {
    case "int":
      return Number.isSafeInteger(Number(e.value)) ? Number(e.value) : e.value;
    case "float":
      return e.value;
    case "bool":
      return e.value;
    case "char":
      return e.value;
    case "str":
      return e.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
    case "unary": {
      const v = constValue(e.operand);
      return typeof v === "number" ? -v : typeof v === "bigint" ? -v : v;
    }
    case "binary": {
      const a = constValue(e.left) as number;
      const b = constValue(e.right) as number;
      return e.op === "/" ? a / b : e.op === "*" ? a * b : e.op === "+" ? a + b : a - b;
    }
    default:
      return undefined;
  }
}

/** Host modules declared by one `.wscripti` file. */
export function interfaceModules(path: string, text: string): { modules: HostModule[]; diagnostics: Diagnostic[] } {
  const r = parse(path, text, { interfaceMode: true });
  const diagnostics = [...r.diagnostics];
  const modules: HostModule[] = [];
  const types = new HostModule(`<types:${path}>`);
  const sig = (d: { span: { start: number; end: number } }) => text.slice(d.span.start, d.span.end).replace(/^fn\s+/, "");
  const stub = (key: string) => () => fault(`\`${key}\` is declared in an interface file but not implemented here`);
  const add = (it: Item) => {
    try {
      if (it.kind === "struct" || it.kind === "enum") {
        types.type(text.slice(it.span.start, it.span.end));
        types.dataTypeOrigins.set(types.dataTypes.length - 1, it.span);
      } else if (it.kind === "opaque") {
        const ms: Record<string, () => never> = {};
        for (const m of it.methods) ms[sig(m)] = stub(`${it.name.name}.${m.name.name}`);
        types.opaque(it.name.name, ms);
        const o = types.opaqueTypes[types.opaqueTypes.length - 1];
        if (o) {
          o.origin = it.name.span;
          o.methods.forEach((m, i) => {
            m.origin = it.methods[i]?.name.span;
          });
        }
      } else if (it.kind === "module") {
        const m = new HostModule(it.name.name);
        for (const x of it.items) {
          if (x.kind === "fn") {
            m.fn(sig(x), stub(`${it.name.name}::${x.name.name}`));
            (m.fns[m.fns.length - 1] as HostFnEntry).origin = x.name.span;
          } else if (x.kind === "const") {
            m.const(`${x.name.name}: ${text.slice(x.ty.span.start, x.ty.span.end)}`, constValue(x.value));
            (m.consts[m.consts.length - 1] as HostConstEntry).origin = x.name.span;
          } else diagnostics.push(diag("E0702", x.span, "only `fn` and `const` may appear inside a `module` of an interface file", undefined));
        }
        modules.push(m);
      } else
        diagnostics.push(
          diag("E0702", it.span, `\`${it.kind}\` is not allowed in an interface file`, "interface files hold struct, enum, opaque and module declarations"),
        );
    } catch (e) {
      if (!(e instanceof RegistrationError)) throw e;
      diagnostics.push(diag("E0702", it.span, e.message, undefined));
    }
  };
  for (const it of r.program.items) add(it);
  if (types.dataTypes.length || types.opaqueTypes.length) modules.push(types);
  return { modules, diagnostics };
}
