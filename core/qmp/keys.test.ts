import { describe, expect, test } from "bun:test";
import { absMove, click, INPUT_ABS_MAX, keyEvent, relMove } from "./input.ts";
import { isQKeyCode, keysForText, parseKeyChord } from "./keys.ts";

describe("parseKeyChord", () => {
  test("maps friendly aliases to QKeyCodes case-insensitively", () => {
    expect(parseKeyChord("Ctrl-Alt-Del")).toEqual({ ok: true, keys: ["ctrl", "alt", "delete"] });
    expect(parseKeyChord("win-enter")).toEqual({ ok: true, keys: ["meta_l", "ret"] });
    expect(parseKeyChord("shift-f5")).toEqual({ ok: true, keys: ["shift", "f5"] });
    expect(parseKeyChord("pageup")).toEqual({ ok: true, keys: ["pgup"] });
  });

  test("accepts raw QKeyCode names", () => {
    expect(parseKeyChord("kp_enter")).toEqual({ ok: true, keys: ["kp_enter"] });
  });

  test("reports the unknown name inside the chord", () => {
    const r = parseKeyChord("ctrl-bogus");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: "qmp.bad_key_name", chord: "ctrl-bogus", name: "bogus" });
  });

  test("knows every letter, digit and function key", () => {
    for (const k of [..."abcdefghijklmnopqrstuvwxyz0123456789", "f1", "f12", "esc", "spc"]) expect(isQKeyCode(k)).toBe(true);
  });
});

describe("keysForText", () => {
  test("types lowercase, uppercase with shift, and shifted symbols", () => {
    expect(keysForText("aB >\n")).toEqual({ ok: true, chords: [["a"], ["shift", "b"], ["spc"], ["shift", "dot"], ["ret"]] });
  });

  test("rejects non-ASCII characters with their index", () => {
    const r = keysForText("hé");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: "qmp.untypeable_char", char: "é", index: 1 });
  });
});

describe("input-send-event builders", () => {
  test("keyEvent uses the qcode key form", () => {
    expect(keyEvent("a", true)).toEqual({ type: "key", data: { down: true, key: { type: "qcode", data: "a" } } });
  });

  test("absMove scales pixels to 0..0x7fff and clamps", () => {
    expect(absMove(0, 599, 800, 600)).toEqual([
      { type: "abs", data: { axis: "x", value: 0 } },
      { type: "abs", data: { axis: "y", value: INPUT_ABS_MAX } },
    ]);
    expect(absMove(9999, -5, 800, 600).map((e) => e.data)).toEqual([
      { axis: "x", value: INPUT_ABS_MAX },
      { axis: "y", value: 0 },
    ]);
  });

  test("click presses then releases and relMove rounds", () => {
    expect(click("left").map((e) => e.data)).toEqual([
      { down: true, button: "left" },
      { down: false, button: "left" },
    ]);
    expect(relMove(1.6, -2).map((e) => e.data)).toEqual([
      { axis: "x", value: 2 },
      { axis: "y", value: -2 },
    ]);
  });
});
