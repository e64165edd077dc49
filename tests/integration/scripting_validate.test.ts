/**
 * `vmlab validate` with the wscript checker wired in (`WscriptChecker`): a lab on disk
 * whose provision script has a type error and whose handler has the wrong signature.
 * No QEMU; the template store is skipped (`--no-store`).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runValidate } from "../../core/cli/commands/validate.ts";
import { processIo } from "../../core/cli/io.ts";
import { WscriptChecker } from "../../core/scripting/checker.ts";
import { renderDiagnostic } from "../../core/cli/render.ts";
import { makeStyle } from "../../core/cli/style.ts";

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "vmlab-validate-"));
  mkdirSync(join(root, "scripts"));
  writeFileSync(
    join(root, "vmlab.wcl"),
    `lab "checks" {
  vm "alpha" {
    template = "x86_64/tiny-linux@1.0"
    memory   = 256MiB
  }
  provision "scripts/setup.ws" { }
  provision "scripts/good.ws" { }
  on "vm.crashed" { run = "scripts/crash.ws" }
}
`,
  );
  writeFileSync(join(root, "scripts", "setup.ws"), 'use vmlab\n\nfn main(lab: Lab) {\n    let vm = lab.vm("alpha")\n    vm.exec("ls", [])\n}\n');
  writeFileSync(
    join(root, "scripts", "good.ws"),
    'use vmlab\n\nfn main(lab: Lab) {\n    let Ok(vm) = lab.vm("alpha") else { return }\n    let _ = vm.exec("ls", [])\n}\n',
  );
  writeFileSync(join(root, "scripts", "crash.ws"), "use vmlab\nfn handle(lab: Lab) {}\n");
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function validate(checker: WscriptChecker): { code: number; err: string } {
  let err = "";
  const io = {
    ...processIo(),
    cwd: root,
    isTTY: false,
    out: () => {},
    err: (s: string) => {
      err += s;
    },
  };
  return { code: runValidate(io, { file: join(root, "vmlab.wcl"), store: false }, checker), err };
}

describe("vmlab validate type-checks scripts", () => {
  test("validate fails on a script type error and a wrong handler signature, naming both scripts", () => {
    const { code, err } = validate(new WscriptChecker());
    expect(code).toBe(1);
    expect(err).toContain("error[E0599]: no method `exec` on `Result[Vm, string]`");
    expect(err).toContain("scripts/setup.ws");
    expect(err).toContain("error[E0802]: `handle` takes (lab: Lab), but an event handler is called as `fn handle(event: Event, lab: Lab)`");
    expect(err).toContain("scripts/crash.ws");
    expect(err).not.toContain("good.ws");
    expect(err).toContain("vmlab.wcl: 2 errors");
  });

  test("the checker's diagnostics render at file:line:col with the script's source line", () => {
    const checker = new WscriptChecker();
    const ds = checker.check(
      join(root, "scripts", "setup.ws"),
      'use vmlab\n\nfn main(lab: Lab) {\n    let vm = lab.vm("alpha")\n    vm.exec("ls", [])\n}\n',
      "main",
    );
    const out = ds.map((d) => renderDiagnostic(d, checker.sources, { style: makeStyle(false), cwd: root })).join("");
    expect(out).toContain("--> scripts/setup.ws:5:8");
    expect(out).toContain('5 |     vm.exec("ls", [])');
    expect(out).toContain("^^^^");
  });
});
