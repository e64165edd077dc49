/**
 * The stdlib's own interface file, `std.wscripti` (PRD §9.1: "wscript-std
 * ships generated .wscripti files for its modules"): the declarations of
 * every stdlib module, generated with `writeInterface` from the very modules
 * `stdModules()` registers, so editors and `check` can know the stdlib
 * without running it. The committed file is checked against `stdInterface()`
 * by a test; regenerate it with `bun wscript/std/interface.ts`.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Context } from "../compile.ts";
import { writeInterface } from "../interface.ts";
import { stdModules } from "./mod.ts";

/** Where the generated file lives (beside this module). */
export const STD_INTERFACE_PATH = join(import.meta.dir, "std.wscripti");

/** The text of `std.wscripti`. */
export function stdInterface(): string {
  const ctx = new Context();
  for (const m of stdModules()) ctx.module(m);
  return writeInterface(ctx);
}

if (import.meta.main) writeFileSync(STD_INTERFACE_PATH, stdInterface());
