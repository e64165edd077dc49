/**
 * XDG base directories and vmlab's places within them (`fact_paths_table.md`).
 *
 * Every function reads the environment at call time (no module state), so
 * tests and daemons can point vmlab elsewhere with XDG_* variables.
 */
import { homedir } from "node:os";
import { join } from "node:path";

function xdg(name: string, fallback: string): string {
  const v = process.env[name];
  // The XDG spec says relative paths are invalid and must be ignored.
  return v && v.startsWith("/") ? v : join(homedir(), fallback);
}

/** `$XDG_CONFIG_HOME/vmlab` — host config and profile overrides. */
export function configDir(): string {
  return join(xdg("XDG_CONFIG_HOME", ".config"), "vmlab");
}

/** `$XDG_DATA_HOME/vmlab` — the template store and other durable data. */
export function dataDir(): string {
  return join(xdg("XDG_DATA_HOME", ".local/share"), "vmlab");
}

/** `$XDG_STATE_HOME/vmlab` — JSON-line logs. */
export function stateDir(): string {
  return join(xdg("XDG_STATE_HOME", ".local/state"), "vmlab");
}

/** `$XDG_CACHE_HOME/vmlab` — probe results, media cache, OCI blobs. */
export function cacheDir(): string {
  return join(xdg("XDG_CACHE_HOME", ".cache"), "vmlab");
}

/**
 * `$XDG_RUNTIME_DIR/vmlab` — daemon sockets (created 0700). Falls back to
 * `/tmp/vmlab-<uid>` when no runtime dir is set (DESIGN §4).
 */
export function runtimeDir(): string {
  const r = process.env.XDG_RUNTIME_DIR;
  if (r && r.startsWith("/")) return join(r, "vmlab");
  const uid = typeof process.getuid === "function" ? process.getuid() : 0;
  return `/tmp/vmlab-${uid}`;
}

/** All of the above, for `vmlab doctor`. */
export function allPaths(): Record<"config" | "data" | "state" | "cache" | "runtime", string> {
  return { config: configDir(), data: dataDir(), state: stateDir(), cache: cacheDir(), runtime: runtimeDir() };
}
