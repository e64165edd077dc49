import { describe, expect, test } from "bun:test";
import { Context, interfaceModules, stdModules } from "../../wscript/mod.ts";
import { vmlabInterface } from "./interface.ts";

describe("vmlabInterface", () => {
  test("vmlab.wscripti declares the documented types and the sleep_ms function", () => {
    const text = vmlabInterface();
    for (const line of [
      "struct ExecResult { exit_code: int, stdout: string, stderr: string }",
      "struct Match { x: int, y: int, w: int, h: int, score: float, cx: int, cy: int, text: string }",
      "struct Event { name: string, vm: string, data: string }",
      "opaque Lab {",
      "opaque Vm {",
      "opaque Segment {",
      "    fn wait_for_image_opts(self, image: string, timeout_secs: int, threshold: float, region: List[int]) -> Result[Match, string]",
      "    fn route_to(self, other: Segment) -> Result[unit, string]",
      "module vmlab {",
      "    fn sleep_ms(ms: int)",
    ])
      expect(text).toContain(line);
  });

  test("a script type-checks against vmlab.wscripti alone, as `wscript check` does", () => {
    const im = interfaceModules("vmlab.wscripti", vmlabInterface());
    expect(im.diagnostics).toEqual([]);
    const ctx = new Context();
    for (const m of [...stdModules(), ...im.modules]) ctx.module(m);
    const ok = ctx.compile(
      "s.ws",
      'use vmlab\nfn main(lab: Lab) {\n    let Ok(vm) = lab.vm("a") else { return }\n    match vm.exec("ls", []) { Ok(r) => lab.log(r.stdout), Err(e) => lab.log(e) }\n    vmlab::sleep_ms(5)\n}\n',
    );
    expect(ok.ok).toBe(true);
    const bad = ctx.compile("s.ws", "use vmlab\nfn main(lab: Lab) {\n    lab.vm(1)\n}\n");
    expect(bad.ok).toBe(false);
  });
});
