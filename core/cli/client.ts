/**
 * The CLI's side of the daemons: finding a lab (by its file, or `lab/vm` from
 * anywhere) and rendering errors and progress the same way for every verb.
 * Starting and reaching the daemons is core/daemon/client.ts (re-exported here),
 * which programs embedding vmlab use too.
 */
import { CodedError } from "../errors/mod.ts";
import type { z } from "zod";
import { StreamRecordSchema, type StreamRecord } from "../daemon/protocol.ts";
import { liveLabSocket, notUp } from "../daemon/client.ts";
import { parseReply, stream } from "../daemon/transport.ts";
import { processIo, type CliIo } from "./io.ts";
import { loadLab, type LoadFlags, type Loaded } from "./lab_file.ts";
import type { ScriptChecker } from "../config/mod.ts";
import { reportError, renderDiagnostic } from "./render.ts";
import { makeStyle, stderrStyle, wantsColor } from "./style.ts";

export { ensureLabDaemon, ensureSupervisor, labStatus, liveLabSocket, notUp, SUPERVISOR_START_TIMEOUT_MS } from "../daemon/client.ts";

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
export async function streamOperation<S extends z.ZodType>(
  socket: string,
  path: string,
  body: unknown,
  data: S,
  opts: { quiet?: boolean } = {},
): Promise<z.output<S>> {
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
    throw new CodedError("daemon.unreachable", "the daemon closed the connection before the operation finished", {
      subject: socket,
      hint: "see `vmlab logs` and `vmlab daemon status`",
    });
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
