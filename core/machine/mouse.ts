/**
 * The mouse of a running VM: absolute `mouse_move`, `mouse_click` and an 8-step
 * `mouse_drag` (fact_vm_input.md, PRD §10.3, issue 7 item 5).
 *
 * Theory of operation. Pixel positions go to QEMU as absolute pointer events
 * (`input-send-event`, axes scaled to 0..0x7fff by the current screen size), which
 * only an absolute pointing device turns into guest input: a `usb-tablet` or
 * `virtio-tablet` (QemuVmSpec `usbTablet` / `virtioTablet`). The first pointer call
 * checks `query-mice` for one and fails with `input.no_tablet` otherwise, instead of
 * moving nothing silently. Button presses and releases go in *separate* commands with
 * a hold between them: QEMU coalesces the events of one `input-send-event` into one
 * pointer report, so a press and release sent together would cancel out.
 *
 * Contract: coordinates are integer pixels inside the current screen (checked against
 * a fresh screen size from `screenSize()`), buttons are `left`, `right` or `middle`;
 * anything else is an `InputError` before anything is sent.
 */
import { systemClock, type Clock } from "../clock/mod.ts";
import type { QmpExecutor } from "../qmp/commands.ts";
import { inputSendEvent } from "../qmp/commands.ts";
import { absMove, buttonEvent, type InputEvent } from "../qmp/input.ts";
import { InputError, reasonOf } from "./errors.ts";
import { sleep } from "./poll.ts";

/** The buttons scripts can press. */
export const MOUSE_BUTTONS = ["left", "right", "middle"] as const;
/** A button scripts can press. */
export type MouseButton = (typeof MOUSE_BUTTONS)[number];

/** How long a click holds the button down. */
export const DEFAULT_CLICK_HOLD_MS = 60;
/** Intermediate positions of a drag (the reference's "human-ish 8-step drag"). */
export const DEFAULT_DRAG_STEPS = 8;
/** Pause at each drag step. */
export const DEFAULT_DRAG_STEP_MS = 30;

/** Longest accepted hold or step pause. */
export const MAX_MOUSE_DELAY_MS = 10_000;

/** A screen size in pixels. */
export interface ScreenSize {
  readonly width: number;
  readonly height: number;
}

/** Construction options of `Mouse`. */
export interface MouseOptions {
  /** The current screen size (normally a fresh screendump's). */
  readonly screenSize: () => Promise<ScreenSize>;
  /** Time source for holds and drag pacing. */
  readonly clock?: Clock;
}

/** Options of `drag`. */
export interface DragOptions {
  readonly button?: MouseButton;
  readonly steps?: number;
  readonly stepMs?: number;
}

interface MouseInfo {
  readonly name: string;
  readonly absolute: boolean;
}

/** Absolute-pointer input to one VM over its QMP session. */
export class Mouse {
  readonly #qmp: QmpExecutor;
  readonly #vm: string;
  readonly #clock: Clock;
  readonly #screenSize: () => Promise<ScreenSize>;
  #hasTablet = false;

  constructor(qmp: QmpExecutor, vm: string, opts: MouseOptions) {
    this.#qmp = qmp;
    this.#vm = vm;
    this.#clock = opts.clock ?? systemClock();
    this.#screenSize = opts.screenSize;
  }

  /**
   * Moves the pointer to pixel `(x, y)` of the current screen.
   * @example const m = await screen.waitForImage("images/ok.png", { timeoutMs: 30_000 });
   * await mouse.move(m.cx, m.cy); await mouse.click("left");
   */
  async move(x: number, y: number): Promise<void> {
    await this.#requireTablet();
    const size = await this.#size();
    this.#checkPoint(x, y, size);
    await this.#send(absMove(x, y, size.width, size.height), `move the mouse to (${x}, ${y})`);
  }

