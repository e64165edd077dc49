/**
 * Keyboard and mouse against the real tiny guest (TCG): `typeText` types a shell command
 * on tty1 that carries every printable US-ASCII character into a file, read back through
 * the guest agent; the absolute tablet takes moves, clicks and drags; `sendKeys
 * ("ctrl-alt-del")` makes the guest reboot. One guest for the whole file; the reboot
 * test runs last.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { machineControls, type MachineControls } from "../../core/machine/controls.ts";
import { InputError } from "../../core/machine/errors.ts";
import { Machine } from "../../core/machine/machine.ts";
import { tinyGuest, tinyTemplatePath, type TinyGuest } from "../../core/machine/testing/tiny_guest.ts";
import type { QgaClient } from "../../core/qga/mod.ts";

const BOOT_TIMEOUT_MS = 240_000;
let guest: TinyGuest;
let machine: Machine;
let agent: QgaClient;
let ctl: MachineControls;

beforeAll(async () => {
  const g = tinyGuest(await tinyTemplatePath(), { name: "input" });
  guest = { ...g, spec: { ...g.spec, usbTablet: true } };
  machine = await Machine.start(guest.spec);
  agent = await machine.waitForAgent(BOOT_TIMEOUT_MS);
  ctl = machineControls(machine);
}, BOOT_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await machine?.stop();
  guest?.cleanup();
});

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Polls a guest file until it has content (the shell runs the typed line asynchronously). */
async function readWhenWritten(path: string, deadlineMs: number): Promise<string> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const r = await agent.exec("/bin/sh", ["-c", `test -s ${path} && cat ${path}`], { timeoutMs: 30_000 });
    if (r.exitCode === 0 || Date.now() > until) return text(r.stdout);
    await Bun.sleep(250);
  }
}

describe("keyboard and mouse on the tiny guest", () => {
  test("typeText on tty1 types every printable ASCII character exactly", async () => {
    let printable = "";
    for (let c = 0x20; c < 0x7f; c++) printable += String.fromCharCode(c);
    // Inside single quotes the shell takes everything literally except the quote itself,
    // which follows outside them: printf '%s\n' '<all but '>'"'" >/tmp/typed
    const quoted = `'${printable.replace("'", "")}'"'"`;
    await ctl.keyboard.sendKeys("enter");
    await ctl.keyboard.typeText(`printf '%s\\n' ${quoted} >/tmp/typed\n`);
    const expected = `${printable.replace("'", "")}'\n`;
    expect(await readWhenWritten("/tmp/typed", 60_000)).toBe(expected);
  }, 120_000);

  test("typeText with custom pacing types a second command", async () => {
    await ctl.keyboard.typeText("echo Paced_OK >/tmp/paced\n", { holdMs: 30, gapMs: 20 });
    expect(await readWhenWritten("/tmp/paced", 60_000)).toBe("Paced_OK\n");
  }, 120_000);

  test("a bad chord is an InputError naming the unknown key", async () => {
    const err = (await ctl.keyboard.sendKeys("ctrl-alt-delite").catch((e: unknown) => e)) as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe("cannot send keys 'ctrl-alt-delite' to VM input: unknown key name 'delite'");
  });

  test("the VM has an absolute tablet that takes moves, clicks and drags", async () => {
    const mice = await machine.qmp.execute<{ name: string; absolute: boolean }[]>("query-mice");
    expect(mice.some((m) => m.absolute)).toBe(true);
    await ctl.mouse.move(360, 200);
    await ctl.mouse.click("left");
    await ctl.mouse.drag(10, 10, 700, 390, { stepMs: 5 });
    const err = (await ctl.mouse.move(720, 0).catch((e: unknown) => e)) as InputError;
    expect(err.detail).toMatchObject({ code: "input.bad_coordinates", width: 720, height: 400 });
  });

  test("sendKeys('ctrl-alt-del') makes the guest reboot", async () => {
    const reset = machine.qmp.waitForEvent("RESET", { timeoutMs: 120_000 });
    await ctl.keyboard.sendKeys("ctrl-alt-del");
    const ev = await reset;
    expect(ev.data).toMatchObject({ guest: true });
  }, 150_000);
});
