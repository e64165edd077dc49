/**
 * The client side of the daemons, for the CLI and for programs embedding vmlab:
 * auto-starting the per-user supervisor, asking it to run a lab's daemon, finding a
 * running lab's socket, reading status, stopping the supervisor. Every reply is
 * parsed with its zod schema (core/daemon/protocol.ts); requests and streams go
 * through `transport.ts`.
 *
 * The supervisor is started detached (own session, output to its log) by running the
 * vmlab executable as `__supervisor`, so it outlives the caller. By default that is
 * this same program re-executed (`selfArgv`), which is right for the vmlab binary and
 * for `bun main.ts`; an embedding program passes `vmlab` (the path of the binary).
 * Two callers starting it at once is fine: the supervisor's pidfile admits one, and
 * both then talk to the winner.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { CodedError } from "../errors/mod.ts";
import { labSocket, supervisorLog, supervisorSocket } from "./paths.ts";
import {
  LabStatusSchema,
  StreamRecordSchema,
  SupervisorLabSchema,
  SupervisorStatusSchema,
  type LabStatus,
  type StreamRecord,
  type SupervisorLab,
  type SupervisorStatus,
} from "./protocol.ts";
import { selfArgv } from "./self.ts";
import { request, socketAlive, stream } from "./transport.ts";

export { request, socketAlive, stream } from "./transport.ts";

/** How long a freshly started supervisor may take to answer. */
export const SUPERVISOR_START_TIMEOUT_MS = 10_000;
/** How long `stopSupervisor` waits for the socket to go away after shutdown. */
export const SUPERVISOR_STOP_TIMEOUT_MS = 10_000;

/** How to reach the daemons. */
export interface ClientOptions {
  /** The vmlab executable that runs the supervisor; default: this program. */
  readonly vmlab?: string;
}

/** Make sure the supervisor runs; start it detached if not. Returns its socket. */
export async function ensureSupervisor(opts: ClientOptions = {}): Promise<string> {
  const socket = supervisorSocket();
  if (await socketAlive(socket)) return socket;
  const logFile = supervisorLog();
  mkdirSync(dirname(logFile), { recursive: true });
  const out = openSync(logFile, "a");
  const argv = opts.vmlab ? [opts.vmlab, "__supervisor"] : selfArgv("__supervisor");
  try {
    const child = spawn(argv[0] as string, argv.slice(1), { detached: true, stdio: ["ignore", out, out], env: process.env });
    child.unref();
  } finally {
    closeSync(out);
  }
  const deadline = Date.now() + SUPERVISOR_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await socketAlive(socket)) return socket;
    await Bun.sleep(25);
  }
  throw new CodedError("daemon.unreachable", `the supervisor did not start within ${SUPERVISOR_START_TIMEOUT_MS / 1000} s`, {
    subject: socket,
    hint: `see ${logFile}`,
  });
}

/** Ask the supervisor to run the lab's daemon (starting the supervisor if need be); the lab as registered. */
export async function ensureLabDaemon(name: string, file: string, opts: ClientOptions = {}): Promise<SupervisorLab> {
  const sup = await ensureSupervisor(opts);
  return request(sup, "POST", "/v1/labs/ensure", { name, file }, SupervisorLabSchema);
}

/** The lab's socket if its daemon answers, else undefined. */
export async function liveLabSocket(name: string): Promise<string | undefined> {
  const s = labSocket(name);
  return (await socketAlive(s)) ? s : undefined;
}

/** The error for a lab whose daemon does not answer. */
export function notUp(name: string): CodedError {
  return new CodedError("lab.not_up", `lab ${name} is not up`, { subject: name, hint: "start it with `vmlab up`" });
}

/** The status of the lab daemon on `socket`. */
export async function labStatus(socket: string): Promise<LabStatus> {
  return request(socket, "GET", "/v1/status", undefined, LabStatusSchema);
}

/** The supervisor's status, or undefined when it is not running (it is not started for this). */
export async function supervisorStatus(): Promise<SupervisorStatus | undefined> {
  const socket = supervisorSocket();
  if (!(await socketAlive(socket))) return undefined;
  return request(socket, "GET", "/v1/status", undefined, SupervisorStatusSchema);
}

/**
 * Stops every lab daemon (their VMs shut down gracefully), then the supervisor, and
 * waits for its socket to go away; `onLog` receives the progress lines. False when
 * it was not running.
 */
export async function stopSupervisor(onLog: (msg: string) => void = () => {}): Promise<boolean> {
  const socket = supervisorSocket();
  if (!(await socketAlive(socket))) return false;
  let result: Extract<StreamRecord, { type: "result" }> | undefined;
  await stream(socket, "POST", "/v1/shutdown", {}, StreamRecordSchema, (rec) => {
    if (rec.type === "log") onLog(rec.msg);
    else if (rec.type === "result") result = rec;
  });
  if (result && !result.ok) throw CodedError.fromJSON(result.error);
  const deadline = Date.now() + SUPERVISOR_STOP_TIMEOUT_MS;
  while (Date.now() < deadline && (await socketAlive(socket))) await Bun.sleep(50);
  if (await socketAlive(socket))
    throw new CodedError("daemon.unreachable", `the supervisor still answers ${SUPERVISOR_STOP_TIMEOUT_MS / 1000} s after shutdown`, {
      subject: socket,
      hint: `see ${supervisorLog()}`,
    });
  return true;
}
