/**
 * The tiny guest powers off cleanly when the guest agent is asked to
 * (`guest-shutdown`), and QEMU exits 0 — the first rung of `vmlab down`.
 */
import { afterAll, expect, test } from "bun:test";
import { Machine } from "../../core/machine/machine.ts";
import { tinyGuest, tinyTemplatePath, type TinyGuest } from "../../core/machine/testing/tiny_guest.ts";
import { withDeadline } from "../../core/qemu/process.ts";

let guest: TinyGuest | undefined;
let machine: Machine | undefined;

afterAll(async () => {
  await machine?.stop();
  guest?.cleanup();
});

test("guest-shutdown through the agent powers the guest off and QEMU exits 0", async () => {
  guest = tinyGuest(await tinyTemplatePath(), { name: "shutdown" });
  machine = await Machine.start(guest.spec);
  const agent = await machine.waitForAgent(240_000);
  await agent.shutdown("powerdown");
  const exit = await withDeadline(machine.process.exited, 120_000);
  expect(exit).toEqual({ code: 0, signal: null });
}, 400_000);
