/**
 * `npm test`'s lint, run by scripts/run.mjs after the type-check and before
 * `bun test`: fails (status 1) on
 *  - import cycles and imports against DESIGN §3's dependency direction
 *    (scripts/lint/check.ts, layers.ts); a cycle closed only by `import type`
 *    edges fails too, unless it runs through a module of `TYPE_CYCLE_HUBS`;
 *  - explicit `any` outside tests (Biome's `noExplicitAny`, configured in biome.json);
 *  - formatting drift from biome.json (`npm run format` fixes it).
 *
 * Usage: bun scripts/lint.ts
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkStructure, type Finding } from "./lint/check.ts";
import { VMLAB_LAYERS } from "./lint/layers.ts";

/** The formatting check (on since the tree-wide `npm run format` commit). */
export const FORMAT_CHECK_ENABLED = true;

/**
 * Modules whose type-only cycles are tolerated for now: each is a class that helpers
 * in sibling files take as a parameter (`import type { Checker }`), which erases at
 * run time. Replace each with a small interface file the helpers import, then remove
 * it here; a type-only cycle through any other module fails the lint.
 */
export const TYPE_CYCLE_HUBS: readonly string[] = [
  "wscript/check/checker.ts",
  "wscript/gen/codegen.ts",
  "wscript/syntax/parser.ts",
  // `TemplateIo` lives in the template command; it belongs in core/cli/io.ts too.
  "core/cli/commands/template.ts",
];

const root = join(import.meta.dir, "..");
const biome = join(root, "node_modules", ".bin", "biome");

/** Tracked and untracked (not ignored) TypeScript sources, repository-relative. */
function sourceFiles(): string[] {
  const r = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", "*.ts"], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ls-files failed: ${r.stderr}`);
  return r.stdout.split("\n").filter((p) => p !== "" && !p.startsWith("node_modules/") && !p.startsWith("dist/"));
}

function runBiome(args: string[]): boolean {
  const r = spawnSync(biome, args, { cwd: root, stdio: "inherit" });
  if (r.error) throw r.error;
  return r.status === 0;
}

let ok = true;
const sources = new Map<string, string>();
for (const p of sourceFiles()) {
  try {
    sources.set(p, readFileSync(join(root, p), "utf8"));
  } catch {
    // listed but deleted in the working tree
  }
}
const all = checkStructure(sources, VMLAB_LAYERS);
const tolerated = (f: Finding) => f.kind === "type-cycle" && TYPE_CYCLE_HUBS.some((m) => f.members.includes(m));
for (const f of all.filter(tolerated)) process.stderr.write(`${f.path}:${f.line}: warning: ${f.message} (tolerated: TYPE_CYCLE_HUBS)\n`);
const findings = all.filter((f) => !tolerated(f));
for (const f of findings) process.stderr.write(`${f.path}:${f.line}: ${f.kind}: ${f.message}\n`);
if (findings.length) {
  ok = false;
  process.stderr.write(`lint: ${findings.length} structural problem(s) in ${sources.size} files\n`);
}
// Biome's linter carries only noExplicitAny (biome.json); formatting is checked separately.
if (!runBiome(["lint", "--max-diagnostics=50", "."])) ok = false;
if (FORMAT_CHECK_ENABLED && !runBiome(["format", "."])) {
  process.stderr.write("lint: formatting differs from biome.json; run `npm run format`\n");
  ok = false;
}
if (ok) process.stderr.write(`lint: ${sources.size} files, no import cycles, dependency direction kept, no explicit any\n`);
process.exit(ok ? 0 : 1);
