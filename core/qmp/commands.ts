/**
 * Typed helpers for the QMP commands vmlab uses (QAPI schema of QEMU 7.2).
 *
 * Each helper is a function over a `QmpExecutor` (anything with `execute`, normally a
 * `QmpClient`, whose methods delegate here). Replies with data are validated with zod;
 * a reply of the wrong shape is a `qmp.unexpected_reply` error, never a silent `any`.
 *
 * | helper              | command                 | notes                                     |
 * | ------------------- | ----------------------- | ----------------------------------------- |
 * | queryStatus         | query-status            | `{running, status}`                       |
 * | systemPowerdown     | system_powerdown        | ACPI power button; guest decides          |
 * | systemReset         | system_reset            |                                           |
 * | quit                | quit                    | the socket closing counts as success      |
 * | stop / cont         | stop / cont             | STOP / RESUME events follow               |
 * | sendKey             | send-key                | QKeyCode chord, pressed together          |
 * | inputSendEvent      | input-send-event        | see `input.ts`                            |
 * | screendump          | screendump              | `format` png needs QEMU ≥ 7.1             |
 * | queryVnc            | query-vnc               |                                           |
 * | humanMonitorCommand | human-monitor-command   | HMP text output                           |
 */
import { z } from "zod";
import { QmpError, isQmpError } from "./errors.ts";
import type { InputEvent } from "./input.ts";
import type { QKeyCode } from "./keys.ts";

/** Default time a `send-key` chord is held, in ms (QEMU's own default is 100). */
export const DEFAULT_KEY_HOLD_MS = 100;

/** The part of `QmpClient` the helpers need. */
export interface QmpExecutor {
  readonly path: string;
  execute<T = unknown>(command: string, args?: Record<string, unknown>, opts?: { timeoutMs?: number }): Promise<T>;
}

/** QAPI `RunState`. */
export type RunState =
  | "debug"
  | "inmigrate"
  | "internal-error"
  | "io-error"
  | "paused"
  | "postmigrate"
  | "prelaunch"
  | "finish-migrate"
  | "restore-vm"
  | "running"
  | "save-vm"
  | "shutdown"
  | "suspended"
  | "watchdog"
  | "guest-panicked"
  | "colo";

/** Reply of `query-status`. */
export interface StatusInfo {
  running: boolean;
  status: RunState;
}

const statusSchema = z.object({ running: z.boolean(), status: z.string() });

const vncClientSchema = z.object({
  host: z.string(),
  service: z.string(),
  family: z.string(),
  websocket: z.boolean().optional(),
});

const vncSchema = z.object({
  enabled: z.boolean(),
  host: z.string().optional(),
  family: z.string().optional(),
  service: z.string().optional(),
  auth: z.string().optional(),
  clients: z.array(vncClientSchema).optional(),
});

/** Reply of `query-vnc`. */
export type VncInfo = z.infer<typeof vncSchema>;

function parseReply<S extends z.ZodType>(qmp: QmpExecutor, command: string, schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new QmpError({
    code: "qmp.unexpected_reply",
    path: qmp.path,
    command,
    problem: r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "),
    hint: "the QEMU version may be unsupported",
  });
}

/** `query-status`: whether the VM runs and its run state. */
export async function queryStatus(qmp: QmpExecutor): Promise<StatusInfo> {
  const r = parseReply(qmp, "query-status", statusSchema, await qmp.execute("query-status"));
  return { running: r.running, status: r.status as RunState };
}

/** `system_powerdown`: presses the ACPI power button. */
export async function systemPowerdown(qmp: QmpExecutor): Promise<void> {
  await qmp.execute("system_powerdown");
}

/** `system_reset`: hard reset. */
export async function systemReset(qmp: QmpExecutor): Promise<void> {
  await qmp.execute("system_reset");
}

/** `stop`: pauses the vCPUs. */
export async function stop(qmp: QmpExecutor): Promise<void> {
  await qmp.execute("stop");
}

/** `cont`: resumes the vCPUs. */
export async function cont(qmp: QmpExecutor): Promise<void> {
  await qmp.execute("cont");
}

/** `quit`: QEMU exits. Resolves on the reply or when the connection drops first. */
export async function quit(qmp: QmpExecutor, opts: { timeoutMs?: number } = {}): Promise<void> {
  try {
    await qmp.execute("quit", undefined, opts);
  } catch (err) {
    if (isQmpError(err, "qmp.closed")) return;
    throw err;
  }
}

/** `send-key`: presses `keys` together (in order), holds them, releases in reverse. */
export async function sendKey(qmp: QmpExecutor, keys: readonly QKeyCode[], opts: { holdTimeMs?: number } = {}): Promise<void> {
  await qmp.execute("send-key", {
    keys: keys.map((k) => ({ type: "qcode", data: k })),
    "hold-time": opts.holdTimeMs ?? DEFAULT_KEY_HOLD_MS,
  });
}

/** `input-send-event`: injects key, button and pointer events. */
export async function inputSendEvent(qmp: QmpExecutor, events: readonly InputEvent[], opts: { device?: string; head?: number } = {}): Promise<void> {
  const args: Record<string, unknown> = { events };
  if (opts.device !== undefined) args["device"] = opts.device;
  if (opts.head !== undefined) args["head"] = opts.head;
  await qmp.execute("input-send-event", args);
}

/** Options for `screendump`. */
export interface ScreendumpOptions {
  /** `png` (QEMU ≥ 7.1) or `ppm` (QEMU's default). */
  format?: "png" | "ppm";
  device?: string;
  head?: number;
  timeoutMs?: number;
}

/** `screendump`: QEMU writes the current screen to `filename` (a path QEMU can write). */
export async function screendump(qmp: QmpExecutor, filename: string, opts: ScreendumpOptions = {}): Promise<void> {
  const args: Record<string, unknown> = { filename };
  if (opts.format !== undefined) args["format"] = opts.format;
  if (opts.device !== undefined) args["device"] = opts.device;
  if (opts.head !== undefined) args["head"] = opts.head;
  await qmp.execute("screendump", args, { timeoutMs: opts.timeoutMs });
}

/** `query-vnc`: VNC server state and clients. */
export async function queryVnc(qmp: QmpExecutor): Promise<VncInfo> {
  return parseReply(qmp, "query-vnc", vncSchema, await qmp.execute("query-vnc"));
}

/** `human-monitor-command`: runs an HMP command and returns its text output. */
export async function humanMonitorCommand(qmp: QmpExecutor, commandLine: string, opts: { timeoutMs?: number } = {}): Promise<string> {
  const out = await qmp.execute("human-monitor-command", { "command-line": commandLine }, opts);
  return parseReply(qmp, "human-monitor-command", z.string(), out);
}
