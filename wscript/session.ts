/**
 * `Session`: the multi-file embedding path (concept_embedding.md "Embedding a
 * project"). A session holds the host registrations **and** the import
 * resolver, wired once so the two cannot be paired wrongly.
 *
 * - `compile(path, source)` compiles the whole import graph into one unit;
 *   the result carries `sources` (every file's text, for rendering a
 *   diagnostic or a fault trace across the graph). `path` is what
 *   diagnostics name and what relative imports resolve against; it need not
 *   exist on disk.
 * - `analyze(path, source)` runs the front end only and returns the checker's
 *   tables however partial (analysis.ts) — what an editor wants.
 * - `run(compiled, opts)` calls `main` (or `opts.entry`) on a fresh `Vm`.
 * - `context()` hands back the `Context` to drive a `Vm` yourself.
 * Without an explicit resolver, imports resolve on the filesystem relative to
 * the importing file and then in `srcRoots`; `noImports` refuses them.
 * A session is immutable after `build()`, so sharing one is safe.
 *
 * @example
 * const s = Session.builder().module(mathModule()).srcRoots(["scripts/lib"]).build();
 * const c = s.compile("scripts/main.wscript", source);
 * if (c.ok) s.run(c);
 */
import { analyzeWith, type Analysis } from "./lsp/analysis.ts";
import { Context, fsResolver, type CompiledUnit, type Resolver } from "./compile.ts";
import type { Diagnostic } from "./syntax/diagnostic.ts";
import type { HostModule } from "./host.ts";
import type { SourceFile } from "./syntax/span.ts";
import { Vm, type CallResult, type VmOptions } from "./rt/vm.ts";

/** A compiled project: the unit plus every source file of its import graph. */
export type SessionCompiled = { ok: true; unit: CompiledUnit; sources: ReadonlyMap<string, SourceFile>; warnings: Diagnostic[] };
export type SessionCompileResult = SessionCompiled | { ok: false; diagnostics: Diagnostic[]; sources: ReadonlyMap<string, SourceFile> };

export type RunOptions = VmOptions & {
  /** The function to call (default `main`). */
  entry?: string;
  /** Arguments for the entry function (script values). */
  args?: unknown[];
};

export class SessionBuilder {
  private mods: HostModule[] = [];
  private roots: string[] = [];
  private res: Resolver | undefined;

  /** Register a host or stdlib module. */
  module(m: HostModule): this {
    this.mods.push(m);
    return this;
  }
  /** Directories searched by `use name` after the importing file's own directory. */
  srcRoots(dirs: string[]): this {
    this.roots = [...dirs];
    return this;
  }
  /** Replace the resolver (e.g. `noImports`, or one serving in-memory files). */
  resolver(r: Resolver): this {
    this.res = r;
    return this;
  }
  build(): Session {
    return new Session(this.mods, this.res ?? fsResolver(this.roots));
  }
}

export class Session {
  private readonly ctx: Context;

  /** Prefer `Session.builder()`. */
  constructor(modules: readonly HostModule[], resolver: Resolver) {
    this.ctx = new Context().withResolver(resolver);
    for (const m of modules) this.ctx.module(m);
  }

  static builder(): SessionBuilder {
    return new SessionBuilder();
  }

  /** The registrations and resolver as a `Context` (shared, do not re-register). */
  context(): Context {
    return this.ctx;
  }

  /** The registered modules. */
  modules(): HostModule[] {
    return [...this.ctx.modules.values()];
  }

  /** Compile the import graph rooted at `path`; never throws on bad scripts. */
  compile(path: string, source: string): SessionCompileResult {
    const r = this.ctx.compile(path, source);
    return r.ok ? { ok: true, unit: r.unit, sources: r.unit.files, warnings: r.warnings } : { ok: false, diagnostics: r.diagnostics, sources: r.files };
  }

  /** Parse and type-check without generating code; the result is partial on errors. */
  analyze(path: string, source: string): Analysis {
    return analyzeWith(this.ctx, path, source);
  }

  /** Run `opts.entry` (default `main`) of a compiled project on a fresh VM. */
  run(compiled: SessionCompiled, opts: RunOptions = {}): CallResult {
    return new Vm(compiled.unit, opts).call(opts.entry ?? "main", opts.args ?? []);
  }
}
