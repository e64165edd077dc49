/**
 * The keyboard of a running VM: `send_keys` chords and `type_text`
 * (fact_vm_input.md, fact_key_chords.md, PRD §10.3, issue 7 item 5).
 *
 * Theory of operation. Every key goes through QMP `send-key` with an explicit
 * `hold-time`: QEMU presses the chord's keys in order, then releases them in reverse
 * order, from its own key queue, pausing `hold-time` after every press and every release
 * (QEMU 7.2 `qmp_send_key`; a chord of n keys takes 2·n·hold), timed by the VM's
 * virtual clock. So a key's press and release travel in one QMP command and the hold is
 * measured inside QEMU: a loaded host that stalls between two commands can neither
 * stretch a hold into guest auto-repeat nor separate a release from its press.
 * (`input-send-event` also carries press and release in one command, but delivers them
 * back to back with no hold at all, which some firmware and installers drop.) Keys sent
 * while an earlier chord is still in QEMU's queue wait behind it, so order is kept
 * whatever the pacing; to keep that queue short (QEMU drops events beyond 1024 entries)
 * each call waits until its chord has been delivered (2·n·hold) plus `gapMs` before
 * returning or sending the next key.
 *
 * Contract: input is validated in full before the first key is sent — an unknown chord
 * name or a non-ASCII character is an `InputError` and the guest receives nothing.
 * `typeText` covers every printable US-ASCII character (shift where the US layout needs
 * it), `\n` → Enter and `\t` → Tab; the guest's keymap must be US.
 * Leaves out: other layouts, dead keys, key sequences in one `sendKeys` call.
 */
import { systemClock, type Clock } from "../clock/mod.ts";
import type { QmpExecutor } from "../qmp/commands.ts";
import { sendKey } from "../qmp/commands.ts";
import { keysForText, parseKeyChord, type QKeyCode } from "../qmp/keys.ts";
import { InputError, reasonOf } from "./errors.ts";
import { sleep } from "./poll.ts";

/** How long `sendKeys` holds a chord (QEMU's own default). */
export const DEFAULT_CHORD_HOLD_MS = 100;
/** How long `typeText` holds each key (and waits after its release). */
export const DEFAULT_TYPE_HOLD_MS = 15;
/** Extra pause between keys; with the hold ≈ 35 ms per unshifted key, as the reference. */
export const DEFAULT_TYPE_GAP_MS = 5;
/** Shortest hold: QEMU replaces a zero hold by its own 10 ms, which would break pacing. */
export const MIN_KEY_HOLD_MS = 1;
/** Longest accepted hold or gap; longer values are surely a units mistake. */
export const MAX_KEY_DELAY_MS = 10_000;

/** Pacing of `typeText`. */
export interface TypeTextOptions {
  /** Time each key is held down, and the pause after its release, ms (default `DEFAULT_TYPE_HOLD_MS`). */
  readonly holdMs?: number;
  /** Pause between one key's release and the next key, ms (default `DEFAULT_TYPE_GAP_MS`). */
  readonly gapMs?: number;
}

/** Construction options of `Keyboard`. */
export interface KeyboardOptions {
  /** Time source for pacing (tests inject one). */
  readonly clock?: Clock;
}

/** Keyboard input to one VM over its QMP session. */
export class Keyboard {
  readonly #qmp: QmpExecutor;
  readonly #vm: string;
  readonly #clock: Clock;

  constructor(qmp: QmpExecutor, vm: string, opts: KeyboardOptions = {}) {
    this.#qmp = qmp;
    this.#vm = vm;
    this.#clock = opts.clock ?? systemClock();
  }

  /**
   * Presses a chord such as `"ctrl-alt-del"`, `"enter"` or `"shift-f5"`.
   * @example await keyboard.sendKeys("ctrl-alt-del");
   */
  async sendKeys(chord: string, opts: { holdMs?: number } = {}): Promise<void> {
    const holdMs = this.#delay("holdMs", opts.holdMs ?? DEFAULT_CHORD_HOLD_MS, MIN_KEY_HOLD_MS);
    const parsed = parseKeyChord(chord);
    if (!parsed.ok) {
      throw new InputError(this.#vm, { code: "input.bad_chord", chord, name: parsed.error.name, hint: parsed.error.hint });
    }
    await this.#send(parsed.keys, holdMs, `send keys '${chord}'`);
    await sleep(this.#clock, chordMs(parsed.keys.length, holdMs));
  }

  /**
   * Types US-ASCII text one key at a time (`\n` → Enter, `\t` → Tab).
   * @example await keyboard.typeText("root\n", { gapMs: 50 });
   */
  async typeText(text: string, opts: TypeTextOptions = {}): Promise<void> {
    const holdMs = this.#delay("holdMs", opts.holdMs ?? DEFAULT_TYPE_HOLD_MS, MIN_KEY_HOLD_MS);
    const gapMs = this.#delay("gapMs", opts.gapMs ?? DEFAULT_TYPE_GAP_MS, 0);
    const mapped = keysForText(text);
    if (!mapped.ok) {
      throw new InputError(this.#vm, {
        code: "input.untypeable_char",
        char: mapped.error.char,
        index: mapped.error.index,
        hint: "type_text types printable US-ASCII, \\n and \\t only; use send_keys for other keys",
      });
    }
    for (const [i, chord] of mapped.chords.entries()) {
      await this.#send(chord, holdMs, `type character ${i} of the text`);
      await sleep(this.#clock, chordMs(chord.length, holdMs) + gapMs);
    }
  }

  async #send(keys: readonly QKeyCode[], holdMs: number, what: string): Promise<void> {
    try {
      await sendKey(this.#qmp, keys, { holdTimeMs: holdMs });
    } catch (err) {
      throw new InputError(
        this.#vm,
        { code: "input.qmp_failed", operation: what, reason: reasonOf(err), hint: "the VM may have stopped; check its state and log" },
        { cause: err },
      );
    }
  }

  #delay(option: string, value: number, min: number): number {
    if (!Number.isInteger(value) || value < min || value > MAX_KEY_DELAY_MS) {
      throw new InputError(this.#vm, { code: "input.bad_option", option, value, hint: `give whole milliseconds between ${min} and ${MAX_KEY_DELAY_MS}` });
    }
    return value;
  }
}

/** How long QEMU takes to deliver a chord of `keys` keys: a hold after each press and each release. */
export function chordMs(keys: number, holdMs: number): number {
  return 2 * keys * holdMs;
}
