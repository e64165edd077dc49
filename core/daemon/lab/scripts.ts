/**
 * Provision scripts and event handlers inside the lab daemon (PRD §7.3,
 * decision 7): scripts run in a worker thread (wscript `runInWorker`), never
 * on the event loop that moves network frames and answers the API.
 *
 * - `provisioner` runs one provision's `main(lab)`; its log lines stream to
 *   the invoking CLI and the lab log; a compile error, fault or `Err` rejects
 *   with `provision.failed` carrying the rendered message, location and trace.
 * - `watchHandlers` runs `handle(event, lab)` of every `on "<event>"` block
 *   whose name matches an event (`*` matches within a dotted name, e.g.
 *   `vm.*`); runs of one handler are queued, failures are logged and emitted
 *   as `handler.failed`, never fatal.
 * - Compiled scripts are cached by path and mtime.
 */
import { statSync } from "node:fs";
import { relative } from "node:path";
import { compileScript, runHandler, runProvision, type CompiledScript } from "../../scripting/run.ts";
import { CodedError } from "../../errors/mod.ts";
import type { HandlerPlan, LabEvent, ProvisionPlan } from "../protocol.ts";
import type { LabRuntime, Provisioner, Report } from "./lab_runtime.ts";
import { DaemonLab, type NetworkView } from "./script_handle.ts";

type Entry = "main" | "handle";

export class ScriptHost {
  readonly #cache = new Map<string, { mtime: number; compiled: CompiledScript }>();
  readonly #abort = new AbortController();
  readonly #queues = new Map<string, Promise<void>>();

  constructor(
    readonly lab: LabRuntime,
    readonly network: () => NetworkView | undefined,
  ) {}

  #compile(path: string, entry: Entry): CompiledScript {
    let mtime = 0;
    try {
      mtime = statSync(path).mtimeMs;
    } catch {
      // compileScript reports the missing file
    }
    const key = `${entry}:${path}`;
    const hit = this.#cache.get(key);
    if (hit && hit.mtime === mtime) return hit.compiled;
    const compiled = compileScript(path, { entry });
    this.#cache.set(key, { mtime, compiled });
    return compiled;
  }

  #rel(path: string): string {
    return relative(this.lab.plan.dir, path) || path;
  }

  /** Run `main(lab)` of a script; `report` gets its log lines. */
  async runMain(path: string, report: Report, what: string): Promise<void> {
    const rel = this.#rel(path);
    const c = this.#compile(path, "main");
    if (!c.ok)
      throw new CodedError("provision.failed", `${what} ${rel} does not compile:\n${c.rendered.trimEnd()}`, {
        subject: rel,
        hint: "`vmlab validate` type-checks every script",
      });
    const log = (m: string) => {
      report("info", m);
      this.lab.ctx.log.write("info", m, { script: rel });
    };
    const r = await runProvision(c.unit, new DaemonLab(this.lab, log, this.network()), { onLog: log, signal: this.#abort.signal });
    if (!r.ok) {
      throw new CodedError("provision.failed", `${what} ${rel} failed:\n${r.error.trimEnd()}`, {
        subject: rel,
        hint: "the lab stays up for inspection (`vmlab status`, `vmlab exec`); fix the script and run `vmlab provision`",
      });
    }
  }

  readonly provisioner: Provisioner = async (p: ProvisionPlan, index: number, report: Report) => {
    report("info", `provision ${index + 1}: ${this.#rel(p.script)}${p.vms.length ? ` (for ${p.vms.join(", ")})` : ""}`);
    await this.runMain(p.script, report, "Provision");
    report("info", `provision ${index + 1}: ${this.#rel(p.script)} done`);
  };

  /** Run matching handlers for every event of the lab; returns the unsubscribe function. */
  watchHandlers(): () => void {
    return this.lab.events.subscribe((e) => {
      if (e.type === "handler.failed") return;
      for (const h of this.lab.plan.handlers) if (eventMatches(h.event, e.type)) this.#queue(h, e);
    });
  }

  #queue(h: HandlerPlan, e: LabEvent): void {
    const key = `${h.event}:${h.run}`;
    const prev = this.#queues.get(key) ?? Promise.resolve();
    const next = prev.then(() => this.#runHandler(h, e)).catch(() => undefined);
    this.#queues.set(key, next);
  }

  async #runHandler(h: HandlerPlan, e: LabEvent): Promise<void> {
    const rel = this.#rel(h.run);
    const log = this.lab.ctx.log;
    const fail = (message: string) => {
      log.write("error", `handler ${rel} for ${e.type} failed`, { error: message });
      this.lab.events.emit("handler.failed", e.vm, { handler: rel, event: e.type, error: message });
    };
    const c = this.#compile(h.run, "handle");
    if (!c.ok) return fail(c.rendered);
    log.write("info", `handler ${rel} runs for ${e.type}`, { vm: e.vm });
    const lab = new DaemonLab(this.lab, (m) => log.write("info", m, { script: rel }), this.network());
    const r = await runHandler(c.unit, { name: e.type, vm: e.vm ?? "", data: JSON.stringify(e.data) }, lab, { signal: this.#abort.signal });
    if (!r.ok) fail(r.error);
  }

  /** Cancel every running script (daemon shutdown). */
  close(): void {
    this.#abort.abort();
  }
}

/** `vm.crashed` matches `vm.crashed`, `vm.*` and `*`. */
export function eventMatches(pattern: string, type: string): boolean {
  if (pattern === "*" || pattern === type) return true;
  if (!pattern.includes("*")) return false;
  const re = new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join("[^]*")}$`,
  );
  return re.test(type);
}
