/**
 * The lab daemon process (`vmlab __lab --name <lab> --file <vmlab.wcl>`),
 * one per running lab, spawned by the supervisor (concept_daemon_model.md).
 *
 * It owns the lab's QEMU children (started under `setpriv --pdeathsig KILL`
 * so they die with it), their QMP and agent channels, the lab's persisted
 * state and its event stream, and serves the lab API on
 * `$XDG_RUNTIME_DIR/vmlab/labs/<lab>/control.sock` (0700 folder, 0600 socket).
 *
 * Lifetime: it exits by itself once a power operation leaves nothing
 * running (`down`, `destroy`, or an `up` where every VM failed), so a lab
 * that is down costs no process. SIGTERM/SIGINT stop every VM through the
 * graceful ladder first. A bad request, a broken guest channel or a failing
 * write never takes it down: errors are answered and logged.
 */
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { pidAlive } from "../orphans.ts";
import { parseArgs } from "node:util";
import { TemplateStore } from "../../store/store.ts";
import { VERSION } from "../../version.ts";
import { labLogDir, labSocket } from "../paths.ts";
import type { LabPlan } from "../protocol.ts";
import { serveUnix } from "../transport.ts";
import { labApp } from "./app.ts";
import { JsonLog, type CloneRegistry } from "./context.ts";
import { LabNetwork } from "./network.ts";
import { LabRuntime } from "./lab_runtime.ts";
import { readState } from "./state_file.ts";
import { ScriptHost } from "./scripts.ts";
import { prepareNetworkWithShares, wireShares } from "./shares.ts";
import { join } from "node:path";

/** How often an ephemeral lab checks that its owner process (`LabPlan.ownerPid`) still lives. */
export const OWNER_POLL_MS = 500;
/** After a power change leaves nothing running, exit this much later (lets the response finish). */
export const IDLE_EXIT_DELAY_MS = 300;
/** A freshly spawned daemon waits this long for its first operation before it exits idle. */
export const STARTUP_GRACE_MS = 30_000;

export interface LabDaemonArgs {
  readonly name: string;
  readonly file: string;
}

