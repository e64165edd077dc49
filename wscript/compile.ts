/**
 * The compiler driver and the `Context` (host registrations + compiler).
 *
 * `Context.compile(path, source)` parses the entry file and every script file
 * it `use`s (resolved by the context's resolver; by default on the
 * filesystem relative to the importing file, concept_modules.md "Multi-file
 * scripts"), checks the whole program against the registered host API, and
 * generates one JavaScript module. All type errors surface here. The result
 * is a `CompiledUnit`: immutable, instantiable by any number of VMs.
 */
import { dirname, join, basename } from "node:path";
import { existsSync, readFileSync } from "node:fs";
import type { Item, Program } from "./syntax/ast.ts";
import { Checker } from "./check/checker.ts";
import type { CheckInput, FileScope } from "./check/checker.ts";
import { CodeGen, type Generated } from "./gen/codegen.ts";
import { diag, type Diagnostic } from "./syntax/diagnostic.ts";
import type { HostImpl, HostModule } from "./host.ts";
import { parse } from "./syntax/parser.ts";
import { SourceFile } from "./syntax/span.ts";
import type { FnSig } from "./check/types.ts";

/** Finds the source of `use name` / `use "path" as x` from an importing file. */
export type Resolver = (fromFile: string, spec: { name: string } | { path: string }) => { path: string; text: string } | undefined;

/** Default resolver: `<dir of importer>/<name>.wscript`, or the explicit relative path. */
export function fsResolver(srcRoots: string[] = []): Resolver {
  return (from, spec) => {
    const candidates =
      "path" in spec
        ? [join(dirname(from), spec.path)]
        : [join(dirname(from), `${spec.name}.wscript`), ...srcRoots.map((r) => join(r, `${spec.name}.wscript`))];
    for (const p of candidates)
      if (existsSync(p)) {
        try {
          return { path: p, text: readFileSync(p, "utf8") };
        } catch {
          return undefined;
        }
      }
    return undefined;
  };
}
/** A resolver that refuses all script imports. */
export const noImports: Resolver = () => undefined;

/** A script function callable by the host. */
export type ExportedFn = { name: string; sig: FnSig; generic: boolean };

export type CompiledUnit = {
  readonly files: ReadonlyMap<string, SourceFile>;
  readonly generated: Generated;
  readonly exports: ReadonlyMap<string, ExportedFn>;
  /** Host implementations by key (`mod::fn`, `Type.method`, and constants' values under `mod::NAME`). */
  readonly hostImpls: ReadonlyMap<string, HostImpl>;
  /** Keys of `hostImpls` registered as async (callable only under `runInWorker`). */
  readonly asyncHost: ReadonlySet<string>;
  /** The registered modules the unit was compiled against (for rebuilding it in a worker). */
  readonly modules: readonly HostModule[];
  readonly factory: (R: unknown, H: unknown) => GeneratedModule;
};
export type GeneratedModule = {
  fns: Record<string, (...a: unknown[]) => unknown>;
  /** Struct classes by name and variant classes by `Enum::Variant` (for moving values across threads). */
  classes: Record<string, new (...a: unknown[]) => object>;
  setFuel(n: number): void;
  getFuel(): number;
  setMaxDepth(n: number): void;
  resetDepth(): void;
};

/** What the front end produced: sources, diagnostics and the checker's (possibly partial) tables. */
export type FrontEnd = {
  files: Map<string, SourceFile>;
  diagnostics: Diagnostic[];
  checker: Checker;
  /** Every parsed file of the import graph, by module ("" is the entry file). */
  inputs: CheckInput[];
  hostImpls: Map<string, HostImpl>;
  asyncHost: Set<string>;
};

export type CompileResult =
  | { ok: true; unit: CompiledUnit; warnings: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[]; files: ReadonlyMap<string, SourceFile> };

/** Limit on files in one import graph. */
const MAX_FILES = 256;

export class Context {
  readonly modules = new Map<string, HostModule>();
  private resolver: Resolver = fsResolver();

