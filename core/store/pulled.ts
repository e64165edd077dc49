/**
 * Which stored template came from a registry reference (PRD §6.4: "the
 * originating reference is recorded in metadata").
 *
 * Contract: `canonicalRemote` is the reference in its canonical form
 * (`docker.io/library/x:latest`), or undefined when malformed;
 * `findPulled` scans `<root>/<arch>/*\/*\/template.wcl` for `origin { kind =
 * "pull", source = <canonical reference> }` and returns the highest version
 * found. Never throws; unreadable metadata is skipped.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { formatReference, parseReference } from "../../oci/reference.ts";
import { parseMetadata } from "./metadata.ts";
import { TEMPLATE_DISK, TEMPLATE_METADATA } from "./paths.ts";
import { compareVersions } from "./ref.ts";

export function canonicalRemote(text: string): string | undefined {
  const r = parseReference(text);
  return r.ok ? formatReference(r.ref) : undefined;
}

export interface PulledTemplate {
  readonly ref: string;
  readonly name: string;
  readonly version: string;
  readonly dir: string;
}

export function findPulled(templatesRoot: string, reference: string, arch: string): PulledTemplate | undefined {
  const want = canonicalRemote(reference);
  if (want === undefined) return undefined;
  const found: PulledTemplate[] = [];
  const archDir = join(templatesRoot, arch);
  for (const name of dirs(archDir)) {
    for (const version of dirs(join(archDir, name))) {
      const dir = join(archDir, name, version);
      if (!existsSync(join(dir, TEMPLATE_DISK))) continue;
      let text: string;
      try {
        text = readFileSync(join(dir, TEMPLATE_METADATA), "utf8");
      } catch {
        continue;
      }
      if (!text.includes('"pull"')) continue; // cheap filter before evaluating the WCL
      const m = parseMetadata(text, join(dir, TEMPLATE_METADATA));
      if (m.ok && m.metadata.origin.kind === "pull" && m.metadata.origin.source === want) found.push({ ref: `${arch}/${name}@${version}`, name, version, dir });
    }
  }
  return found.sort((a, b) => compareVersions(a.version, b.version)).at(-1);
}

function dirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith("."))
      .map((d) => d.name);
  } catch {
    return [];
  }
}