export function parseLabDaemonArgs(args: readonly string[]): LabDaemonArgs | { exit: number; text: string } | string {
  try {
    const { values } = parseArgs({
      args: [...args],
      options: { name: { type: "string" }, file: { type: "string" }, version: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
    });
    if (values.version) return { exit: 0, text: `vmlab-lab ${VERSION}\n` };
    if (values.help)
      return {
        exit: 0,
        text: "usage: vmlab-lab --name <lab> --file <path/to/vmlab.wcl>\n\nOne lab's daemon; the supervisor (vmlabd) starts it on `vmlab up`.\n",
      };
    if (!values.name || !values.file) return "usage: vmlab __lab --name <lab> --file <path/to/vmlab.wcl>";
    return { name: values.name, file: values.file };
  } catch (e) {
    return (e as Error).message;
  }
}

/** Template-store clone bookkeeping, best effort (a store problem must not stop a lab). */
function storeClones(): CloneRegistry {
  const store = new TemplateStore();
  return {
    register: (ref, path) => store.registerClone(ref, path),
    unregister: (ref, path) => store.unregisterClone(ref, path),
  };
}

export async function runLabDaemon(argv: readonly string[]): Promise<number> {
  const args = parseLabDaemonArgs(argv);
  if (typeof args === "string") {
    process.stderr.write(`vmlab-lab: ${args}\n`);
    return 2;
  }
  if ("exit" in args) {
    process.stdout.write(args.text);
    return args.exit;
  }
  const dir = dirname(args.file);
  const stored = readState(join(dir, ".vmlab")).plan;
  const initial: LabPlan =
    stored && stored.name === args.name
      ? { ...stored, file: args.file, dir }
      : { name: args.name, file: args.file, dir, vms: [], provisions: [], handlers: [] };
  const network = new LabNetwork(args.name, new JsonLog(join(labLogDir(args.name), "network.log")));
  const lab = new LabRuntime(initial, network, storeClones());
  const log = lab.ctx.log;
  const shares = wireShares(lab, network);
  lab.prepareNetwork = (plan) => prepareNetworkWithShares(network, shares, plan);
  lab.leaseIps = (vm) => network.vmIps(vm);
  lab.releaseNetwork = async () => {
    await shares.close().catch((e: unknown) => log.write("warn", `stopping smbd failed: ${(e as Error).message}`));
    await network.release();
  };
  lab.networkStatus = () => {
    const st = network.status();
    return st ? { segments: st.segments, forwards: st.forwards } : {};
  };
  const scripts = new ScriptHost(lab, () => ({ vmIps: (vm) => network.vmIps(vm), segment: (name) => network.fabric?.segmentHandle(name) }));
  lab.provisioner = scripts.provisioner;
  scripts.watchHandlers();

  process.on("uncaughtException", (e) => log.write("error", `uncaught exception: ${e.message}`, { stack: e.stack }));
  process.on("unhandledRejection", (e) => log.write("error", `unhandled rejection: ${(e as Error)?.message ?? String(e)}`));

  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));
  let exiting = false;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;

  const exitIfIdle = (delayMs = IDLE_EXIT_DELAY_MS): void => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (!exiting && lab.busy === undefined && lab.runningCount() === 0) {
        exiting = true;
        log.write("info", "nothing left running; lab daemon exits");
        finish(0);
      }
    }, delayMs);
  };

  let abandoning: Promise<void> | undefined;
  const abandon = (why: string): Promise<void> => {
    abandoning ??= (async () => {
      exiting = true;
      log.write("warn", `${why}: killing the lab's guests and deleting ${dir}`);
      scripts.close();
      const running = [...lab.vms.values()].map((v) => v.machine).filter((m) => m?.process.running);
      for (const m of running) m?.process.kill("SIGKILL");
      await Promise.all(running.map((m) => m?.process.exited)).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      // Let the reply go out before the server stops.
      setTimeout(() => finish(1), 100);
    })();
    return abandoning;
  };

  const app = labApp(lab, {
    abandon,
    afterPowerChange: () => exitIfIdle(),
    destroyed: () => exitIfIdle(),
    scripts,
    network,
  });
  let server: { stop(): void };
  try {
    // Uploads (`vmlab cp` host→guest) stream to the agent: no body limit.
    server = await serveUnix(labSocket(args.name), (req) => app.fetch(req), { maxRequestBodySize: Number.MAX_SAFE_INTEGER });
  } catch (e) {
    process.stderr.write(`vmlab-lab: ${(e as Error).message}\n`);
    return 1;
  }
  log.write("info", "lab daemon started", { pid: process.pid, file: args.file, socket: labSocket(args.name) });

  const stopAll = (signal: string): void => {
    if (exiting) return;
    exiting = true;
    log.write("info", `${signal}: stopping every VM`);
    const report = (level: "info" | "warn" | "error", msg: string, vm?: string) => log.write(level, msg, vm ? { vm } : {});
    const waitIdle = async (): Promise<void> => {
      while (lab.busy !== undefined) await Bun.sleep(100);
    };
    scripts.close();
    void waitIdle()
      .then(() => lab.down([], false, report))
      .catch((e: unknown) => log.write("error", `stopping on ${signal} failed: ${(e as Error).message}`))
      .finally(() => finish(0));
  };
  // An ephemeral lab (a template build) dies with its owner: guests killed, folder deleted.
  const ownerWatch = setInterval(() => {
    const owner = lab.plan.ownerPid;
    if (owner !== undefined && !pidAlive(owner)) void abandon(`owner process ${owner} is gone`);
  }, OWNER_POLL_MS);
  process.on("SIGTERM", () => stopAll("SIGTERM"));
  process.on("SIGINT", () => stopAll("SIGINT"));
  process.on("SIGHUP", () => undefined);

  // A daemon spawned for a lab with nothing to do (e.g. `status` raced a `down`) does not linger.
  exitIfIdle(STARTUP_GRACE_MS);
  const code = await done;
  clearInterval(ownerWatch);
  await shares.close().catch(() => undefined);
  await network.release().catch((e: unknown) => log.write("warn", `closing the network failed: ${(e as Error).message}`));
  server.stop();
  log.write("info", "lab daemon stopped", { code });
  return code;
}
