/**
 * The lab's port forwards (PRD §9.8): host port → VM port on a segment, declared in
 * the plan or added at run time, each with a rule id.
 *
 * Contract: the target's address is asked per connection (`target`), so a forward
 * works before the guest has a lease and follows it if it changes. One host port
 * carries one forward per protocol (`both` overlaps either). `hostPort = 0` takes any
 * free port, and the forward records the one the host gave. Errors users can cause
 * reject with a `FabricFailure`.
 */
import { startForward, type Nat, type NetLog, type RuleOrigin, type RunningForward } from "../../../net/mod.ts";
import { FabricFailure } from "./fabric_error.ts";
import type { FabricRuleInfo } from "./segment_handle.ts";
import type { ForwardPlan } from "../../config/network_plan.ts";

/** A forward as requested at run time; `segment` defaults to the VM's first NIC's. */
export type ForwardRequest = Omit<ForwardPlan, "segment" | "bind" | "proto"> & Partial<Pick<ForwardPlan, "segment" | "bind" | "proto">>;

/** A running forward, for `listForwards` and `status`. */
export interface ForwardInfo extends ForwardPlan {
  /** The target's current address on the segment, if it has one. */
  guestIp: string | undefined;
}

/** What the forwards need from the fabric. */
export interface ForwardsHost {
  lab: string;
  log: NetLog;
  /** The NAT of running segment `name` (forwards ride on it), if it runs. */
  natOf(segment: string): Nat | undefined;
  /** The target VM's current address on the forward's segment. */
  target(f: ForwardPlan): number | undefined;
  /** Formats an address for `ForwardInfo`. */
  format(ip: number): string;
  /** The lab-wide rule id counter. */
  nextRuleId(): number;
}

interface LiveForward {
  plan: ForwardPlan;
  running: RunningForward;
  id: number;
  origin: RuleOrigin;
}

/** The running forwards of one lab. */
export class FabricForwards {
  readonly #h: ForwardsHost;
  readonly #live = new Map<string, LiveForward>();

  constructor(host: ForwardsHost) {
    this.#h = host;
  }

  /** Starts forward `f`; resolves to its plan with the real host port, or rejects with a `FabricFailure`. */
  async start(f: ForwardPlan, origin: RuleOrigin): Promise<ForwardPlan> {
    const text = forwardLabel(f);
    const nat = this.#h.natOf(f.segment);
    if (!nat) {
      throw new FabricFailure({
        code: "unknown_segment",
        segment: f.segment,
        port: f.hostPort,
        forward: text,
        message: `Cannot start forward ${text}: segment "${f.segment}" is not running in lab ${this.#h.lab}`,
        hint: "declare the forward inside a declared segment",
      });
    }
    const clash = [...this.#live.values()].find((x) => x.plan.hostPort === f.hostPort && overlaps(x.plan.proto, f.proto));
    if (clash) {
      throw new FabricFailure({
        code: "forward_exists",
        segment: f.segment,
        port: f.hostPort,
        forward: text,
        message: `Cannot start forward ${text}: host port ${f.hostPort} already carries forward ${forwardLabel(clash.plan)}`,
        hint: "remove that forward first or pick another host_port",
      });
    }
    const r = await startForward(nat, {
      hostPort: f.hostPort,
      hostAddress: f.bind,
      guestIp: () => this.#h.target(f),
      guestPort: f.guestPort,
      proto: f.proto,
      label: text,
      onNoGuest: () =>
        this.#h.log({
          level: "warn",
          event: "net.forward_no_target",
          message: `Forward ${text}: ${f.vm} has no address on segment ${f.segment} yet; connection refused`,
          port: f.hostPort,
        }),
    });
    if (!r.ok) {
      throw new FabricFailure({ code: r.error.code, segment: f.segment, port: f.hostPort, forward: text, message: r.error.message, hint: r.error.hint });
    }
    // `hostPort = 0` asks the host for a free port: record the one it gave.
    const plan: ForwardPlan = { ...f, hostPort: r.forward.hostPort };
    this.#live.set(`${plan.hostPort}/${plan.proto}`, { plan, running: r.forward, id: this.#h.nextRuleId(), origin });
    this.#h.log({ level: "info", event: "net.forward_started", message: `Forward ${forwardLabel(plan)} listening`, port: plan.hostPort });
    return plan;
  }

  /** Stops the forward on `hostPort` (`proto` narrows it when TCP and UDP differ). */
  async remove(hostPort: number, proto?: ForwardPlan["proto"]): Promise<void> {
    const hits = [...this.#live.entries()].filter(([, f]) => f.plan.hostPort === hostPort && (proto === undefined || f.plan.proto === proto));
    if (!hits.length) {
      throw new FabricFailure({
        code: "forward_not_found",
        segment: "",
        port: hostPort,
        message: `Cannot remove forward: no forward listens on host port ${hostPort}${proto ? `/${proto}` : ""}`,
        hint: "list forwards with status",
      });
    }
    for (const [k, f] of hits) {
      this.#live.delete(k);
      await f.running.close();
      this.#h.log({ level: "info", event: "net.forward_removed", message: `Forward ${forwardLabel(f.plan)} removed`, port: hostPort });
    }
  }

  /** Running forwards with their targets' current addresses. */
  list(): ForwardInfo[] {
    return [...this.#live.values()].map((f) => this.info(f.plan));
  }

  /** `f` with its target's current address. */
  info(f: ForwardPlan): ForwardInfo {
    const ip = this.#h.target(f);
    return { ...f, guestIp: ip === undefined ? undefined : this.#h.format(ip) };
  }

  /** Forwards of segment `name` with their rule ids, for `rules()`. */
  rulesOf(name: string): FabricRuleInfo[] {
    const out: FabricRuleInfo[] = [];
    for (const f of this.#live.values()) {
      const p = f.plan;
      if (p.segment === name)
        out.push({ id: f.id, kind: "forward", hostPort: p.hostPort, vm: p.vm, guestPort: p.guestPort, proto: p.proto, bind: p.bind, origin: f.origin });
    }
    return out;
  }

  /** Stops every forward. */
  async close(): Promise<void> {
    for (const f of [...this.#live.values()]) await f.running.close();
    this.#live.clear();
  }
}

/** `127.0.0.1:8080 → web:80/tcp`. */
export function forwardLabel(f: ForwardPlan): string {
  return `${f.bind}:${f.hostPort} → ${f.vm}:${f.guestPort}/${f.proto}`;
}

function overlaps(a: ForwardPlan["proto"], b: ForwardPlan["proto"]): boolean {
  return a === b || a === "both" || b === "both";
}
