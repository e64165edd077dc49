/**
 * A running lab: its VMs, their dependency order, and the one-operation-at-
 * a-time rule.
 *
 * `up` boots every requested VM (and, transitively, what they depend on);
 * VMs whose `depends_on` are all ready start in parallel; `up` resolves when
 * all are ready and fails with every VM's error otherwise (the lab stays up
 * for inspection). `down` stops VMs in reverse dependency order, in
 * parallel within a level. Operations that change power state are
 * serialised: a second one while the first runs is answered `lab.busy`
 * naming the running operation, never queued silently.
 */
import { rmSync } from "node:fs";
import { VmlabError } from "../errors.ts";
import type { LabPlan, LabStatus, VmPlan } from "../protocol.ts";
import { EventBus, JsonLog, ensureLabDirs, labPaths, noCloneRegistry, type CloneRegistry, type LabContext, type NicAttacher } from "./context.ts";
import { macsFor, readState, writeState } from "./state_file.ts";
import { VmRuntime } from "./vm_runtime.ts";
import { join } from "node:path";

export type Report = (level: "info" | "warn" | "error", msg: string, vm?: string) => void;

export class LabRuntime {
  plan: LabPlan;
  readonly events: EventBus;
  readonly ctx: LabContext;
  readonly vms = new Map<string, VmRuntime>();
  #busy: string | undefined;

  constructor(plan: LabPlan, nics: NicAttacher, clones: CloneRegistry = noCloneRegistry) {
    this.plan = plan;
    const paths = labPaths(plan.name, plan.dir);
    ensureLabDirs(paths);
    const log = new JsonLog(join(paths.logs, "lab.log"));
    this.events = new EventBus(plan.name, log);
    this.ctx = { name: plan.name, dir: plan.dir, paths, log, nics, clones, emit: (t, vm, d) => this.events.emit(t, vm, d) };
    try {
      this.#adopt(plan);
    } catch (e) {
      // E.g. a full disk: the daemon still starts, and `up` reports the problem.
      log.write("error", `cannot record the lab state: ${(e as Error).message}`);
    }
  }

