/**
 * Assembles the runtime object `R` handed to a generated module: the core
 * (rt_core.ts), the built-in methods (rt_methods.ts), `fmt_` and the output
 * sink `$out`. One `R` per VM, so output sinks never leak between VMs.
 */
import * as core from "./core.ts";
import * as methods from "./methods.ts";
import { formatTemplate } from "../syntax/fmt.ts";

export type Runtime = Record<string, unknown>;

export function makeRuntime(out: (s: string) => void): Runtime {
  const fmt_ = (tpl: string, args: unknown[], ds?: core.Desc[]): string => {
    const r = formatTemplate(tpl, args, (v, i) => core.showD(v, ds?.[i]));
    return "ok" in r ? r.ok : core.fault(r.err);
  };
  return { ...core, ...methods, fmt_, $out: out };
}
