/**
 * The `process` module (fact_process_functions.md). Capability: command
 * execution and environment. `exit` raises an exit fault carrying the code
 * (trappable by the host, not an error). `args` are supplied by the embedder.
 */
import { HostModule } from "../host.ts";
import { Err, None, Ok, ScriptFault, Some, type Int } from "../rt/core.ts";

export function processModule(args: string[] = []): HostModule {
  const m = new HostModule("process");
  m.portable = { factory: "process", args: [[...args]] };
  return m
    .type("struct Output { status: int, stdout: string, stderr: string }")
    .fn("run(cmd: string, args: List[string]) -> Result[Output, string]", ((cmd: string, a: string[]) => {
      try {
        const r = Bun.spawnSync([cmd, ...a], { stdout: "pipe", stderr: "pipe" });
        return Ok({
          status: r.exitCode ?? -1,
          stdout: r.stdout.toString(),
          stderr: r.stderr.toString(),
          $n: "Output",
          $f: [
            ["status", "status"],
            ["stdout", "stdout"],
            ["stderr", "stderr"],
          ],
        });
      } catch (e) {
        return Err(e instanceof Error ? e.message : String(e));
      }
    }) as never)
    .fn("env(key: string) -> Option[string]", ((k: string) => {
      const v = process.env[k];
      return v === undefined ? None : Some(v);
    }) as never)
    .fn("set_env(key: string, value: string)", ((k: string, v: string) => {
      process.env[k] = v;
    }) as never)
    .fn("cwd() -> Result[string, string]", (() => {
      try {
        return Ok(process.cwd());
      } catch (e) {
        return Err(String(e));
      }
    }) as never)
    .fn("args() -> List[string]", (() => [...args]) as never)
    .fn("exit(code: int)", ((c: Int) => {
      throw new ScriptFault(`process::exit(${c})`, Number(c));
    }) as never);
}
