import { describe, expect, test } from "bun:test";
import { InputError } from "./errors.ts";
import { chordMs, DEFAULT_CHORD_HOLD_MS, DEFAULT_TYPE_GAP_MS, DEFAULT_TYPE_HOLD_MS, Keyboard } from "./keyboard.ts";
import { InstantClock } from "./testing/instant_clock.ts";
import { RecordingQmp } from "./testing/recording_qmp.ts";

function setup() {
  const qmp = new RecordingQmp();
  const clock = new InstantClock();
  return { qmp, clock, kb: new Keyboard(qmp, "web", { clock }) };
}

const keysOf = (qmp: RecordingQmp) => qmp.named("send-key").map((c) => (c.args?.["keys"] as { data: string }[]).map((k) => k.data).join("+"));

describe("Keyboard.sendKeys()", () => {
  test("sends the chord in one send-key with the hold and waits until QEMU delivered it", async () => {
    const { qmp, clock, kb } = setup();
    await kb.sendKeys("Ctrl-Alt-Del");
    expect(qmp.commands).toEqual([
      {
        command: "send-key",
        args: {
          keys: [
            { type: "qcode", data: "ctrl" },
            { type: "qcode", data: "alt" },
            { type: "qcode", data: "delete" },
          ],
          "hold-time": DEFAULT_CHORD_HOLD_MS,
        },
      },
    ]);
    expect(clock.sleeps).toEqual([chordMs(3, DEFAULT_CHORD_HOLD_MS)]);
  });

  test("an unknown key name is an input.bad_chord error and nothing is sent", async () => {
    const { qmp, kb } = setup();
    const err = await kb.sendKeys("ctrl-bogus").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).detail).toMatchObject({ code: "input.bad_chord", chord: "ctrl-bogus", name: "bogus" });
    expect((err as InputError).message).toBe("cannot send keys 'ctrl-bogus' to VM web: unknown key name 'bogus'");
    expect(qmp.commands).toEqual([]);
  });

  test("a QMP failure is wrapped as input.qmp_failed with the cause", async () => {
    const { qmp, kb } = setup();
    qmp.fail("send-key", "VM not running");
    const err = (await kb.sendKeys("enter").catch((e: unknown) => e)) as InputError;
    expect(err.code).toBe("input.qmp_failed");
    expect(err.message).toContain("VM not running");
    expect(err.cause).toBeDefined();
  });

  test("a zero or fractional hold is rejected", async () => {
    const { kb } = setup();
    expect((await kb.sendKeys("a", { holdMs: 0 }).catch((e: unknown) => e)) as InputError).toMatchObject({
      detail: { code: "input.bad_option", option: "holdMs" },
    });
    expect((await kb.sendKeys("a", { holdMs: 1.5 }).catch((e: unknown) => e)) as InputError).toMatchObject({ detail: { code: "input.bad_option" } });
  });
});

describe("Keyboard.typeText()", () => {
  test("types every printable US-ASCII character, with shift where the US layout needs it", async () => {
    const { qmp, kb } = setup();
    let all = "";
    for (let c = 0x20; c < 0x7f; c++) all += String.fromCharCode(c);
    await kb.typeText(all + "\n\t");
    const sent = keysOf(qmp);
    expect(sent.length).toBe(95 + 2);
    expect(sent.slice(0, 4)).toEqual(["spc", "shift+1", "shift+apostrophe", "shift+3"]);
    expect(sent[all.indexOf("A")]).toBe("shift+a");
    expect(sent[all.indexOf("a")]).toBe("a");
    expect(sent[all.indexOf("~")]).toBe("shift+grave_accent");
    expect(sent.slice(-2)).toEqual(["ret", "tab"]);
    for (const c of qmp.named("send-key")) expect(c.args?.["hold-time"]).toBe(DEFAULT_TYPE_HOLD_MS);
  });

  test("paces each key by its delivery time plus the gap", async () => {
    const { clock, kb } = setup();
    await kb.typeText("aB", { holdMs: 20, gapMs: 7 });
    expect(clock.sleeps).toEqual([2 * 20 + 7, 4 * 20 + 7]);
    const d = setup();
    await d.kb.typeText("x");
    expect(d.clock.sleeps).toEqual([2 * DEFAULT_TYPE_HOLD_MS + DEFAULT_TYPE_GAP_MS]);
  });

  test("rejects non-ASCII text before sending anything", async () => {
    const { qmp, kb } = setup();
    const err = (await kb.typeText("naïve").catch((e: unknown) => e)) as InputError;
    expect(err.detail).toMatchObject({ code: "input.untypeable_char", char: "ï", index: 2 });
    expect(err.message).toBe('cannot type text on VM web: character "ï" at index 2 is not printable US-ASCII');
    expect(qmp.commands).toEqual([]);
  });

  test("rejects control characters other than newline and tab", async () => {
    const { kb } = setup();
    expect(((await kb.typeText("a\rb").catch((e: unknown) => e)) as InputError).detail).toMatchObject({ code: "input.untypeable_char", index: 1 });
  });
});

describe("chord vocabulary (fact_key_chords.md)", () => {
  test("every documented name is accepted", async () => {
    const names =
      "ctrl alt shift win super meta enter return esc del space tab backspace up down left right home end pgup pageup pgdn pagedown insert menu print pause caps_lock num_lock scroll_lock".split(
        " ",
      );
    for (let i = 1; i <= 12; i++) names.push(`f${i}`);
    names.push(..."abcdefghijklmnopqrstuvwxyz0123456789");
    const { qmp, kb } = setup();
    for (const n of names) await kb.sendKeys(n);
    await kb.sendKeys("shift-f5");
    expect(qmp.named("send-key").length).toBe(names.length + 1);
  });
});
