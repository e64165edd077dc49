/**
 * Where vmlab keeps things on the host (reference/vmlab/fact_paths_table.md).
 *
 * Contract: pure — the environment and home directory are passed in, so
 * tests and daemons never depend on the process environment. Every XDG
 * variable is respected when set to an absolute path (relative values are
 * ignored, as the XDG spec requires); otherwise the usual defaults apply.
 */
import { join } from "node:path";

export type Env = Readonly<Record<string, string | undefined>>;

export interface VmlabPaths {
  /** `$XDG_DATA_HOME/vmlab` */
  readonly data: string;
  /** `$XDG_CONFIG_HOME/vmlab` */
  readonly config: string;
  /** `$XDG_CACHE_HOME/vmlab` */
  readonly cache: string;
  /** `$XDG_STATE_HOME/vmlab` */
  readonly state: string;
  /** `$XDG_RUNTIME_DIR/vmlab`, or `/tmp/vmlab-<uid>` without a runtime dir. */
  readonly runtime: string;
  /** Template store root: `<data>/templates`. */
  readonly templates: string;
  /** Host config file: `<config>/config.wcl`. */
  readonly hostConfig: string;
  /** User profiles: `<config>/profiles`. */
  readonly profiles: string;
  /** Downloaded/built artefact cache: `<cache>/artefacts`. */
  readonly artefacts: string;
}

/** File names inside a template's store directory. */
export const TEMPLATE_DISK = "disk.qcow2";
export const TEMPLATE_METADATA = "template.wcl";
/** Lab-local working directory beside `vmlab.wcl`. */
export const LAB_WORKDIR = ".vmlab";
/** The lab file name found by walking up from the cwd. */
export const LAB_FILE = "vmlab.wcl";

function xdg(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v !== undefined && v.startsWith("/") ? v : fallback;
}

export function vmlabPaths(env: Env, home: string, uid: number): VmlabPaths {
  const data = join(xdg(env, "XDG_DATA_HOME", join(home, ".local/share")), "vmlab");
  const config = join(xdg(env, "XDG_CONFIG_HOME", join(home, ".config")), "vmlab");
  const cache = join(xdg(env, "XDG_CACHE_HOME", join(home, ".cache")), "vmlab");
  const state = join(xdg(env, "XDG_STATE_HOME", join(home, ".local/state")), "vmlab");
  const rt = env.XDG_RUNTIME_DIR;
  const runtime = rt !== undefined && rt.startsWith("/") ? join(rt, "vmlab") : `/tmp/vmlab-${uid}`;
  return {
    data,
    config,
    cache,
    state,
    runtime,
    templates: join(data, "templates"),
    hostConfig: join(config, "config.wcl"),
    profiles: join(config, "profiles"),
    artefacts: join(cache, "artefacts"),
  };
}

/** `<templates>/<arch>/<name>/<version>` */
export function templateDir(paths: VmlabPaths, arch: string, name: string, version: string): string {
  return join(paths.templates, arch, name, version);
}
