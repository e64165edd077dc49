/**
 * What semantic checks may consult besides the model: the file system (for
 * "does this path exist"), the template store, the profile set and the
 * script checker. All injected, so checks are pure and tests run in memory.
 */
import type { Diagnostic } from "../wcl/mod.ts";
import type { StoreReader } from "../store/lookup.ts";
import type { Profile } from "./profiles.ts";

/** The wscript type-checker hook (its own issue). `entry` is the function the script must define. */
export interface ScriptChecker {
  check(path: string, source: string, entry: "main" | "handle"): readonly Diagnostic[];
}

/** The slice of the file system checks need. */
export interface FileProbe {
  /** "file", "dir", or undefined when nothing is there. */
  kind(path: string): "file" | "dir" | undefined;
  /** File text, or undefined when unreadable. */
  read(path: string): string | undefined;
}

export interface CheckContext {
  /** Directory of the lab file; relative paths resolve from here. */
  readonly root: string;
  /** Home directory, for `~/` in share paths. */
  readonly home: string;
  readonly files: FileProbe;
  /** Undefined skips the store check (e.g. `--no-store`). */
  readonly store: StoreReader | undefined;
  readonly profiles: ReadonlyMap<string, Profile>;
  /** Undefined until the wscript checker is wired: scripts are then checked for existence only. */
  readonly scripts: ScriptChecker | undefined;
}
