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
import { CodedError } from "../../errors/mod.ts";
import type { LabPlan, LabStatus, ProvisionPlan, ShareStatus, VmPlan } from "../protocol.ts";
import { EventBus, JsonLog, ensureLabDirs, labPaths, noCloneRegistry, type CloneRegistry, type LabContext, type NicAttacher } from "./context.ts";
import { macsFor, readState, writeState } from "./state_file.ts";
import { VmRuntime } from "./vm_runtime.ts";
import { join } from "node:path";

/** How long `up` waits for a ready VM's DHCP leases before it only warns. */
export const LEASE_WAIT_MS = 30_000;

export type Report = (level: "info" | "warn" | "error", msg: string, vm?: string) => void;

/** Runs one provision script; rejects with the script's rendered error. Injected by the daemon. */
export type Provisioner = (p: ProvisionPlan, index: number, report: Report) => Promise<void>;

export class LabRuntime {
  plan: LabPlan;
  readonly events: EventBus;
  readonly ctx: LabContext;
  readonly vms = new Map<string, VmRuntime>();
  #busy: string | undefined;
  /** Set by the daemon once scripting is wired. */
  provisioner: Provisioner | undefined;
  /** Opens the lab's network before VMs start (set by the daemon). */
  prepareNetwork: ((plan: LabPlan) => Promise<void>) | undefined;
  /** Closes the lab's network (forwards, sockets, subnets) once nothing runs. */
  releaseNetwork: (() => Promise<void>) | undefined;
  /** Addresses from the network's lease table, if it knows the VM. */
  leaseIps: ((vm: string) => string[]) | undefined;
  /** Runs once a VM with shares that this `up` started is ready and leased: mounts its shares (PRD §7.5). */
  afterReady: ((vm: VmRuntime) => Promise<void>) | undefined;
  /** A VM's shares for `status`. */
  shareStatus: ((vm: VmPlan) => ShareStatus[]) | undefined;
  /** Segments and forwards for `status`. */
  networkStatus: (() => Pick<LabStatus, "segments" | "forwards">) | undefined;

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
      const macs = macsFor(
        state,
        vm.name,
        vm.nics.map((n) => n.mac),
      );
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
      throw new CodedError("lab.busy", `lab ${this.plan.name} is busy: ${this.#busy} is in progress`, {
        subject: this.plan.name,
        hint: "wait for it to finish (`vmlab status` shows progress), then try again",
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
      throw new CodedError("vm.not_found", `lab ${this.plan.name} has no VM named ${name}`, {
        subject: name,
        hint: `name one of the lab's VMs: ${[...this.vms.keys()].join(", ") || "(none)"}`,
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

  /**
   * Boot the requested VMs (and their dependencies), then run the provision
   * scripts in declaration order, each once the VMs it names are ready (all
   * VMs when it names none). A VM whose `depends_on` names a VM in some
   * provision's `vms` also waits for that provision (PRD §7.2). A failing
   * script fails `up` with its message, location and trace; the lab stays up.
   */
  async up(plan: LabPlan, names: readonly string[], report: Report, opts: { provision?: boolean } = {}): Promise<void> {
    return this.exclusive("up", async () => {
      this.#adopt(plan);
      await this.prepareNetwork?.(plan);
      const todo = this.#closure(names);
      const inTodo = new Set(todo.map((t) => t.name));
      const provisions =
        opts.provision === false || !this.provisioner
          ? []
          : plan.provisions.filter((p) => (p.vms.length === 0 ? names.length === 0 : p.vms.every((v) => inTodo.has(v))));
      // A provision waiting for a VM that itself waits for a later provision can never run.
      for (const [i, p] of provisions.entries()) {
        for (const x of p.vms) {
          const upstream = this.#closure([x])
            .map((v) => v.name)
            .filter((n) => n !== x);
          const later = provisions.findIndex((q, j) => j > i && q.vms.some((v) => upstream.includes(v)));
          if (later >= 0) {
            throw new CodedError(
              "lab.invalid",
              `provision ${p.script} (for ${x}) is declared before ${provisions[later]?.script}, but ${x} depends on a VM that one provisions, so neither could run`,
              {
                subject: p.script,
                hint: "declare the provision blocks in dependency order",
              },
            );
          }
        }
      }
      const started = new Map<string, Promise<void>>();
      /** VMs this `up` actually booted (a provision whose VMs all ran already is not repeated). */
      const booted = new Set<string>();
      const provisionRuns: Promise<void>[] = [];
      const failures: CodedError[] = [];
      // Provisions whose scope holds `vm` (they gate `vm`'s dependants).
      const gating = (vm: string) =>
        provisions
          .map((p, i) => ({ p, i }))
          .filter(({ p }) => p.vms.includes(vm))
          .map(({ i }) => provisionRuns[i] as Promise<void>);
      const startOne = (v: VmPlan): Promise<void> => {
        const existing = started.get(v.name);
        if (existing) return existing;
        const p = (async () => {
          const deps = v.dependsOn.filter((d) => inTodo.has(d));
          const results = await Promise.allSettled(deps.map((d) => startOne(todo.find((t) => t.name === d) as VmPlan)));
          const failed = deps.filter((_, i) => results[i]?.status === "rejected");
          if (failed.length)
            throw new CodedError("vm.start_failed", `VM ${v.name} was not started: it depends on ${failed.join(", ")}, which failed`, { subject: v.name });
          const gates = deps.flatMap(gating);
          if (gates.length) {
            const g = await Promise.allSettled(gates);
            if (g.some((r) => r.status === "rejected"))
              throw new CodedError("vm.start_failed", `VM ${v.name} was not started: a provision it waits for failed`, { subject: v.name });
          }
          const rt = this.vm(v.name);
          if ((rt.state === "running" || rt.state === "paused") && rt.ready) return;
          report("info", `${v.name}: starting`, v.name);
          booted.add(v.name);
          await rt.start((lvl, msg) => report(lvl, msg, v.name));
          await this.#awaitLeases(v, report);
          if (this.afterReady && (v.shares ?? []).length && v.agent) {
            await this.afterReady(rt);
            report("info", `${v.name}: mounted ${(v.shares ?? []).map((x) => `${x.name} at ${x.guest}`).join(", ")}`, v.name);
          }
        })();
        p.catch((e: unknown) => failures.push(CodedError.from(e)));
        started.set(v.name, p);
        return p;
      };
      // Chain the provisions in declaration order, each after the VMs it names.
      let previous: Promise<void> = Promise.resolve();
      for (const [i, p] of provisions.entries()) {
        const scope = p.vms.length ? p.vms : todo.map((t) => t.name);
        const run = previous.then(async () => {
          const ready = await Promise.allSettled(scope.map((n) => started.get(n) ?? Promise.resolve()));
          if (ready.some((r) => r.status === "rejected"))
            throw new CodedError("provision.skipped", `provision ${p.script} did not run: a VM it needs failed to start`, { subject: p.script });
          if (!scope.some((n) => booted.has(n))) {
            report("info", `provision ${i + 1}: skipped, its VMs were already running (\`vmlab provision\` runs it again)`);
            return;
          }
          await (this.provisioner as Provisioner)(p, i, report);
        });
        provisionRuns.push(run);
        previous = run;
      }
      // Provisions gate VM starts through `gating`, so they must exist before any start.
      await Promise.allSettled(todo.map(startOne));
      const provResults = await Promise.allSettled(provisionRuns);
      for (const r of provResults) if (r.status === "rejected") failures.push(CodedError.from(r.reason));
      if (failures.length) {
        this.events.emit("lab.up_failed", undefined, { errors: failures.map((f) => f.message) });
        const first = failures.find((f) => f.code === "provision.failed") ?? (failures[0] as CodedError);
        throw new CodedError(
          first.code,
          [...new Set(failures.filter((f) => f.code !== "provision.skipped" || failures.length === 1).map((f) => f.message))].join("\n"),
          {
            subject: first.subject ?? this.plan.name,
            hint: first.hint ?? "The lab stays up for inspection: `vmlab status`, `vmlab logs`.",
          },
        );
      }
      this.events.emit("lab.up", undefined, { vms: todo.map((v) => v.name) });
    });
  }

  /**
   * After the agent answers, give DHCP a moment: `up` reports IPs (and
   * provisions can use them) once every DHCP-served NIC holds a lease. A
   * guest that does not ask for one is only warned about.
   */
  async #awaitLeases(v: VmPlan, report: Report): Promise<void> {
    const leases = this.leaseIps;
    if (!leases) return;
    const segs = new Map((this.plan.network?.segments ?? []).map((s) => [s.name, s]));
    const want = v.nics.filter((n) => n.segment === null || segs.get(n.segment)?.dhcp !== false).length;
    if (want === 0) return;
    const deadline = Date.now() + LEASE_WAIT_MS;
    while (leases(v.name).length < want) {
      if (Date.now() > deadline) {
        report(
          "warn",
          `${v.name}: ${leases(v.name).length} of ${want} NIC(s) hold a DHCP lease after ${LEASE_WAIT_MS / 1000} s (is a DHCP client running in the guest?)`,
          v.name,
        );
        return;
      }
      await Bun.sleep(100);
    }
    report("info", `${v.name}: ${leases(v.name).join(", ")}`, v.name);
  }

  /** `vmlab provision`: run every provision script again, in order, on the running lab. */
  async provisionAll(report: Report): Promise<void> {
    return this.exclusive("provision", async () => {
      if (!this.provisioner) throw new CodedError("internal", "scripting is not available in this daemon");
      for (const [i, p] of this.plan.provisions.entries()) await this.provisioner(p, i, report);
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
    if (!names.length || this.runningCount() === 0) {
      // Host ports and subnets are free again when `down` returns.
      if (this.runningCount() === 0)
        await this.releaseNetwork?.().catch((e: unknown) => this.ctx.log.write("warn", `closing the network failed: ${(e as Error).message}`));
      this.events.emit("lab.down", undefined, {});
    }
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
    const running = vms.filter((v) => v.state === "running" || v.state === "starting" || v.state === "paused").length;
    const anyCrashed = vms.some((v) => v.state === "crashed" || v.state === "io-error");
    const state: LabStatus["state"] =
      this.#busy === "up"
        ? "starting"
        : this.#busy === "down" || this.#busy === "destroy"
          ? "stopping"
          : running === vms.length && vms.length
            ? "up"
            : running === 0 && !anyCrashed
              ? "down"
              : "partial";
    for (const v of vms) {
      const p = this.vms.get(v.name)?.plan;
      if (p?.shares?.length && this.shareStatus) v.shares = this.shareStatus(p);
      const leased = this.leaseIps?.(v.name) ?? [];
      if (leased.length) v.ips = [...new Set([...leased, ...v.ips])];
    }
    return { name: this.plan.name, file: this.plan.file, state, daemonPid, vms, ...(this.networkStatus?.() ?? {}) };
  }
}
