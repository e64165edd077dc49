/**
 * What the language server compiles a document against: the nearest
 * `wscript.toml` (its `interfaces` declare host APIs, its `src_roots` are
 * searched by `use`), the full stdlib (as `vmlab wscript run` registers it),
 * and an import resolver that prefers the editor's unsaved text of open
 * documents over the files on disk (concept_interface_files.md).
 *
 * Sessions are cached per manifest and rebuilt when an interface file or the
 * manifest changes on disk (by mtime), so editing a `.wscripti` is picked up.
 * Problems with the manifest or an interface file are returned as
 * diagnostics (the server shows them on the document), never thrown.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { fsResolver, type Resolver } from "../compile.ts";
import type { Diagnostic } from "../syntax/diagnostic.ts";
import { findManifest, interfaceModules } from "../manifest.ts";
import { Session } from "../session.ts";
import { stdModules } from "../std/mod.ts";

export type Project = { session: Session; diagnostics: Diagnostic[] };

const mtime = (p: string): number => {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return -1;
  }
};

export class Projects {
  private cache = new Map<string, { stamp: string; project: Project }>();

  /** `overlay(path)` returns the editor's text of an open document, if any. */
  constructor(private readonly overlay: (path: string) => string | undefined) {}

  /** The project for a script at `path`. */
  forFile(path: string): Project {
    const found = findManifest(path);
    const key = found.manifest?.path ?? `<none>:${dirname(path)}`;
    const files = [found.manifest?.path, ...(found.manifest?.interfaces ?? [])].filter((x): x is string => x !== undefined);
    const stamp = files.map((f) => `${f}@${mtime(f)}`).join("|");
    const hit = this.cache.get(key);
    if (hit && hit.stamp === stamp) return hit.project;
    const diagnostics: Diagnostic[] = [...found.diagnostics];
    const b = Session.builder();
    for (const p of found.manifest?.interfaces ?? []) {
      let text: string;
      try {
        text = readFileSync(p, "utf8");
      } catch (e) {
        diagnostics.push({
          code: "E0703",
          span: { file: p, start: 0, end: 0 },
          message: `Cannot read interface file ${p}: ${e instanceof Error ? e.message : String(e)}`,
          notes: [],
          help: "check `interfaces` in wscript.toml",
        });
        continue;
      }
      const im = interfaceModules(p, text);
      diagnostics.push(...im.diagnostics);
      for (const m of im.modules) b.module(m);
    }
    for (const m of stdModules()) b.module(m);
    const disk = fsResolver(found.manifest?.srcRoots ?? []);
    const resolver: Resolver = (from, spec) => {
      const r = disk(from, spec);
      if (!r) return undefined;
      const open = this.overlay(r.path);
      return open === undefined ? r : { path: r.path, text: open };
    };
    const project = { session: b.resolver(resolver).build(), diagnostics };
    this.cache.set(key, { stamp, project });
    return project;
  }
}
