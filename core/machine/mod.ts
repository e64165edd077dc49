/**
 * A running VM and its automation (PRD §7, §10.3; issue 2 and issue 7 items 5–7).
 *
 * - `Machine`: QEMU + QMP + guest agent as one unit (`machine.ts`).
 * - `machineControls(machine, opts)` → `{keyboard, mouse, screen, snapshots, offlineSnapshots}`.
 * - `Keyboard`: `sendKeys(chord)`, `typeText(text, {holdMs, gapMs})` (`keyboard.ts`).
 * - `Mouse`: `move(x, y)`, `click(button)`, `drag(x1, y1, x2, y2)` (`mouse.ts`).
 * - `Screen`: `screenshot`, `saveScreenshot`, `findImage`, `waitForImage`, `waitForAny`,
 *   `ocr`, `waitForText` → `ScreenMatch` (`screen.ts`), over a `ScreenSource`.
 * - `LiveSnapshots` / `OfflineSnapshots`: take, restore, list, delete (`snapshots.ts`).
 * - Errors: `InputError`, `ScreenError`, `SnapshotError`, each with a `detail` union on
 *   `code`; `formatAutomationError` gives the one-line script form.
 */
export { AGENT_READY_TIMEOUT_MS, Machine, MachineError, POWERDOWN_TIMEOUT_MS, QMP_STARTUP_TIMEOUT_MS } from "./machine.ts";
export type { MachineStartOptions } from "./machine.ts";
export { machineControls } from "./controls.ts";
export type { ControlsOptions, MachineControls } from "./controls.ts";
export { formatAutomationError, InputError, isAutomationError, ScreenError, SnapshotError } from "./errors.ts";
export type { AutomationError, BestSeen, InputErrorDetail, ScreenErrorDetail, SnapshotErrorDetail, SnapshotOperation } from "./errors.ts";
export { chordMs, DEFAULT_CHORD_HOLD_MS, DEFAULT_TYPE_GAP_MS, DEFAULT_TYPE_HOLD_MS, Keyboard, MAX_KEY_DELAY_MS, MIN_KEY_HOLD_MS } from "./keyboard.ts";
export type { KeyboardOptions, TypeTextOptions } from "./keyboard.ts";
export { DEFAULT_CLICK_HOLD_MS, DEFAULT_DRAG_STEP_MS, DEFAULT_DRAG_STEPS, dragPath, Mouse, MOUSE_BUTTONS } from "./mouse.ts";
export type { DragOptions, MouseButton, MouseOptions, ScreenSize } from "./mouse.ts";
export { DEFAULT_POLL_BACKOFF, pollUntil, sleep } from "./poll.ts";
export type { Backoff, PollOutcome } from "./poll.ts";
export { DEFAULT_WAIT_TIMEOUT_MS, MAX_WAIT_TIMEOUT_MS, Screen } from "./screen.ts";
export type { FindImageOptions, Needle, ScreenOptions, WaitImageOptions, WaitTextOptions } from "./screen.ts";
export { imageHit } from "./screen_match.ts";
export type { ScreenMatch } from "./screen_match.ts";
export { QmpScreenSource, SCREENDUMP_TIMEOUT_MS } from "./screen_source.ts";
export type { ScreenSource } from "./screen_source.ts";
export { LiveSnapshots, MAX_SNAPSHOT_NAME, SNAPSHOT_JOB_TIMEOUT_MS, snapshotNameProblem } from "./snapshots.ts";
export { OfflineSnapshots } from "./snapshots_offline.ts";
export type { LiveSnapshotOptions, SnapshotInfo } from "./snapshots.ts";
export { compilePattern, matchText } from "./text_match.ts";
export { JOB_POLL_BACKOFF, JobTimeout, runJob } from "./jobs.ts";
