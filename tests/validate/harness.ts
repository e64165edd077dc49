/**
 * Test helpers for the validate corpus: an in-memory file tree, a store,
 * and `check(src)` returning compact diagnostics (code, line:col, name).
 */
import { locate, type Diagnostic } from "../../core/wcl/mod.ts";
import { loadProfiles, validateLab, type FileProbe, type ScriptChecker } from "../../core/config/mod.ts";
import { memoryStore, type StoreReader } from "../../core/store/lookup.ts";

export const LAB_DIR = "/lab";
export const LAB = `${LAB_DIR}/vmlab.wcl`;

/** Files and directories present in the fake tree besides the lab file. Directories end with `/`. */
export const DEFAULT_TREE = [
  "/lab/scripts/setup.ws",
  "/lab/scripts/join.ws",
  "/lab/scripts/collect-dumps.ws",
  "/lab/scripts/alert.ws",
  "/lab/scripts/install.ws",
  "/lab/isos/drivers.iso",
  "/lab/isos/win11.iso",
  "/lab/unattend.img",
  "/lab/base.qcow2",
  "/lab/src/",
  "/lab/unattend/",
  "/lab/drivers/",
  "/lab/payload/",
  "/lab/folder/",
  "/lab/old/",
  "/home/u/data/",
];

export const DEFAULT_STORE: StoreReader = memoryStore({
  "x86_64/linux-modern": ["1.0", "1.10"],
  "x86_64/windows-11": ["26100.1"],
  "x86_64/windows-server-2025": ["1.0"],
  "x86_64/windows-2025": ["1.0"],
  "aarch64/linux-router": ["1.2"],
});

export function fakeFiles(extra: Record<string, string>, tree: readonly string[] = DEFAULT_TREE): FileProbe {
  const files = new Map<string, string>(Object.entries(extra));
  for (const p of tree) if (!p.endsWith("/")) files.set(p, files.get(p) ?? "fn main(lab: Lab) {}\n");
  const dirs = new Set<string>(tree.filter((p) => p.endsWith("/")).map((p) => p.slice(0, -1)));
  for (const f of files.keys())
    for (let d = f; d.lastIndexOf("/") > 0; ) {
      d = d.slice(0, d.lastIndexOf("/"));
      dirs.add(d);
    }
  return {
    kind: (p) => (files.has(p) ? "file" : dirs.has(p.replace(/\/+$/, "")) ? "dir" : undefined),
    read: (p) => files.get(p),
  };
}

const PROFILES = loadProfiles([]).profiles;

export interface CheckOptions {
  readonly files?: Record<string, string>;
  readonly store?: StoreReader | null;
  readonly scripts?: ScriptChecker;
  readonly tree?: readonly string[];
}

export function run(src: string, opts: CheckOptions = {}) {
  return validateLab(LAB, {
    files: fakeFiles({ [LAB]: src, ...opts.files }, opts.tree),
    store: opts.store === null ? undefined : (opts.store ?? DEFAULT_STORE),
    profiles: PROFILES,
    scripts: opts.scripts,
    home: "/home/u",
  });
}

/** `code@line:col name` for each diagnostic. */
export function check(src: string, opts: CheckOptions = {}): string[] {
  const v = run(src, opts);
  return v.diagnostics.map((d: Diagnostic) => {
    const text = v.sources.get(d.span.file) ?? "";
    const p = locate(text, d.span.start);
    return `${d.code}@${p.line}:${p.col}${d.name === undefined ? "" : ` ${d.name}`}`;
  });
}
