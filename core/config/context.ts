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

/** What is at a path: a regular file, a directory, or anything else (device, FIFO, socket). */
export type FileKind = "file" | "dir" | "other";

/** The slice of the file system checks need. */
export interface FileProbe {
  /** "file" (regular), "dir", "other" (device, FIFO, socket), or undefined when nothing is there. */
  kind(path: string): FileKind | undefined;
  /** File text, or undefined when unreadable (not a regular file, or over the size cap). */
  read(path: string): string | undefined;
  /** Why `read` fails for `path` (e.g. "is 12 GiB, over the 8 MiB limit"), when the probe knows. */
  problem?(path: string): string | undefined;
}

/** What the host can give guests. */
export interface HostResources {
  readonly memoryBytes: number;
  readonly cpus: number;
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
  /** The host's resources, for capacity warnings; undefined skips them (pure tests). */
  readonly host?: HostResources | undefined;
}
