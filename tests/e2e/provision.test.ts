/**
 * Provision scripts, handlers and `vmlab script` through dist/vmlab on real
 * tiny guests: validate type-checks scripts (file:line:col), `up` runs a
 * scoped provision before the VM that depends on its scope, a handler fires
 * on `vm.crashed`, a failing script fails `up` with its location and trace
 * while the lab stays up, and an ad-hoc script runs against the running lab.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LabStatus } from "../../core/daemon/protocol.ts";
import { TINY_REF, waitFor, World } from "./_lab.ts";

let w: World;
let dir: string;

const SETUP = `fn main(lab: Lab) {
    let alpha = lab.vm("alpha").unwrap()
    alpha.wait_ready(240).unwrap()
    let r = alpha.exec("/bin/sh", ["-c", "echo provisioned > /tmp/p.txt; cat /tmp/p.txt"]).unwrap()
    lab.log("alpha says " + r.stdout.trim())
    alpha.copy_to("files/in.txt", "/tmp/in.txt").unwrap()
    alpha.copy_from("/tmp/p.txt", "out/p.txt").unwrap()
    match lab.vm("beta") {
        Ok(b) => lab.log("beta is " + b.state() + " while alpha is provisioned"),
        Err(e) => lab.log(e),
    }
}
`;

const ON_CRASH = `fn handle(event: Event, lab: Lab) {
    lab.log("crash handler saw " + event.name + " of " + event.vm)
}
`;

function lab(extra = ""): string {
  return `lab "prov" {
  vm "alpha" {
    template = "${TINY_REF}"
    memory   = 256MiB
  }
  vm "beta" {
    template   = "${TINY_REF}"
    memory     = 256MiB
    depends_on = ["alpha"]
  }
  provision {
    script = "scripts/setup.ws"
    vms    = ["alpha"]
  }
  on "vm.crashed" { run = "scripts/on_crash.ws" }
${extra}}
`;
}

beforeAll(async () => {
  w = new World();
  await w.adoptTiny();
  dir = w.lab("prov", lab());
  mkdirSync(join(dir, "scripts"), { recursive: true });
  mkdirSync(join(dir, "files"), { recursive: true });
  writeFileSync(join(dir, "scripts", "setup.ws"), SETUP);
  writeFileSync(join(dir, "scripts", "on_crash.ws"), ON_CRASH);
  writeFileSync(join(dir, "files", "in.txt"), "from the host\n");
});

afterAll(() => w.teardown());

describe("provision scripts through dist/vmlab", () => {
  test("validate type-checks scripts and reports file:line:col", () => {
    const bad = join(dir, "scripts", "bad.ws");
    writeFileSync(bad, 'fn main(lab: Lab) {\n    let n: int = "not a number"\n    lab.log(n)\n}\n');
    writeFileSync(join(dir, "vmlab.wcl"), lab('  provision { script = "scripts/bad.ws" }\n'));
    try {
      const r = w.vmlab(["validate"], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("scripts/bad.ws:2:");
      const up = w.vmlab(["up"], { cwd: dir });
      expect(up.code).toBe(1);
      expect(up.stderr).toContain("scripts/bad.ws:2:");
    } finally {
      writeFileSync(join(dir, "vmlab.wcl"), lab());
    }
    expect(w.vmlab(["validate"], { cwd: dir }).code).toBe(0);
  });

  test("up runs the scoped provision after alpha and before beta, streaming its log", () => {
    const r = w.vmlab(["up"], { cwd: dir });
    expect(r.stderr).toContain("alpha says provisioned");
    expect(r.code).toBe(0);
    // Scoped to alpha: beta depends on alpha, so it waits for the provision.
    expect(r.stderr).toContain("beta is stopped while alpha is provisioned");
    expect(r.stderr.indexOf("beta: starting")).toBeGreaterThan(r.stderr.indexOf("provision 1: scripts/setup.ws done"));
    expect(readFileSync(join(dir, "out", "p.txt"), "utf8")).toBe("provisioned\n");
    expect(w.vmlab(["exec", "alpha", "--", "cat", "/tmp/in.txt"], { cwd: dir }).stdout).toBe("from the host\n");
    const st = w.json<LabStatus>(["status", "--json"], { cwd: dir });
    expect(st.state).toBe("up");
  });

  test("up on the running lab does not repeat provisions whose VMs were already up", () => {
    const r = w.vmlab(["up"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("skipped, its VMs were already running");
    expect(r.stderr).not.toContain("alpha says");
  });

  test("a handler runs on vm.crashed after kill -9 of a QEMU", async () => {
    const st = w.json<LabStatus>(["status", "--json"], { cwd: dir });
    process.kill(st.vms.find((v) => v.name === "beta")?.pid as number, "SIGKILL");
    await waitFor(
      "handler log line",
      () => (w.vmlab(["logs", "-n", "500", "--json"], { cwd: dir }).stdout.includes("crash handler saw vm.crashed of beta") ? true : undefined),
      60_000,
    );
  });

  test("vmlab script runs an ad-hoc script against the running lab; vmlab provision re-runs provisions", () => {
    const adhoc = join(w.root, "adhoc.ws");
    writeFileSync(adhoc, 'fn main(lab: Lab) {\n    for vm in lab.vms() { lab.log(vm.name() + ": " + vm.state()) }\n}\n');
    const r = w.vmlab(["script", adhoc], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("alpha: running");
    const p = w.vmlab(["provision"], { cwd: dir });
    expect(p.code).toBe(0);
    expect(p.stderr).toContain("alpha says provisioned");
  });

  test("a script drives a guest by screen: OCR of the console banner, typing on tty1, a screenshot", () => {
    const screen = join(w.root, "screen.ws");
    writeFileSync(
      screen,
      `use vmlab

fn main(lab: Lab) {
    let vm = lab.vm("alpha").unwrap()
    let banner = vm.wait_for_text("vmlab tiny linux", 120).unwrap()
    lab.log("banner at " + str(banner.x) + "," + str(banner.y))
    vm.send_keys("ret").unwrap()
    vm.type_text("echo typed_$((6*7)) > /tmp/typed.txt\\n").unwrap()
    let tries = 0
    loop {
        let r = vm.exec("/bin/cat", ["/tmp/typed.txt"]).unwrap()
        if r.exit_code == 0 && r.stdout.trim() != "" { lab.log("guest file: " + r.stdout.trim()); break }
        tries = tries + 1
        if tries > 120 { lab.log("typing never took effect"); break }
        vmlab::sleep_ms(250)
    }
    let shot = vm.screenshot("shots/screen.png").unwrap()
    lab.log("screenshot " + shot)
}
`,
    );
    const r = w.vmlab(["script", screen], { cwd: dir });
    expect(r.stderr).toContain("guest file: typed_42");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/banner at \d+,\d+/);
    const png = readFileSync(join(dir, "shots", "screen.png"));
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join("")).toBe("PNG");
  });

  test("a failing provision fails up with its location and trace; the lab stays up", () => {
    writeFileSync(
      join(dir, "scripts", "fail.ws"),
      'fn step(lab: Lab) {\n    let _ = lab.vm("alpha").unwrap().exec("/no/such/program", []).unwrap()\n}\n\nfn main(lab: Lab) {\n    step(lab)\n}\n',
    );
    writeFileSync(join(dir, "vmlab.wcl"), lab('  provision { script = "scripts/fail.ws" }\n'));
    try {
      expect(w.vmlab(["down", "-q"], { cwd: dir }).code).toBe(0);
      const r = w.vmlab(["up"], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("provision.failed");
      expect(r.stderr).toContain("fail.ws:2:");
      expect(r.stderr).toMatch(/at step/);
      const st = w.json<LabStatus>(["status", "--json"], { cwd: dir });
      expect(st.vms.find((v) => v.name === "alpha")?.state).toBe("running");
      const skip = w.vmlab(["up", "--no-provision", "-q"], { cwd: dir });
      expect(skip.code).toBe(0);
    } finally {
      writeFileSync(join(dir, "vmlab.wcl"), lab());
    }
  });
});
