/**
 * Entry points of vmlab scripts (concept_wscript_overview.md "Entry points"):
 *
 *   provision scripts, `vmlab script`:  fn main(lab: Lab)
 *   event handlers:                     fn handle(event: Event, lab: Lab)
 *
 * Either may instead return a `Result[T, E]`; an `Err` then fails the run like a fault
 * (concept_wscript_matching.md: "an Err propagating out fails the provision run").
 * `entryProblem` checks a compiled unit against that contract and returns a diagnostic
 * placed on the offending function (or the file's start when it is missing).
 */
import type { CompiledUnit, Diagnostic } from "../../wscript/mod.ts";
import { parse, Unifier, type Type } from "../../wscript/mod.ts";

/** The two entry functions. */
export type EntryName = "main" | "handle";

/** The documented signature of each entry, as users write it. */
export const ENTRY_SIGNATURES: Readonly<Record<EntryName, string>> = {
  main: "fn main(lab: Lab)",
  handle: "fn handle(event: Event, lab: Lab)",
};

/** Parameter types each entry must take, by type name. */
const ENTRY_PARAMS: Readonly<Record<EntryName, readonly string[]>> = { main: ["Lab"], handle: ["Event", "Lab"] };

const what = (entry: EntryName) => (entry === "main" ? "a provision script" : "an event handler");

/** A problem with the entry function of `unit`, or undefined when it fits. */
export function entryProblem(unit: CompiledUnit, path: string, entry: EntryName): Diagnostic | undefined {
  const source = unit.files.get(path)?.text ?? "";
  const decl = parse(path, source).program.items.find((i) => i.kind === "fn" && i.name.name === entry);
  const at = decl?.kind === "fn" ? decl.name.span : { file: path, start: 0, end: 0 };
  const mk = (code: string, message: string, help: string): Diagnostic => ({ code, span: at, message, notes: [], help });
  const ex = unit.exports.get(entry);
  if (!ex || !decl) {
    return mk("E0801", `${what(entry)} must define \`${entry}\``, `add \`${ENTRY_SIGNATURES[entry]} { … }\``);
  }
  const u = new Unifier();
  const want = ENTRY_PARAMS[entry];
  const got = ex.sig.params;
  const fits = (t: Type | undefined, name: string) => t?.k === "adt" && t.name === name && t.args.length === 0;
  const shown = `(${got.map((t, i) => `${ex.sig.paramNames[i] ?? "_"}: ${u.show(t)}`).join(", ")})`;
  if (ex.generic || got.length !== want.length || !want.every((n, i) => fits(got[i], n))) {
    return mk(
      "E0802",
      `\`${entry}\` takes ${shown}, but ${what(entry)} is called as \`${ENTRY_SIGNATURES[entry]}\``,
      `declare it as \`${ENTRY_SIGNATURES[entry]}\``,
    );
  }
  const ret = ex.sig.ret;
  if (ret.k !== "unit" && !(ret.k === "adt" && ret.name === "Result")) {
    return mk(
      "E0802",
      `\`${entry}\` returns \`${u.show(ret)}\`; an entry returns nothing or a Result`,
      `drop the return type, or return \`Result[unit, string]\` so an Err fails the run`,
    );
  }
  return undefined;
}