  /** Register a host or stdlib module (capability: scripts may `use` only what is registered). */
  module(m: HostModule): this {
    this.modules.set(m.name, m);
    return this;
  }
  /** Replace the import resolver (e.g. `noImports`, or `fsResolver(srcRoots)`). */
  withResolver(r: Resolver): this {
    this.resolver = r;
    return this;
  }

  /** The resolver imports go through. */
  get importResolver(): Resolver {
    return this.resolver;
  }

  /**
   * Type-check and compile a program; never throws on bad scripts. `observe`
   * sees the checker before bodies are checked (the REPL watches bindings).
   */
  compile(path: string, source: string, observe?: (c: Checker) => void): CompileResult {
    const fe = this.check(path, source, observe);
    const { files, diagnostics, checker, hostImpls, asyncHost } = fe;
    if (diagnostics.length) return { ok: false, diagnostics, files };
    const gen = new CodeGen(checker.decls, checker.u, checker.usesWeak).program("");
    const exports = new Map<string, ExportedFn>();
    for (const f of checker.decls.fns.get("")?.values() ?? []) exports.set(f.name, { name: f.name, sig: f.sig, generic: f.sig.generics.length > 0 });
    let factory: CompiledUnit["factory"];
    try {
      factory = instantiate(gen.code);
    } catch (e) {
      return {
        ok: false,
        diagnostics: [
          diag(
            "E0999",
            { file: path, start: 0, end: 0 },
            `internal code generation error: ${e instanceof Error ? e.message : String(e)}`,
            "please report this with the script",
          ),
        ],
        files,
      };
    }
    return { ok: true, unit: { files, generated: gen, exports, hostImpls, asyncHost, modules: [...this.modules.values()], factory }, warnings: [] };
  }

