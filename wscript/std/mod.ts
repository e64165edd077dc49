/**
 * The wscript standard library modules (PRD §7). Each is a `HostModule`;
 * registering one is what grants its capability. `stdModules` returns the
 * full set the CLI registers.
 */
import type { HostModule } from "../host.ts";
import { fsModule } from "./fs.ts";
import { jsonModule } from "./json.ts";
import { mathModule } from "./math.ts";
import { processModule } from "./process.ts";
import { regexModule } from "./regex.ts";
import { timeModule } from "./time.ts";

export { fsModule, jsonModule, mathModule, processModule, regexModule, timeModule };
export { systemTime, type TimeSource } from "./time.ts";

/** Every stdlib module; `args` are what `process::args()` returns. */
export function stdModules(args: string[] = []): HostModule[] {
  return [mathModule(), timeModule(), regexModule(), jsonModule(), fsModule(), processModule(args)];
}
