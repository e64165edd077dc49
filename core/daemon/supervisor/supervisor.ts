/**
 * The supervisor's state machine (concept_daemon_model.md): the lab
 * registry, spawning and watching lab daemons, aggregated events and the
 * `host.disk_low` watchdog. The HTTP surface is in `app.ts`, the process
 * wiring in `main.ts`.
 *
 * Lab daemons are started detached (own session, no pdeathsig) so they — and
 * the guests they own — survive a supervisor that is killed or restarted; a
 * new supervisor adopts the live ones from the registry and cleans up after
 * the dead ones. A lab daemon that ends with status 0 has reaped itself after
 * `down`/`destroy` (lab `stopped`); any other end is a crash: the lab is
 * marked `failed`, `lab.daemon_crashed` is emitted, leftover QEMU processes
 * are killed, and nothing is restarted automatically.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, statfsSync } from "node:fs";
import { CodedError } from "../../errors/mod.ts";
import { killOrphanQemu, pidAlive } from "../orphans.ts";
import { labDaemonLog, labLogDir, labRunDir, labSocket } from "../paths.ts";
import { OkReplySchema, StreamRecordSchema, type LabEvent, type SupervisorLab } from "../protocol.ts";
import { selfArgv } from "../self.ts";
import { request, socketAlive, stream } from "../transport.ts";
import { JsonLog } from "../lab/context.ts";
import { LabRegistry } from "./registry.ts";

/** How long a new lab daemon may take to answer on its socket. */
export const LAB_SPAWN_TIMEOUT_MS = 20_000;
/** How often adopted (non-child) lab daemons are checked for life. */
export const ADOPTED_POLL_MS = 1_000;
/** Events kept for late subscribers. */
export const EVENT_HISTORY = 1_000;

export interface SupervisorOptions {
  readonly registryFile: string;
  readonly log: JsonLog;
  /** Directory whose file system the disk watchdog measures. */
  readonly dataDir: string;
  readonly diskLowPercent: number;
  readonly diskCheckMs: number;
}

interface Watched {
  /** Set for daemons this supervisor spawned. */
  child?: ReturnType<typeof spawn>;
  poll?: ReturnType<typeof setInterval>;
  events?: AbortController;
}

export class Supervisor {
  readonly registry: LabRegistry;
  readonly startedAt = new Date();
  readonly history: LabEvent[] = [];
  readonly #subs = new Set<(e: LabEvent) => void>();
  readonly #watched = new Map<string, Watched>();
  readonly #ensuring = new Map<string, Promise<SupervisorLab>>();
  #diskTimer: ReturnType<typeof setInterval> | undefined;
  #diskLow = false;

  constructor(readonly opts: SupervisorOptions) {
    this.registry = new LabRegistry(opts.registryFile);
  }

  get log(): JsonLog {
    return this.opts.log;
  }

  /** Load the registry and adopt or clean up what an earlier supervisor left. */
  async recover(): Promise<void> {
    const r = this.registry.load();
    if (r.problem) this.log.write("warn", r.problem);
    for (const lab of this.registry.all()) {
      if (lab.state !== "running" && lab.state !== "starting") continue;
      const alive = lab.pid !== null && pidAlive(lab.pid) && (await socketAlive(lab.socket));
      if (alive) {
        this.log.write("info", "adopted running lab daemon", { lab: lab.name, pid: lab.pid });
        this.registry.update(lab.name, { state: "running" });
        this.#watchAdopted(lab.name, lab.pid as number);
        this.#followEvents(lab.name);
      } else {
        this.#daemonGone(lab.name, "its lab daemon was found dead when the supervisor started", true);
      }
    }
  }

  // ---- events ---------------------------------------------------------------

  emit(e: LabEvent): void {
    this.history.push(e);
    if (this.history.length > EVENT_HISTORY) this.history.shift();
    for (const s of this.#subs) {
      try {
        s(e);
      } catch {
        // a broken subscriber must not stop the others
      }
    }
  }