  /** Presses and releases `button` where the pointer is. */
  async click(button: string = "left", opts: { holdMs?: number } = {}): Promise<void> {
    const b = this.#button(button);
    const holdMs = this.#ms("holdMs", opts.holdMs ?? DEFAULT_CLICK_HOLD_MS);
    await this.#requireTablet();
    await this.#send([buttonEvent(b, true)], `press the ${b} button`);
    await sleep(this.#clock, holdMs);
    await this.#send([buttonEvent(b, false)], `release the ${b} button`);
  }

  /** Presses `button` at `(x1, y1)`, moves in `steps` even steps to `(x2, y2)`, releases. */
  async drag(x1: number, y1: number, x2: number, y2: number, opts: DragOptions = {}): Promise<void> {
    const b = this.#button(opts.button ?? "left");
    const steps = opts.steps ?? DEFAULT_DRAG_STEPS;
    if (!Number.isInteger(steps) || steps < 1 || steps > 1000) {
      throw new InputError(this.#vm, { code: "input.bad_option", option: "steps", value: steps, hint: "give between 1 and 1000 steps" });
    }
    const stepMs = this.#ms("stepMs", opts.stepMs ?? DEFAULT_DRAG_STEP_MS);
    await this.#requireTablet();
    const size = await this.#size();
    this.#checkPoint(x1, y1, size);
    this.#checkPoint(x2, y2, size);
    await this.#send(absMove(x1, y1, size.width, size.height), `move the mouse to (${x1}, ${y1})`);
    await sleep(this.#clock, stepMs);
    await this.#send([buttonEvent(b, true)], `press the ${b} button`);
    for (const [x, y] of dragPath(x1, y1, x2, y2, steps)) {
      await sleep(this.#clock, stepMs);
      await this.#send(absMove(x, y, size.width, size.height), `drag the mouse to (${x}, ${y})`);
    }
    await sleep(this.#clock, stepMs);
    await this.#send([buttonEvent(b, false)], `release the ${b} button`);
  }

  async #requireTablet(): Promise<void> {
    if (this.#hasTablet) return;
    let mice: MouseInfo[];
    try {
      mice = await this.#qmp.execute<MouseInfo[]>("query-mice");
    } catch (err) {
      throw new InputError(
        this.#vm,
        { code: "input.qmp_failed", operation: "list pointing devices", reason: reasonOf(err), hint: "the VM may have stopped" },
        { cause: err },
      );
    }
    if (!Array.isArray(mice) || !mice.some((m) => m.absolute === true)) {
      throw new InputError(this.#vm, {
        code: "input.no_tablet",
        hint: "give the VM an absolute pointer (usb-tablet or virtio-tablet in its profile's devices)",
      });
    }
    this.#hasTablet = true;
  }

  async #size(): Promise<ScreenSize> {
    try {
      return await this.#screenSize();
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError(
        this.#vm,
        { code: "input.qmp_failed", operation: "read the screen size", reason: reasonOf(err), hint: "the VM may have no display" },
        { cause: err },
      );
    }
  }

  #checkPoint(x: number, y: number, size: ScreenSize): void {
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= size.width || y >= size.height) {
      throw new InputError(this.#vm, {
        code: "input.bad_coordinates",
        x,
        y,
        width: size.width,
        height: size.height,
        hint: "coordinates are whole pixels from the top-left corner of the current screen",
      });
    }
  }

  #ms(option: string, value: number): number {
    if (!Number.isInteger(value) || value < 0 || value > MAX_MOUSE_DELAY_MS) {
      throw new InputError(this.#vm, { code: "input.bad_option", option, value, hint: `give whole milliseconds between 0 and ${MAX_MOUSE_DELAY_MS}` });
    }
    return value;
  }

  #button(name: string): MouseButton {
    const b = name.toLowerCase();
    if ((MOUSE_BUTTONS as readonly string[]).includes(b)) return b as MouseButton;
    throw new InputError(this.#vm, { code: "input.bad_button", button: name, hint: `use one of ${MOUSE_BUTTONS.join(", ")}` });
  }

  async #send(events: InputEvent[], what: string): Promise<void> {
    try {
      await inputSendEvent(this.#qmp, events);
    } catch (err) {
      throw new InputError(
        this.#vm,
        { code: "input.qmp_failed", operation: what, reason: reasonOf(err), hint: "the VM may have stopped; check its state and log" },
        { cause: err },
      );
    }
  }
}

/** The `steps` points after the start on the straight line to the end, the last being the end. */
export function dragPath(x1: number, y1: number, x2: number, y2: number, steps: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 1; i <= steps; i++) {
    out.push([Math.round(x1 + ((x2 - x1) * i) / steps), Math.round(y1 + ((y2 - y1) * i) / steps)]);
  }
  return out;
}