  /** Take a (possibly changed) plan: new VMs are added, running ones keep running. */
  #adopt(plan: LabPlan): void {
    this.plan = plan;
    const state = readState(this.ctx.paths.work);
    for (const vm of plan.vms) {
      const macs = macsFor(state, vm.name, vm.nics.map((n) => n.mac));
      state.macs[vm.name] = macs;
      const existing = this.vms.get(vm.name);
      if (existing) existing.plan = vm;
      else this.vms.set(vm.name, new VmRuntime(this.ctx, vm, macs));
    }
    state.plan = plan;
    writeState(this.ctx.paths.work, state);
  }

  /** Run `fn` as the lab's one power operation. */
  async exclusive<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.#busy) {
      throw new VmlabError("lab.busy", `Lab ${this.plan.name} is busy: ${this.#busy} is in progress`, {
        subject: this.plan.name,
        hint: "Wait for it to finish (`vmlab status` shows progress), then try again.",
      });
    }
    this.#busy = what;
    try {
      return await fn();
    } finally {
      this.#busy = undefined;
    }
  }

  /** The power operation in progress, if any. */
  get busy(): string | undefined {
    return this.#busy;
  }

  vm(name: string): VmRuntime {
    const v = this.vms.get(name);
    if (!v) {
      throw new VmlabError("vm.not_found", `Lab ${this.plan.name} has no VM named ${name}`, {
        subject: name,
        hint: `VMs in this lab: ${[...this.vms.keys()].join(", ") || "(none)"}`,
      });
    }
    return v;
  }

  /** The requested VMs plus everything they depend on. */
  #closure(names: readonly string[]): VmPlan[] {
    const want = new Set<string>();
    const visit = (n: string): void => {
      if (want.has(n)) return;
      const v = this.vm(n);
      want.add(n);
      for (const d of v.plan.dependsOn) visit(d);
    };
    for (const n of names.length ? names : this.plan.vms.map((v) => v.name)) visit(n);
    return this.plan.vms.filter((v) => want.has(v.name));
  }

  async up(plan: LabPlan, names: readonly string[], report: Report): Promise<void> {
    return this.exclusive("up", async () => {
      this.#adopt(plan);
      const todo = this.#closure(names);
      const started = new Map<string, Promise<void>>();
      const failures: VmlabError[] = [];
      const startOne = (v: VmPlan): Promise<void> => {
        const existing = started.get(v.name);
        if (existing) return existing;
        const p = (async () => {
          const deps = v.dependsOn.filter((d) => todo.some((t) => t.name === d));
          const results = await Promise.allSettled(deps.map((d) => startOne(todo.find((t) => t.name === d) as VmPlan)));
          const failed = deps.filter((_, i) => results[i]?.status === "rejected");
          if (failed.length) throw new VmlabError("vm.start_failed", `VM ${v.name} was not started: it depends on ${failed.join(", ")}, which failed`, { subject: v.name });
          const rt = this.vm(v.name);
          if (rt.state === "running" && rt.ready) return;
          report("info", `${v.name}: starting`, v.name);
          await rt.start((lvl, msg) => report(lvl, msg, v.name));
        })();
        p.catch((e: unknown) => failures.push(VmlabError.from(e)));
        started.set(v.name, p);
        return p;
      };
      await Promise.allSettled(todo.map(startOne));
      if (failures.length) {
        this.events.emit("lab.up_failed", undefined, { errors: failures.map((f) => f.message) });
        const first = failures[0] as VmlabError;
        throw new VmlabError(first.code, failures.map((f) => f.message).join("\n"), {
          subject: first.subject ?? this.plan.name,
          hint: first.hint ?? "The lab stays up for inspection: `vmlab status`, `vmlab logs`.",
        });
      }
      this.events.emit("lab.up", undefined, { vms: todo.map((v) => v.name) });
    });
  }

  async down(names: readonly string[], force: boolean, report: Report): Promise<void> {
    return this.exclusive("down", () => this.#down(names, force, report));
  }

  async #down(names: readonly string[], force: boolean, report: Report): Promise<void> {
    const targets = names.length ? names.map((n) => this.vm(n)) : [...this.vms.values()];
    // Reverse dependency order: a VM stops after everything that depends on it.
    const levels = this.#levels(targets.map((t) => t.name)).reverse();
    for (const level of levels) {
      await Promise.all(
        level.map(async (name) => {
          const v = this.vm(name);
          if (!v.machine?.process.running) return;
          report("info", `${name}: stopping${force ? " (forced)" : ""}`, name);
          const exit = await v.stop(force, (l, m) => report(l, m, name));
          report("info", `${name}: stopped${exit ? ` (${exit.signal ? `signal ${exit.signal}` : `exit ${exit.code}`})` : ""}`, name);
        }),
      );
    }
    if (!names.length || this.runningCount() === 0) this.events.emit("lab.down", undefined, {});
  }

  /** Kill everything (its disks are about to be deleted: a graceful shutdown would be wasted) and delete `.vmlab/`. */
  async destroy(report: Report): Promise<void> {
    return this.exclusive("destroy", async () => {
      await this.#down([], true, report);
      for (const v of this.vms.values()) await v.removeClone();
      rmSync(this.ctx.paths.work, { recursive: true, force: true });
      this.events.emit("lab.destroyed", undefined, {});
    });
  }

  /** VM names grouped so each group depends only on earlier groups. */
  #levels(names: readonly string[]): string[][] {
    const set = new Set(names);
    const level = new Map<string, number>();
    const depth = (n: string, seen: Set<string>): number => {
      const known = level.get(n);
      if (known !== undefined) return known;
      if (seen.has(n)) return 0;
      seen.add(n);
      const deps = (this.vms.get(n)?.plan.dependsOn ?? []).filter((d) => set.has(d));
      const d = deps.length ? 1 + Math.max(...deps.map((x) => depth(x, seen))) : 0;
      level.set(n, d);
      return d;
    };
    const out: string[][] = [];
    for (const n of names) {
      const d = depth(n, new Set());
      (out[d] ??= []).push(n);
    }
    return out.filter(Boolean);
  }

  runningCount(): number {
    return [...this.vms.values()].filter((v) => v.machine?.process.running).length;
  }

  status(daemonPid: number | null): LabStatus {
    const vms = this.plan.vms.map((p) => this.vm(p.name).status());
    const running = vms.filter((v) => v.state === "running" || v.state === "starting").length;
    const anyCrashed = vms.some((v) => v.state === "crashed");
    const state: LabStatus["state"] =
      this.#busy === "up" ? "starting" : this.#busy === "down" || this.#busy === "destroy" ? "stopping" : running === vms.length && vms.length ? "up" : running === 0 && !anyCrashed ? "down" : "partial";
    return { name: this.plan.name, file: this.plan.file, state, daemonPid, vms };
  }
}
