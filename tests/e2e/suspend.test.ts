/**
 * `vmlab vm suspend|resume` and the script API's `vm.suspend()`/`vm.resume()`
 * (issue #16 item 6), from the compiled binary with the tiny guest under TCG:
 * while suspended the guest's clock (`/proc/uptime`) stands still across a
 * wall-clock pause, `status` shows `paused`, guest work is refused with a
 * coded error, and after resume the clock advances again.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { TINY_REF, World } from "./_lab.ts";

const LAB = `lab "susp" {
  vm "g" {
    template = "${TINY_REF}"
    memory   = 256MiB
  }
}
`;

/** Wall-clock pause while the guest is suspended; the guest clock must not move by anything close to it. */
const PAUSE_MS = 3_000;

let w: World;
let dir: string;

function guestUptime(): number {
  const r = w.vmlab(["exec", "g", "--", "cat", "/proc/uptime"], { cwd: dir });
  if (r.code !== 0) throw new Error(`exec failed: ${r.stderr}`);
  return Number.parseFloat(r.stdout.split(" ")[0] as string);
}

function vmState(): string {
  const st = w.json<{ vms: { name: string; state: string }[] }>(["status", "--json"], { cwd: dir });
  return st.vms.find((v) => v.name === "g")?.state ?? "?";
}

beforeAll(async () => {
  w = new World("vmlab-susp-");
  await w.adoptTiny();
  dir = w.lab("susp", LAB);
  const up = w.vmlab(["up"], { cwd: dir });
  if (up.code !== 0) throw new Error(`up failed: ${up.stderr}`);
});

afterAll(() => w.teardown());

describe("vm suspend and resume", () => {
  test("resuming a running VM is refused with a coded error", () => {
    const r = w.vmlab(["vm", "resume", "g"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[vm.not_paused]");
    expect(r.stderr).toContain("vmlab vm suspend g");
  });

  test("a suspended guest's clock stops; status shows paused; resume lets it advance again", async () => {
    const before = guestUptime();
    const s = w.vmlab(["vm", "suspend", "g"], { cwd: dir });
    expect(s.code).toBe(0);
    expect(vmState()).toBe("paused");
    const human = w.vmlab(["status"], { cwd: dir });
    expect(human.stdout).toMatch(/\bg\s+paused\b/);
    // Guest work is refused, not hung.
    const ex = w.vmlab(["exec", "g", "--", "true"], { cwd: dir });
    expect(ex.code).toBe(1);
    expect(ex.stderr).toContain("error[vm.paused]");
    // Suspending twice is harmless.
    expect(w.vmlab(["vm", "suspend", "g"], { cwd: dir }).code).toBe(0);
    await Bun.sleep(PAUSE_MS);
    const r = w.json<{ state: string }>(["vm", "resume", "g", "--json"], { cwd: dir });
    expect(r.state).toBe("running");
    const after = guestUptime();
    // The exec calls around the pause take some guest time; the pause itself must not show.
    expect(after - before).toBeLessThan(PAUSE_MS / 1000);
    await Bun.sleep(PAUSE_MS);
    const later = guestUptime();
    expect(later - after).toBeGreaterThanOrEqual((PAUSE_MS / 1000) * 0.8);
    const logs = w.vmlab(["logs", "g"], { cwd: dir });
    expect(logs.stdout + logs.stderr).toContain("vm.suspended");
    expect(logs.stdout + logs.stderr).toContain("vm.resumed");
  }, 120_000);

  test("scripts suspend and resume through vm.suspend()/vm.resume()", () => {
    writeFileSync(
      join(dir, "pause.ws"),
      `fn main(lab: Lab) {
    let vm = lab.vm("g").unwrap()
    vm.suspend().unwrap()
    lab.log("state " + vm.state())
    match vm.suspend() { Ok(_) => lab.log("again ok"), Err(e) => lab.log(e) }
    vm.resume().unwrap()
    lab.log("state " + vm.state())
    match vm.resume() { Ok(_) => lab.log("resumed twice"), Err(e) => lab.log("refused: " + e) }
}
`,
    );
    const r = w.vmlab(["script", "pause.ws"], { cwd: dir });
    expect(r.code).toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain("state paused");
    expect(out).toContain("again ok");
    expect(out).toContain("state running");
    expect(out).toMatch(/refused: .*cannot resume VM g: it is running, not paused/);
  }, 120_000);

  test("suspending a stopped VM is refused with a coded error", () => {
    expect(w.vmlab(["vm", "stop", "g", "--force"], { cwd: dir }).code).toBe(0);
    const r = w.vmlab(["vm", "suspend", "g"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[vm.not_running]");
    expect(r.stderr).toContain("cannot suspend VM g: it is stopped");
  });
});
