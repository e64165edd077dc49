/**
 * `npm run demo` — vmlab's main job on a bundled example.
 *
 * Until the lab lifecycle exists this boots the tiny template through the
 * QEMU core (linked clone, argv builder, supervision, QMP), waits for the
 * guest agent, prints the guest's `uname -a`, and powers the guest off with
 * the ACPI button.
 */
import { Machine } from "../core/machine/machine.ts";
import { tinyGuest, tinyTemplatePath } from "../core/machine/testing/tiny_guest.ts";

const template = await tinyTemplatePath();
const guest = tinyGuest(template, { name: "demo" });
const t0 = performance.now();
const say = (s: string) => process.stderr.write(`[demo +${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}\n`);
let machine: Machine | undefined;
try {
  say(`booting a linked clone of ${template} (accel ${guest.spec.accel})`);
  machine = await Machine.start(guest.spec);
  say("QEMU is up; waiting for the guest agent");
  const agent = await machine.waitForAgent();
  const r = await agent.exec("/bin/uname", ["-a"], { timeoutMs: 30_000 });
  process.stdout.write(new TextDecoder().decode(r.stdout));
  say("powering off (ACPI)");
  const exit = await machine.powerdown();
  say(`QEMU exited with status ${exit.code}`);
  machine = undefined;
} catch (e) {
  process.stderr.write(`demo failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await machine?.stop();
  guest.cleanup();
}
