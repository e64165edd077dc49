/**
 * The text of `vmlab.wscripti` (concept_wscript_overview.md): the `vmlab` module's
 * declarations for editors and `wscript check`, generated from the very module scripts
 * run against, so it cannot drift. It declares only `vmlab`; the stdlib's own
 * interfaces come with wscript.
 */
import { Context, writeInterface } from "../../wscript/mod.ts";
import { vmlabModule } from "./module.ts";

/** `vmlab.wscripti` as text. */
export function vmlabInterface(): string {
  return writeInterface(new Context().module(vmlabModule()));
}
