import { describe, expect, test } from "bun:test";
import { INPUT_ABS_MAX } from "../qmp/input.ts";
import { InputError } from "./errors.ts";
import { DEFAULT_CLICK_HOLD_MS, dragPath, Mouse } from "./mouse.ts";
import { InstantClock } from "./testing/instant_clock.ts";
import { RecordingQmp } from "./testing/recording_qmp.ts";

const TABLET = [
  { index: 3, name: "QEMU HID Tablet", current: false, absolute: true },
  { index: 2, name: "QEMU PS/2 Mouse", current: true, absolute: false },
];

function setup(mice: unknown = TABLET) {
  const qmp = new RecordingQmp().handle("query-mice", () => mice);
  const clock = new InstantClock();
  let sizeCalls = 0;
  const mouse = new Mouse(qmp, "desk", { clock, screenSize: async () => (sizeCalls++, { width: 1025, height: 769 }) });
  return { qmp, clock, mouse, sizeCalls: () => sizeCalls };
}

const sent = (qmp: RecordingQmp) => qmp.named("input-send-event").map((c) => c.args?.["events"]);

describe("Mouse", () => {
  test("move scales pixels to QEMU's absolute axis range", async () => {
    const { qmp, mouse } = setup();
    await mouse.move(512, 768);
    expect(sent(qmp)).toEqual([
      [
        { type: "abs", data: { axis: "x", value: Math.round((512 * INPUT_ABS_MAX) / 1024) } },
        { type: "abs", data: { axis: "y", value: INPUT_ABS_MAX } },
      ],
    ]);
  });

  test("click sends press and release in separate commands with a hold between", async () => {
    const { qmp, clock, mouse } = setup();
    await mouse.click("Right");
    expect(sent(qmp)).toEqual([[{ type: "btn", data: { down: true, button: "right" } }], [{ type: "btn", data: { down: false, button: "right" } }]]);
    expect(clock.sleeps).toEqual([DEFAULT_CLICK_HOLD_MS]);
  });

  test("drag presses at the start, moves in even steps and releases at the end", async () => {
    const { qmp, mouse, sizeCalls } = setup();
    await mouse.drag(0, 0, 800, 400, { steps: 4, stepMs: 5 });
    const events = sent(qmp) as { type: string; data: Record<string, unknown> }[][];
    expect(events.length).toBe(1 + 1 + 4 + 1);
    expect(events[1]).toEqual([{ type: "btn", data: { down: true, button: "left" } }]);
    expect(events[5]?.map((e) => e.data["value"])).toEqual([Math.round((800 * INPUT_ABS_MAX) / 1024), Math.round((400 * INPUT_ABS_MAX) / 768)]);
    expect(events[6]).toEqual([{ type: "btn", data: { down: false, button: "left" } }]);
    expect(sizeCalls()).toBe(1);
  });

  test("dragPath ends exactly at the target", () => {
    expect(dragPath(0, 0, 10, -5, 4)).toEqual([
      [3, -1],
      [5, -2],
      [8, -4],
      [10, -5],
    ]);
  });

  test("points outside the screen are rejected with the screen size", async () => {
    const { qmp, mouse } = setup();
    const err = (await mouse.move(1025, 10).catch((e: unknown) => e)) as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.detail).toMatchObject({ code: "input.bad_coordinates", x: 1025, y: 10, width: 1025, height: 769 });
    expect(err.message).toBe("cannot move the mouse on VM desk to (1025, 10): outside the 1025×769 screen");
    expect(sent(qmp)).toEqual([]);
  });

  test("an unknown button is rejected before anything is sent", async () => {
    const { qmp, mouse } = setup();
    expect(((await mouse.click("thumb").catch((e: unknown) => e)) as InputError).detail).toMatchObject({ code: "input.bad_button", button: "thumb" });
    expect(qmp.commands).toEqual([]);
  });

  test("a VM without an absolute pointer is input.no_tablet", async () => {
    const { mouse } = setup([{ index: 2, name: "QEMU PS/2 Mouse", current: true, absolute: false }]);
    const err = (await mouse.move(1, 1).catch((e: unknown) => e)) as InputError;
    expect(err.code).toBe("input.no_tablet");
    expect(err.hint).toContain("usb-tablet");
  });

  test("the pointer check runs once per instance", async () => {
    const { qmp, mouse } = setup();
    await mouse.move(1, 1);
    await mouse.click();
    expect(qmp.named("query-mice").length).toBe(1);
  });
});
