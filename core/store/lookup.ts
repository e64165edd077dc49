/**
 * Read-only template store lookup: "is this template in the store, and
 * which version does a reference without `@version` mean?" (PRD §6.2).
 *
 * Contract: a version counts as present only when its directory holds
 * `disk.qcow2` (a half-finished write has no disk yet, since writes are
 * temp + rename). Never throws: unreadable directories are empty.
 * Writing the store is not this file's business.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { TEMPLATE_DISK } from "./paths.ts";
import { findPulled } from "./pulled.ts";
import { highestVersion, type TemplateRef } from "./ref.ts";

/** What validation needs from a store. */
export interface StoreReader {
  /** Versions of `<arch>/<name>` present in the store (any order). */
  versions(arch: string, name: string): readonly string[];
  /** Whether a template pulled from registry `reference` for `arch` is present (omitted: unknown). */
  pulled?(reference: string, arch: string): boolean;
}

/** A store rooted at a `templates` directory on disk. */
export function directoryStore(templatesRoot: string): StoreReader {
  return {
    versions(arch, name) {
      const dir = join(templatesRoot, arch, name);
      try {
        return readdirSync(dir).filter((v) => existsSync(join(dir, v, TEMPLATE_DISK)));
      } catch {
        return [];
      }
    },
    pulled: (reference, arch) => findPulled(templatesRoot, reference, arch) !== undefined,
  };
}

/** A fixed in-memory store (`{"x86_64/linux-modern": ["1.0"]}`) for tests and benches. */
export function memoryStore(entries: Readonly<Record<string, readonly string[]>>): StoreReader {
  return { versions: (arch, name) => entries[`${arch}/${name}`] ?? [] };
}

export type Lookup = { readonly found: true; readonly version: string } | { readonly found: false; readonly available: readonly string[] };

/** Resolve a store reference to a concrete version present in the store. */
export function lookupTemplate(store: StoreReader, ref: Extract<TemplateRef, { kind: "store" }>): Lookup {
  const versions = store.versions(ref.arch, ref.name);
  if (ref.version !== undefined) return versions.includes(ref.version) ? { found: true, version: ref.version } : { found: false, available: versions };
  const best = highestVersion(versions);
  return best === undefined ? { found: false, available: [] } : { found: true, version: best };
}
