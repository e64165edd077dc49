/**
 * Finding, validating and resolving the lab file — shared by `validate` and
 * every lab verb.
 *
 * `loadLab` finds `vmlab.wcl` (`-f/--file`, else `$VMLAB_FILE`, else walking
 * up from the cwd like git), reads the host config and user profiles, and
 * validates everything. `labPlan` (core/config/plan.ts, re-exported here)
 * turns a valid `LabConfig` into the `LabPlan` a lab daemon runs.
 */
import { join } from "node:path";
import type { Diagnostic } from "../wcl/mod.ts";
import {
  discoverLabFile,
  loadHostConfig,
  loadProfiles,
  validateLab,
  type HostConfig,
  type LabConfig,
  type Profile,
  type ScriptChecker,
} from "../config/mod.ts";
import { vmlabPaths } from "../store/paths.ts";
import type { CliIo } from "./io.ts";

export { labPlan, readyTimeoutMs } from "../config/plan.ts";

export interface LoadFlags {
  readonly file?: string | undefined;
  /** false skips the template-store check. */
  readonly store?: boolean | undefined;
}

export type Loaded =
  | { readonly ok: false; readonly stage: "discover"; readonly message: string; readonly hint?: string }
  | {
      readonly ok: boolean;
      readonly stage: "validate";
      readonly file: string;
      readonly config: LabConfig;
      readonly host: HostConfig;
      readonly profiles: ReadonlyMap<string, Profile>;
      readonly diagnostics: readonly Diagnostic[];
      readonly sources: ReadonlyMap<string, string>;
      readonly errors: number;
    };

export function loadLab(io: CliIo, flags: LoadFlags, scripts?: ScriptChecker): Loaded {
  const explicit = flags.file ?? (io.env.VMLAB_FILE ? io.env.VMLAB_FILE : undefined);
  const found = discoverLabFile(io.cwd, explicit, (p) => io.files.kind(p));
  if (!found.ok) return { ok: false, stage: "discover", message: found.message, hint: found.hint };
  if (io.files.read(found.file) === undefined) {
    const why = io.files.problem?.(found.file);
    return {
      ok: false,
      stage: "discover",
      message: `Cannot read lab file: ${found.file}${why ? ` ${why}` : ""}`,
      ...(why?.includes("limit") ? { hint: "a lab file is a small text file; check what -f or the symlink points at" } : {}),
    };
  }
  const paths = vmlabPaths(io.env, io.home, io.uid);
  const host = loadHostConfig(io.files.read(paths.hostConfig), paths.hostConfig);
  const profileFiles = io.list(paths.profiles).flatMap((name) => {
    const path = join(paths.profiles, name);
    const text = io.files.read(path);
    return text === undefined ? [] : [{ path, text }];
  });
  const profiles = loadProfiles(profileFiles);
  const v = validateLab(found.file, {
    files: io.files,
    store: flags.store === false ? undefined : io.store(paths.templates),
    profiles: profiles.profiles,
    scripts,
    home: io.home,
    host: io.host,
  });
  const diagnostics = [...host.diagnostics, ...profiles.diagnostics, ...v.diagnostics];
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  return {
    ok: errors === 0,
    stage: "validate",
    file: found.file,
    config: v.config,
    host: host.config,
    profiles: profiles.profiles,
    diagnostics,
    // A script checker may keep the scripts' text so their diagnostics render with source lines.
    sources: new Map([
      ...host.sources,
      ...profiles.sources,
      ...v.sources,
      ...((scripts as { sources?: ReadonlyMap<string, string> } | undefined)?.sources ?? []),
    ]),
    errors,
  };
}