  /**
   * The front end: parse the import graph and type-check it against the
   * registered API. Always returns the checker's tables, however partial
   * (what analysis and editors read); `observe` sees the checker before any
   * body is checked (to attach `onBind`).
   */
  check(path: string, source: string, observe?: (c: Checker) => void): FrontEnd {
    const files = new Map<string, SourceFile>();
    const diagnostics: Diagnostic[] = [];
    const inputs: CheckInput[] = [];
    const scopes = new Map<string, FileScope>();
    const fileNames = new Map<string, string>();
    const queue: { module: string; path: string; text: string }[] = [{ module: "", path, text: source }];
    const seenModules = new Set<string>([""]);
    while (queue.length) {
      const f = queue.shift()!;
      if (files.size >= MAX_FILES) break;
      files.set(f.path, new SourceFile(f.path, f.text));
      const parsed = parse(f.path, f.text);
      diagnostics.push(...parsed.diagnostics);
      inputs.push({ module: f.module, program: parsed.program });
      fileNames.set(f.module, f.path);
      const scope: FileScope = { module: f.module, modules: new Map(), items: new Map() };
      scopes.set(f.module, scope);
      for (const it of parsed.program.items) {
        if (it.kind !== "use") continue;
        const head = it.path[0]?.name;
        if (it.file === undefined && head && this.modules.has(head)) {
          if (it.path.length === 1) scope.modules.set(it.alias?.name ?? head, { kind: "host", name: head });
          else if (it.path.length === 2)
            scope.items.set(it.alias?.name ?? (it.path[1] as { name: string }).name, {
              kind: "host",
              module: head,
              name: (it.path[1] as { name: string }).name,
            });
          else diagnostics.push(diag("E0432", it.span, "`use` paths have at most two segments", "write `use module` or `use module::item`"));
          continue;
        }
        const spec = it.file !== undefined ? { path: it.file } : { name: head ?? "" };
        const modName = it.file !== undefined ? (it.alias?.name ?? basename(it.file).replace(/\.wscript$/, "")) : (head ?? "");
        const found = this.resolver(f.path, spec);
        if (!found) {
          diagnostics.push(
            diag(
              "E0432",
              it.span,
              `unresolved import \`${it.file ?? head}\``,
              it.file ? "check the path (relative to this file)" : `no registered module or file \`${head}.wscript\` next to this file`,
            ),
          );
          continue;
        }
        if (it.path.length === 2)
          scope.items.set(it.alias?.name ?? (it.path[1] as { name: string }).name, {
            kind: "script",
            module: modName,
            name: (it.path[1] as { name: string }).name,
          });
        else scope.modules.set(it.file !== undefined ? modName : (it.alias?.name ?? modName), { kind: "script", name: modName });
        if (!seenModules.has(modName)) {
          seenModules.add(modName);
          queue.push({ module: modName, path: found.path, text: found.text });
        }
      }
    }
    const checker = new Checker();
    checker.files = scopes;
    checker.fileNames = fileNames;
    const hostImpls = new Map<string, HostImpl>();
    const asyncHost = new Set<string>();
    const ambient: CheckInput[] = [];
    for (const m of this.modules.values()) {
      m.dataTypes.forEach((src, i) => {
        const p = parse(`<host:${m.name}:${i}>`, src);
        diagnostics.push(...p.diagnostics);
        ambient.push({
          module: "<host>",
          program: { file: p.program.file, items: p.program.items.filter((x: Item) => x.kind === "struct" || x.kind === "enum") },
        });
      });
      for (const o of m.opaqueTypes) checker.decls.opaque.add(o.name);
    }
    checker.declare([...ambient, ...inputs]);
    for (const s of checker.decls.structs.values())
      if (ambient.some((a) => a.program.items.some((i) => i.kind === "struct" && i.name.name === s.name))) s.host = true;
    for (const m of this.modules.values()) {
      const fns = new Map<string, { sig: FnSig }>();
      for (const f of m.fns) {
        fns.set(f.name, { sig: checker.sigOf(f.decl, undefined) });
        hostImpls.set(`${m.name}::${f.name}`, f.impl);
        if (f.async) asyncHost.add(`${m.name}::${f.name}`);
      }
      const consts = new Map<string, { ty: import("./check/types.ts").Type; value: unknown }>();
      for (const c of m.consts) {
        const te = parse("<host>", `const X: ${c.typeText} = 0`).program.items[0];
        if (te?.kind === "const") consts.set(c.name, { ty: checker.typeOf(te.ty, new Map(), undefined), value: c.value });
        hostImpls.set(`${m.name}::${c.name}`, c.value as HostImpl);
      }
      checker.decls.hostModules.set(m.name, { name: m.name, fns, consts });
      for (const o of m.opaqueTypes) {
        let ms = checker.decls.methods.get(o.name);
        if (!ms) {
          ms = new Map();
          checker.decls.methods.set(o.name, ms);
        }
        for (const meth of o.methods) {
          const selfTy = { k: "adt" as const, name: o.name, args: [] };
          ms.set(meth.name, {
            typeName: o.name,
            trait: undefined,
            name: meth.name,
            sig: checker.sigOf(meth.decl, selfTy),
            hasSelf: true,
            decl: undefined,
            jsName: "",
          });
          hostImpls.set(`${o.name}.${meth.name}`, meth.impl);
          if (meth.async) asyncHost.add(`${o.name}.${meth.name}`);
        }
      }
    }
    observe?.(checker);
    checker.checkBodies();
    checker.finishBounds();
    diagnostics.push(...checker.diagnostics);
    return { files, diagnostics: dedupe(diagnostics), checker, inputs, hostImpls, asyncHost };
  }
}

/**
 * Turn generated code into a module factory. The `sourceURL` names the code
 * so `Vm` can find its frames in a JS stack (`wscript-unit-…`).
 */
export function instantiate(code: string): CompiledUnit["factory"] {
  return new Function("R", "H", `${code}\n//# sourceURL=wscript-unit-${Math.random().toString(36).slice(2, 10)}`) as CompiledUnit["factory"];
}

/** Drop exact duplicate diagnostics (same code, span and message). */
function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds
    .filter((d) => {
      const k = `${d.code}:${d.span.file}:${d.span.start}:${d.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => (a.span.file === b.span.file ? a.span.start - b.span.start : 0));
}

export type { Program };
