/**
 * Script values ⇄ host values for the `vmlab` module: the three data structs
 * (ExecResult, Match, Event), argument checks that turn script ints into bounded JS
 * numbers, and `attempt`, which turns a thrown error into `Err(message)`.
 *
 * Contract: nothing here throws into a script — a bad argument is a `BadArgument`
 * caught by `attempt` and returned as `Err("Cannot <action>: <what is wrong>")`. The
 * error text of a failed host call is its one-line message plus ` — hint: <hint>` when
 * the error carries a hint (core/machine and core/qga errors do).
 */
import { Err, Ok, type Int } from "../../wscript/mod.ts";
import type { ScreenMatch } from "../machine/screen_match.ts";
import type { GuestExecResult, ScreenRegion } from "./handle.ts";

/** Longest wait a script may ask for (a day): anything longer is surely a units mistake. */
export const MAX_TIMEOUT_SECS = 86_400;

/** A script argument out of range; becomes the `Err` text. */
export class BadArgument extends Error {
  override readonly name = "BadArgument";
}

/** The `Err` text of any thrown value. */
export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const hint = (e as { hint?: unknown }).hint;
  return typeof hint === "string" && hint !== "" && !e.message.includes(hint) ? `${e.message} — hint: ${hint}` : e.message;
}

/**
 * Run a host call: its value as `Ok`, any failure as `Err(text)`. `action` words a bad
 * argument's error ("Cannot <action>: <problem>"); host errors already name their action.
 */
export async function attempt<T>(action: string, f: () => Promise<T> | T, wrap: (v: T) => unknown = (v) => v): Promise<unknown> {
  try {
    return Ok(wrap(await f()));
  } catch (e) {
    return Err(e instanceof BadArgument ? `Cannot ${action}: ${e.message}` : errorText(e));
  }
}

/** A script int as a JS number within [min, max], or a `BadArgument` naming it. */
export function intArg(v: Int, what: string, min: number, max: number): number {
  const n = typeof v === "bigint" ? Number(v) : v;
  if (!Number.isFinite(n) || n < min || n > max) throw new BadArgument(`${what} = ${String(v)} is out of range (${min}..${max})`);
  return n;
}

/** `timeout_secs` → milliseconds. */
export function timeoutMs(secs: Int): number {
  return intArg(secs, "timeout_secs", 0, MAX_TIMEOUT_SECS) * 1000;
}

/** `[x, y, w, h]` → a region; `[]` → undefined (whole screen). */
export function regionArg(r: readonly Int[]): ScreenRegion | undefined {
  if (r.length === 0) return undefined;
  if (r.length !== 4) throw new BadArgument(`region must be [x, y, w, h] or [], got ${r.length} element${r.length === 1 ? "" : "s"}`);
  const [x, y, w, h] = r.map((v, i) => intArg(v, ["x", "y", "w", "h"][i] as string, i < 2 ? 0 : 1, 65_535)) as [number, number, number, number];
  return { x, y, w, h };
}

/** A threshold in (0, 1]. */
export function thresholdArg(t: number): number {
  if (!(t > 0 && t <= 1)) throw new BadArgument(`threshold = ${t} must be in (0, 1]`);
  return t;
}

/** A host-built instance of a data struct declared by the module (plain object + field table). */
function struct(name: string, fields: Record<string, unknown>): Record<string, unknown> {
  return { ...fields, $n: name, $f: Object.keys(fields).map((k) => [k, k]) };
}

/** `struct ExecResult { exit_code: int, stdout: string, stderr: string }` */
export function execResultValue(r: GuestExecResult): unknown {
  return struct("ExecResult", { exit_code: r.exitCode, stdout: r.stdout, stderr: r.stderr });
}

/** `struct Match { x, y, w, h: int, score: float, cx, cy: int, text: string }` */
export function matchValue(m: ScreenMatch): unknown {
  return struct("Match", { x: m.x, y: m.y, w: m.w, h: m.h, score: m.score, cx: m.cx, cy: m.cy, text: m.text });
}

/** A lab event as handlers receive it. */
export interface ScriptEvent {
  /** Event name, e.g. `vm.crashed` (fact_events.md). */
  readonly name: string;
  /** The VM concerned, or "" for lab and host events. */
  readonly vm: string;
  /** The payload; serialised to JSON text for the script. */
  readonly data: unknown;
}

/** `struct Event { name: string, vm: string, data: string }` */
export function eventValue(e: ScriptEvent): unknown {
  return struct("Event", { name: e.name, vm: e.vm, data: typeof e.data === "string" ? e.data : JSON.stringify(e.data ?? {}) });
}
