/**
 * What every VM of a running lab shares: names, folders, the event sink, the
 * JSON-line logger and the NIC attacher.
 *
 * Folders (`fact_paths_table.md`): clones and persisted lab state in
 * `<labdir>/.vmlab/`, sockets in `$XDG_RUNTIME_DIR/vmlab/labs/<lab>/`, logs in
 * `$XDG_STATE_HOME/vmlab/labs/<lab>/`.
 */
import { appendFileSync, chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { runtimeDir, stateDir } from "../../paths.ts";
import type { NicAttachment } from "../../qemu/spec.ts";
import type { LabEvent, NicPlan, VmPlan } from "../protocol.ts";

/**
 * How a NIC reaches its segment. The lifecycle asks the attacher for each
 * NIC before QEMU starts and tells it when the VM stops; the network fabric
 * implements this interface (a switch port per NIC), so plugging the fabric
 * in changes no lifecycle code.
 */
export interface NicAttacher {
  attach(vm: VmPlan, index: number, nic: NicPlan, mac: string): Promise<NicAttachment>;
  /** With `attachment`, detach only that instance's port (a newer one is left alone). */
  detach(vm: VmPlan, index: number, attachment?: NicAttachment): Promise<void>;
}

/** Until the fabric is wired, NICs exist in the guest but are unplugged. */
export const unpluggedNics: NicAttacher = {
  attach: async () => ({ kind: "none" }),
  detach: async () => undefined,
};

export type LogLevel = "debug" | "info" | "warn" | "error";

/** Log and state files are private to the user: they hold addresses and script output. */
export const PRIVATE_FILE_MODE = 0o600;

/** Append-only JSON-line logger (file mode 0600); never throws (a full disk must not kill the daemon). */
export class JsonLog {
  #modeChecked = false;

  constructor(readonly file: string) {}

  write(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
    try {
      appendFileSync(this.file, JSON.stringify({ ts: new Date().toISOString(), level, msg, ...fields }) + "\n", { mode: PRIVATE_FILE_MODE });
      if (!this.#modeChecked) {
        // A file created by an older version (or another umask) is tightened once.
        this.#modeChecked = true;
        chmodSync(this.file, PRIVATE_FILE_MODE);
      }
    } catch {
      // Logging is best effort.
    }
  }
}

export interface LabPaths {
  /** `<labdir>/.vmlab` */
  readonly work: string;
  /** Sockets for this lab. */
  readonly run: string;
  /** Logs for this lab. */
  readonly logs: string;
}

export function labPaths(labName: string, labDir: string): LabPaths {
  return {
    work: join(labDir, ".vmlab"),
    run: join(runtimeDir(), "labs", labName),
    logs: join(stateDir(), "labs", labName),
  };
}

/** Tells the template store which linked clones back its templates. */
export interface CloneRegistry {
  register(templateRef: string, clonePath: string): Promise<void>;
  unregister(templateRef: string, clonePath: string): Promise<void>;
}

export const noCloneRegistry: CloneRegistry = { register: async () => undefined, unregister: async () => undefined };

export interface LabContext {
  readonly name: string;
  readonly dir: string;
  readonly paths: LabPaths;
  readonly log: JsonLog;
  readonly nics: NicAttacher;
  readonly clones: CloneRegistry;
  emit(type: string, vm: string | undefined, data?: Record<string, unknown>): LabEvent;
}

/** Event fan-out: the lab log, live subscribers (`GET /v1/events`), and a bounded history. */
export class EventBus {
  /** Events kept for late subscribers and `status`. */
  static readonly HISTORY = 500;
  readonly #subs = new Set<(e: LabEvent) => void>();
  readonly history: LabEvent[] = [];

  constructor(
    readonly lab: string,
    readonly log: JsonLog,
  ) {}

  emit(type: string, vm: string | undefined, data: Record<string, unknown> = {}): LabEvent {
    const e: LabEvent = { type, ts: new Date().toISOString(), lab: this.lab, ...(vm ? { vm } : {}), data };
    this.history.push(e);
    if (this.history.length > EventBus.HISTORY) this.history.shift();
    this.log.write(type.endsWith("crashed") || type.endsWith("failed") ? "error" : "info", `event ${type}`, { event: e });
    for (const s of this.#subs) {
      try {
        s(e);
      } catch {
        // A broken subscriber must not stop the others.
      }
    }
    return e;
  }

  subscribe(fn: (e: LabEvent) => void): () => void {
    this.#subs.add(fn);
    return () => this.#subs.delete(fn);
  }
}

export function ensureLabDirs(p: LabPaths): void {
  mkdirSync(p.work, { recursive: true });
  mkdirSync(p.run, { recursive: true, mode: 0o700 });
  mkdirSync(p.logs, { recursive: true, mode: 0o700 });
}
