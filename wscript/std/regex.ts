/**
 * The `regex` module (fact_regex_functions.md), over JS RegExp with the `u`
 * flag. Invalid patterns fault. `$1`/`$name` in replacements expand groups
 * (`$<name>` is JS syntax; `$name` is rewritten to it).
 */
import { HostModule } from "../host.ts";
import { fault, None, Some } from "../rt/core.ts";

/** Compiled patterns by flags + source; bounded so a script building patterns cannot grow it without limit. */
const cache = new Map<string, RegExp>();
const CACHE_MAX = 256;

function re(p: string, flags = "u"): RegExp {
  const key = flags + "\0" + p;
  const hit = cache.get(key);
  if (hit) {
    hit.lastIndex = 0;
    return hit;
  }
  let r: RegExp;
  try {
    r = new RegExp(p, flags);
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).replace(/^Invalid regular expression:\s*(\/.*\/\w*:\s*)?/, "");
    return fault(`invalid regex pattern \`${p}\`: ${why}`);
  }
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(key, r);
  return r;
}

export function regexModule(): HostModule {
  const m = new HostModule("regex");
  m.portable = { factory: "regex", args: [] };
  return m
    .fn("is_match(pattern: string, text: string) -> bool", ((p: string, t: string) => re(p).test(t)) as never)
    .fn("find(pattern: string, text: string) -> Option[string]", ((p: string, t: string) => {
      const m = re(p).exec(t);
      return m ? Some(m[0]) : None;
    }) as never)
    .fn("find_all(pattern: string, text: string) -> List[string]", ((p: string, t: string) => [...t.matchAll(re(p, "gu"))].map((m) => m[0])) as never)
    .fn("replace(pattern: string, text: string, with: string) -> string", ((p: string, t: string, w: string) =>
      t.replace(re(p, "gu"), w.replace(/\$([A-Za-z_]\w*)/g, "$$<$1>"))) as never)
    .fn("captures(pattern: string, text: string) -> Option[List[string]]", ((p: string, t: string) => {
      const m = re(p).exec(t);
      return m ? Some([...m].map((x) => x ?? "")) : None;
    }) as never)
    .fn("split(pattern: string, text: string) -> List[string]", ((p: string, t: string) => t.split(re(p, "gu")).filter((x) => x !== undefined)) as never);
}