  #event(type: string, lab: string, data: Record<string, unknown>): LabEvent {
    const e: LabEvent = { type, ts: new Date().toISOString(), lab, data };
    this.log.write(type.endsWith("crashed") ? "error" : "warn", `event ${type}`, { event: e });
    this.emit(e);
    // Host events reach every running lab, whose `on "host.…"` handlers may react.
    if (type.startsWith("host.")) {
      for (const l of this.registry.all()) {
        if (l.state === "running") void request(l.socket, "POST", "/v1/host-event", e, OkReplySchema, 5_000).catch(() => undefined);
      }
    }
    return e;
  }

  subscribe(fn: (e: LabEvent) => void): () => void {
    this.#subs.add(fn);
    return () => this.#subs.delete(fn);
  }

  /** Relay a lab daemon's events into the aggregated stream. */
  #followEvents(name: string): void {
    const w = this.#watched.get(name) ?? {};
    w.events?.abort();
    const ctl = new AbortController();
    w.events = ctl;
    this.#watched.set(name, w);
    void stream(
      labSocket(name),
      "GET",
      "/v1/events",
      undefined,
      StreamRecordSchema,
      (r) => {
        if (r.type === "event") this.emit(r.event);
      },
      ctl.signal,
    ).catch(() => undefined);
  }

  // ---- lab daemons ------------------------------------------------------------

  /** Make sure the lab's daemon runs; start it if not. Concurrent calls for one lab share the work. */
  ensure(name: string, file: string): Promise<SupervisorLab> {
    const pending = this.#ensuring.get(name);
    if (pending) return pending;
    const p = this.#ensure(name, file).finally(() => this.#ensuring.delete(name));
    this.#ensuring.set(name, p);
    return p;
  }

  async #ensure(name: string, file: string): Promise<SupervisorLab> {
    const cur = this.registry.get(name);
    if (cur && (cur.state === "running" || cur.state === "starting") && cur.pid !== null && pidAlive(cur.pid) && (await socketAlive(cur.socket))) {
      if (cur.file !== file) {
        throw new CodedError("lab.name_taken", `A lab named ${name} is already running from ${cur.file}`, {
          subject: name,
          hint: "lab names are unique per user: rename one of the labs, or stop the other with `vmlab down` in its folder",
        });
      }
      return cur;
    }
    return this.#spawn(name, file);
  }

  async #spawn(name: string, file: string): Promise<SupervisorLab> {
    const socket = labSocket(name);
    mkdirSync(labLogDir(name), { recursive: true });
    mkdirSync(labRunDir(name), { recursive: true, mode: 0o700 });
    // A socket left by a dead daemon would make the new one think it is a duplicate.
    if (existsSync(socket) && !(await socketAlive(socket))) rmSync(socket, { force: true });
    killOrphanQemu(labRunDir(name));
    const out = openSync(labDaemonLog(name), "a", 0o600);
    const argv = selfArgv("__lab", ["--name", name, "--file", file]);
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(argv[0] as string, argv.slice(1), { detached: true, stdio: ["ignore", out, out], env: process.env });
    } finally {
      closeSync(out);
    }
    const entry: SupervisorLab = { name, file, pid: child.pid ?? null, socket, state: "starting", startedAt: new Date().toISOString() };
    this.registry.set(entry);
    this.log.write("info", "spawned lab daemon", { lab: name, pid: child.pid, file });
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      this.#childExited(name, child, code, signal);
    });
    child.on("error", (e) => this.log.write("error", `cannot run the lab daemon: ${e.message}`, { lab: name }));
    this.#unwatch(name);
    this.#watched.set(name, { child });

    const deadline = Date.now() + LAB_SPAWN_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (exited) break;
      if (await socketAlive(socket)) {
        const running = this.registry.update(name, { state: "running" }) as SupervisorLab;
        this.#followEvents(name);
        return running;
      }
      await Bun.sleep(25);
    }
    if (!exited) child.kill("SIGKILL");
    const tail = logTail(labDaemonLog(name));
    this.registry.update(name, { state: "failed", pid: null, reason: "the lab daemon did not start" });
    throw new CodedError(
      "lab.daemon_failed",
      `the lab daemon for ${name} did not start${exited ? ` (exit ${exited.code ?? exited.signal})` : ` within ${LAB_SPAWN_TIMEOUT_MS / 1000} s`}${tail ? `:\n${tail}` : ""}`,
      {
        subject: name,
        hint: `see ${labDaemonLog(name)}`,
      },
    );
  }

  #childExited(name: string, child: ReturnType<typeof spawn>, code: number | null, signal: NodeJS.Signals | null): void {
    const w = this.#watched.get(name);
    if (w?.child !== child) return;
    if (code === 0) this.#daemonStopped(name);
    else this.#daemonGone(name, signal ? `killed by ${signal}` : `exit status ${code}`, false);
  }

  #watchAdopted(name: string, pid: number): void {
    const poll = setInterval(() => {
      // Keyed to this daemon instance: once a newer daemon for the lab is watched, this poll is stale
      // and must not tear the new one down (same class as #19 item 5).
      if (this.#watched.get(name)?.poll !== poll) {
        clearInterval(poll);
        return;
      }
      if (pidAlive(pid)) return;
      clearInterval(poll);
      // A daemon that reaped itself removed its socket on the way out.
      if (existsSync(labSocket(name))) this.#daemonGone(name, "its process disappeared", false);
      else this.#daemonStopped(name);
    }, ADOPTED_POLL_MS);
    this.#watched.set(name, { poll });
  }

  #unwatch(name: string): void {
    const w = this.#watched.get(name);
    if (w?.poll) clearInterval(w.poll);
    w?.events?.abort();
    this.#watched.delete(name);
  }

  #daemonStopped(name: string): void {
    this.#unwatch(name);
    this.registry.update(name, { state: "stopped", pid: null, reason: undefined });
    this.log.write("info", "lab daemon exited after the lab stopped", { lab: name });
  }

  #daemonGone(name: string, why: string, atStartup: boolean): void {
    this.#unwatch(name);
    const killed = killOrphanQemu(labRunDir(name));
    const socket = labSocket(name);
    rmSync(socket, { force: true });
    const reason = `lab daemon died (${why})${killed.length ? `; killed ${killed.length} leftover QEMU process(es)` : ""}`;
    this.registry.update(name, { state: "failed", pid: null, reason });
    const e = this.#event("lab.daemon_crashed", name, { reason: why, killedQemu: killed, detectedAtStartup: atStartup });
    // The dead daemon cannot write it: put the event in the lab's own log too, so `vmlab logs` shows it.
    new JsonLog(join(labLogDir(name), "lab.log")).write("error", `event ${e.type}`, { event: e });
  }

  /** Stop every lab daemon (graceful: each stops its VMs), then resolve. */
  async stopAll(report: (msg: string) => void, timeoutMs = 180_000): Promise<void> {
    const live = this.registry.all().filter((l) => (l.state === "running" || l.state === "starting") && l.pid !== null && pidAlive(l.pid));
    await Promise.all(
      live.map(async (l) => {
        report(`stopping lab ${l.name} (pid ${l.pid})`);
        try {
          process.kill(l.pid as number, "SIGTERM");
        } catch {
          return;
        }
        const deadline = Date.now() + timeoutMs;
        while (pidAlive(l.pid as number) && Date.now() < deadline) await Bun.sleep(100);
        if (pidAlive(l.pid as number)) {
          report(`lab ${l.name} did not stop in time; killing it`);
          process.kill(l.pid as number, "SIGKILL");
          killOrphanQemu(labRunDir(l.name));
        }
        this.#daemonStopped(l.name);
        report(`lab ${l.name} stopped`);
      }),
    );
  }

  // ---- host watchdog --------------------------------------------------------------

  startDiskWatchdog(): void {
    this.checkDisk();
    this.#diskTimer = setInterval(() => this.checkDisk(), this.opts.diskCheckMs);
  }

  /** Emit `host.disk_low` once when free space falls below the threshold (again after it recovers). */
  checkDisk(): void {
    let freePercent: number;
    try {
      mkdirSync(this.opts.dataDir, { recursive: true });
      const s = statfsSync(this.opts.dataDir);
      freePercent = s.blocks > 0 ? (Number(s.bavail) / Number(s.blocks)) * 100 : 100;
    } catch (e) {
      this.log.write("warn", `disk watchdog cannot measure ${this.opts.dataDir}: ${(e as Error).message}`);
      return;
    }
    const low = freePercent < this.opts.diskLowPercent;
    if (low && !this.#diskLow) {
      this.#event("host.disk_low", "", { path: this.opts.dataDir, freePercent: Math.round(freePercent * 10) / 10, thresholdPercent: this.opts.diskLowPercent });
    }
    this.#diskLow = low;
  }

  close(): void {
    if (this.#diskTimer) clearInterval(this.#diskTimer);
    for (const name of [...this.#watched.keys()]) {
      const w = this.#watched.get(name);
      if (w?.poll) clearInterval(w.poll);
      w?.events?.abort();
      w?.child?.unref();
    }
  }
}

function logTail(file: string, lines = 10): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}
