/**
 * The wscript standard library modules (PRD §7). Each is a `HostModule`;
 * registering one is what grants its capability (concept_interface_files.md
 * "Feature gates grant capability"): a script can `use fs` only if the
 * embedder registered `fsModule()`. `stdModules` returns the full set the
 * CLI registers. The shared `Value` type is built into the language.
 *
 * Every module built with default arguments is *portable*: `portableModule`
 * rebuilds it from its factory name inside a script worker, so calls into
 * the stdlib never cross threads under `runInWorker`.
 */
import type { HostModule, PortableSpec } from "../host.ts";
import { fsModule } from "./fs.ts";
import { jsonModule } from "./json.ts";
import { mathModule } from "./math.ts";
import { processModule } from "./process.ts";
import { regexModule } from "./regex.ts";
import { asyncTimeModule, timeModule } from "./time.ts";
import { tomlModule } from "./toml.ts";
import { xmlModule } from "./xml.ts";

export { asyncTimeModule, fsModule, jsonModule, mathModule, processModule, regexModule, timeModule, tomlModule, xmlModule };
export { asyncSystemTime, systemTime, type AsyncTimeSource, type TimeSource } from "./time.ts";

/** Module names the stdlib provides. */
export type StdName = "math" | "time" | "regex" | "json" | "toml" | "xml" | "fs" | "process";

/** Every stdlib module; `args` are what `process::args()` returns. `only` restricts the set (capabilities). */
export function stdModules(args: string[] = [], only?: readonly StdName[]): HostModule[] {
  const all: Record<StdName, () => HostModule> = {
    math: () => mathModule(),
    time: () => timeModule(),
    regex: () => regexModule(),
    json: () => jsonModule(),
    toml: () => tomlModule(),
    xml: () => xmlModule(),
    fs: () => fsModule(),
    process: () => processModule(args),
  };
  return (only ?? (Object.keys(all) as StdName[])).map((n) => all[n]());
}

/** Rebuild a portable module from its spec (inside a worker). */
export function portableModule(spec: PortableSpec): HostModule {
  switch (spec.factory) {
    case "math":
      return mathModule();
    case "time":
      return timeModule();
    case "regex":
      return regexModule();
    case "json":
      return jsonModule();
    case "toml":
      return tomlModule();
    case "xml":
      return xmlModule();
    case "fs":
      return fsModule();
    case "process":
      return processModule((spec.args[0] as string[] | undefined) ?? []);
  }
  throw new RangeError(`Cannot rebuild module: unknown stdlib factory \`${spec.factory}\``);
}
