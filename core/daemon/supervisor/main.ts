/**
 * The supervisor process (`vmlabd`, or `vmlab __supervisor`): one per user,
 * normally auto-started by the CLI.
 *
 * Single instance: an exclusive pidfile next to the socket. A second
 * supervisor for the same user refuses to start (exit 1) while the first
 * lives; a pidfile or socket left by a killed one is recognised as stale
 * (its pid is gone or is not a vmlab supervisor) and recovered.
 *
 * SIGTERM/SIGINT (and `POST /v1/shutdown`, i.e. `vmlab daemon stop`) stop
 * every lab daemon gracefully, then the supervisor.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { readHostConfig } from "../../config/host.ts";
import { dataDir } from "../../paths.ts";
import { JsonLog } from "../lab/context.ts";
import { cmdline, pidAlive } from "../orphans.ts";
import { registryFile, supervisorLog, supervisorPidFile, supervisorSocket } from "../paths.ts";
import { serveUnix } from "../transport.ts";
import { parseArgs } from "node:util";
import { VERSION } from "../../version.ts";
import { supervisorApp } from "./app.ts";
import { Supervisor } from "./supervisor.ts";

/** Default interval of the disk watchdog; `VMLAB_DISK_CHECK_MS` overrides it. */
export const DISK_CHECK_MS = 60_000;

function isSupervisor(pid: number): boolean {
  const argv = cmdline(pid);
  return argv.some((a) => a === "__supervisor" || a.endsWith("/vmlabd") || a === "vmlabd");
}

/** Take the pidfile; returns the pid of a live holder when another supervisor runs. */
export function takePidLock(file: string): { ok: true } | { ok: false; pid: number } {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return { ok: true };
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST") throw e;
    }
    let holder = NaN;
    try {
      holder = Number.parseInt(readFileSync(file, "utf8").trim(), 10);
    } catch {
      // vanished or unreadable: treat as stale
    }
    if (Number.isInteger(holder) && holder !== process.pid && pidAlive(holder) && isSupervisor(holder)) return { ok: false, pid: holder };
    rmSync(file, { force: true });
  }
  throw new Error(`cannot take the supervisor lock ${file}`);
}

function hostDiskLowPercent(log: JsonLog): number {
  const r = readHostConfig();
  if (r.diagnostics.length)
    log.write("warn", `host config ${r.path} has problems; defaults are used where they apply`, { problems: r.diagnostics.map((d) => d.message) });
  return r.config.diskLowPercent;
}

const USAGE = `usage: vmlabd [--version] [--help]

The vmlab supervisor: one per user, started automatically by any vmlab verb
that needs it (or by \`vmlab daemon start\`). It runs in the foreground; its
log is ${"$"}XDG_STATE_HOME/vmlab/vmlabd.log.
`;

export async function runSupervisor(args: readonly string[]): Promise<number> {
  try {
    const { values } = parseArgs({ args: [...args], options: { version: { type: "boolean" }, help: { type: "boolean", short: "h" } }, strict: true });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (values.version) {
      process.stdout.write(`vmlabd ${VERSION}\n`);
      return 0;
    }
  } catch (e) {
    process.stderr.write(`vmlabd: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const pidFile = supervisorPidFile();
  const lock = takePidLock(pidFile);
  if (!lock.ok) {
    process.stderr.write(`vmlabd: a supervisor is already running for this user (pid ${lock.pid}); \`vmlab daemon status\` shows it\n`);
    return 1;
  }
  mkdirSync(dirname(supervisorLog()), { recursive: true });
  const log = new JsonLog(supervisorLog());
  process.on("uncaughtException", (e) => log.write("error", `uncaught exception: ${e.message}`, { stack: e.stack }));
  process.on("unhandledRejection", (e) => log.write("error", `unhandled rejection: ${(e as Error)?.message ?? String(e)}`));

  const diskCheck = Number.parseInt(process.env.VMLAB_DISK_CHECK_MS ?? "", 10);
  const sup = new Supervisor({
    registryFile: registryFile(),
    log,
    dataDir: dataDir(),
    diskLowPercent: hostDiskLowPercent(log),
    diskCheckMs: Number.isInteger(diskCheck) && diskCheck > 0 ? diskCheck : DISK_CHECK_MS,
  });

  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((r) => (finish = r));
  let stopping = false;
  const shutdown = (why: string): void => {
    if (stopping) return;
    stopping = true;
    log.write("info", `${why}: stopping every lab, then the supervisor`);
    void sup.stopAll((msg) => log.write("info", msg)).finally(() => finish(0));
  };

  const app = supervisorApp(sup, () => {
    stopping = true;
    setTimeout(() => finish(0), 50);
  });
  let server: { stop(): void };
  try {
    server = await serveUnix(supervisorSocket(), (req) => app.fetch(req));
  } catch (e) {
    rmSync(pidFile, { force: true });
    process.stderr.write(`vmlabd: ${(e as Error).message}\n`);
    return 1;
  }
  log.write("info", "supervisor started", { pid: process.pid, socket: supervisorSocket() });
  await sup.recover();
  sup.startDiskWatchdog();
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGHUP", () => undefined);

  const code = await done;
  sup.close();
  server.stop();
  rmSync(pidFile, { force: true });
  log.write("info", "supervisor stopped");
  return code;
}
