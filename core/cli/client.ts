/**
 * The CLI's side of the daemons: auto-starting the supervisor, asking it to
 * run a lab's daemon, finding a lab (by its file, or `lab/vm` from anywhere)
 * and rendering errors and progress the same way for every verb.
 *
 * The supervisor is started detached (own session, output to its log) by
 * re-executing this same program as `__supervisor`, so it outlives the CLI.
 * Two CLIs starting it at once is fine: the supervisor's pidfile admits one,
 * and both CLIs then talk to the winner.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { CodedError } from "../errors/mod.ts";
import { labSocket, supervisorLog, supervisorSocket } from "../daemon/paths.ts";
import type { z } from "zod";
import { LabStatusSchema, StreamRecordSchema, SupervisorLabSchema, type LabStatus, type StreamRecord, type SupervisorLab } from "../daemon/protocol.ts";
import { selfArgv } from "../daemon/self.ts";
import { parseReply, request, socketAlive, stream } from "../daemon/transport.ts";
import { processIo, type CliIo } from "./io.ts";
import { loadLab, type LoadFlags, type Loaded } from "./lab_file.ts";
import type { ScriptChecker } from "../config/mod.ts";
import { reportError, renderDiagnostic } from "./render.ts";
import { makeStyle, stderrStyle, wantsColor } from "./style.ts";

/** How long a freshly started supervisor may take to answer. */
export const SUPERVISOR_START_TIMEOUT_MS = 10_000;

/** Make sure the supervisor runs; start it detached if not. Returns its socket. */
export async function ensureSupervisor(): Promise<string> {
  const socket = supervisorSocket();
  if (await socketAlive(socket)) return socket;
  const logFile = supervisorLog();
  mkdirSync(dirname(logFile), { recursive: true });
  const out = openSync(logFile, "a");
  const argv = selfArgv("__supervisor");
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

/** Ask the supervisor to run the lab's daemon; returns the lab daemon's socket. */
export async function ensureLabDaemon(name: string, file: string): Promise<SupervisorLab> {
  const sup = await ensureSupervisor();
  return request(sup, "POST", "/v1/labs/ensure", { name, file }, SupervisorLabSchema);
}

/** The lab's socket if its daemon answers, else undefined. */
export async function liveLabSocket(name: string): Promise<string | undefined> {
  const s = labSocket(name);
  return (await socketAlive(s)) ? s : undefined;
}

export function notUp(name: string): CodedError {
  return new CodedError("lab.not_up", `lab ${name} is not up`, { subject: name, hint: "start it with `vmlab up`" });
}

/** A lab as the CLI addresses it. */
export interface LabRef {
  readonly name: string;
  /** Absolute path of vmlab.wcl, when known (from the file, or from the supervisor). */
  readonly file: string | undefined;
}

export interface TargetFlags extends LoadFlags {
  readonly verbose?: boolean | undefined;
}

/** The lab of the cwd (or `-f`/`VMLAB_FILE`), by name; the file need not be valid. */
export function labOfFile(flags: TargetFlags, io: CliIo = processIo()): LabRef {
  const loaded = loadLab(io, { ...flags, store: false });
  if (loaded.stage === "discover") throw new CodedError("lab.not_found", loaded.message, loaded.hint ? { hint: loaded.hint } : {});
  const name = loaded.config.lab?.name;
  if (!name) throw new CodedError("lab.invalid", `${loaded.file} declares no lab`, { subject: loaded.file, hint: 'Declare lab "<name>" { … } in it.' });
  if (flags.verbose) process.stderr.write(`using lab ${name} from ${loaded.file}\n`);
  return { name, file: loaded.file };
}

/** Split `lab/vm` or `vm` (the latter in the cwd's lab). */
export function resolveVmTarget(target: string, flags: TargetFlags): { lab: LabRef; vm: string } {
  const slash = target.indexOf("/");
  if (slash > 0) return { lab: { name: target.slice(0, slash), file: undefined }, vm: target.slice(slash + 1) };
  return { lab: labOfFile(flags), vm: target };
}

/** The socket of a lab that must be up. */
export async function requireUp(lab: LabRef): Promise<string> {
  const s = await liveLabSocket(lab.name);
  if (!s) throw notUp(lab.name);
  return s;
}

export async function labStatus(socket: string): Promise<LabStatus> {
  return request(socket, "GET", "/v1/status", undefined, LabStatusSchema);
}

// ---- output -------------------------------------------------------------------

/** Print validation diagnostics of a lab that failed to load; returns the exit code. */
export function printLoadFailure(io: CliIo, flags: LoadFlags, scripts?: ScriptChecker): 1 | 2 | 0 {
  return printLoaded(io, loadLab(io, flags, scripts));
}

/** Prints what an already loaded lab has to say (discovery error or diagnostics); the exit code. */
export function printLoaded(io: CliIo, loaded: Loaded): 1 | 2 | 0 {
  if (loaded.stage === "discover") {
    reportError(new CodedError("lab.not_found", loaded.message, loaded.hint ? { hint: loaded.hint } : {}), { sink: { err: io.err, cwd: io.cwd, env: io.env } });
    return 2;
  }
  const style = makeStyle(wantsColor(io.env, io.isTTY));
  for (const d of loaded.diagnostics) io.err(`${renderDiagnostic(d, loaded.sources, { style, cwd: io.cwd })}\n`);
  return loaded.ok ? 0 : 1;
}

/**
 * Stream a long operation, printing its progress; returns the result's data
 * parsed with `data` (the operation's result schema) or throws its error.
 */
export async function streamOperation<S extends z.ZodType>(socket: string, path: string, body: unknown, data: S, opts: { quiet?: boolean } = {}): Promise<z.output<S>> {
  const s = stderrStyle();
  let result: Extract<StreamRecord, { type: "result" }> | undefined;
  await stream(socket, "POST", path, body, StreamRecordSchema, (r) => {
    if (r.type === "result") {
      result = r;
      return;
    }
    if (opts.quiet) return;
    if (r.type === "log") {
      const prefix = r.vm ? `${s.cyan(r.vm)}: ` : "";
      const text = r.vm && r.msg.startsWith(`${r.vm}: `) ? r.msg.slice(r.vm.length + 2) : r.msg;
      const line = r.level === "error" ? s.red(text) : r.level === "warn" ? s.yellow(text) : text;
      process.stderr.write(`${prefix}${line}\n`);
    }
  });
  if (!result) {
    throw new CodedError("daemon.unreachable", "the daemon closed the connection before the operation finished", { subject: socket, hint: "see `vmlab logs` and `vmlab daemon status`" });
  }
  if (!result.ok) throw CodedError.fromJSON(result.error);
  return parseReply(data, result.data, `POST ${path}`);
}

/** Did the verb get `--json`? Commander passes the options object among the action's arguments. */
function jsonFlag(args: readonly unknown[]): boolean {
  return args.some((a) => typeof a === "object" && a !== null && "json" in a && a.json === true);
}

/** Wrap a verb's action: errors are printed once (as JSON on stderr with `--json`) and become exit status 1. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>, json?: (...args: A) => boolean): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = code ?? 0;
    } catch (e) {
      reportError(e, { json: json?.(...args) ?? jsonFlag(args) });
      process.exitCode = 1;
    }
  };
}
