/**
 * Builders for `input-send-event` events (QAPI ui.json `InputEvent`).
 *
 * Wire shapes: `{"type": "key", "data": {"down": bool, "key": {"type": "qcode", "data": <QKeyCode>}}}`,
 * `{"type": "btn", "data": {"down": bool, "button": <InputButton>}}`,
 * `{"type": "abs"|"rel", "data": {"axis": "x"|"y", "value": int}}`.
 * Absolute coordinates are in QEMU's device-independent range 0..0x7fff, so a pixel
 * position must be scaled by the current screen size (`absMove`). Absolute events only
 * reach the guest when it has an absolute pointer (e.g. `-device usb-tablet`).
 */
import type { QKeyCode } from "./keys.ts";

/** QEMU's maximum absolute axis value (`INPUT_EVENT_ABS_MAX`). */
export const INPUT_ABS_MAX = 0x7fff;

/** QAPI `InputButton`. */
export type InputButton = "left" | "middle" | "right" | "wheel-up" | "wheel-down" | "side" | "extra" | "wheel-left" | "wheel-right";

/** QAPI `InputAxis`. */
export type InputAxis = "x" | "y";

/** A key by QKeyCode name or by raw number (QAPI `KeyValue`). */
export type KeyValue = { type: "qcode"; data: QKeyCode } | { type: "number"; data: number };

/** QAPI `InputEvent`. */
export type InputEvent =
  | { type: "key"; data: { down: boolean; key: KeyValue } }
  | { type: "btn"; data: { down: boolean; button: InputButton } }
  | { type: "rel"; data: { axis: InputAxis; value: number } }
  | { type: "abs"; data: { axis: InputAxis; value: number } };

/** Key press (`down = true`) or release. */
export function keyEvent(key: QKeyCode, down: boolean): InputEvent {
  return { type: "key", data: { down, key: { type: "qcode", data: key } } };
}

/** Button press or release. */
export function buttonEvent(button: InputButton, down: boolean): InputEvent {
  return { type: "btn", data: { down, button } };
}

/** Scales pixel `(x, y)` on a `width`×`height` screen to absolute pointer events. */
export function absMove(x: number, y: number, width: number, height: number): InputEvent[] {
  return [
    { type: "abs", data: { axis: "x", value: scale(x, width) } },
    { type: "abs", data: { axis: "y", value: scale(y, height) } },
  ];
}

/** Relative pointer motion by `(dx, dy)`. */
export function relMove(dx: number, dy: number): InputEvent[] {
  return [
    { type: "rel", data: { axis: "x", value: Math.round(dx) } },
    { type: "rel", data: { axis: "y", value: Math.round(dy) } },
  ];
}

/** Press and release of `button`. */
export function click(button: InputButton): InputEvent[] {
  return [buttonEvent(button, true), buttonEvent(button, false)];
}

function scale(pos: number, size: number): number {
  if (size <= 1) return 0;
  const clamped = Math.min(Math.max(pos, 0), size - 1);
  return Math.round((clamped * INPUT_ABS_MAX) / (size - 1));
}
