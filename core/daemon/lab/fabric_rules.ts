/**
 * The lab's segment rules and routing (PRD §9.6, §9.9): every running segment gets an
 * `L3Filter` on its switch and a `RuleBook` (declared `record`, `sinkhole`, `block`,
 * `redirect` get ids when the segment starts; scripts add more); one `Router` is every
 * gateway's IP stack in front of the segment's NAT, with `routes_to` pairs and
 * run-time `routeTo`/`unrouteTo` links (both directions). Rule ids — rules, routes and
 * forwards alike — come from the one lab-wide counter here (`nextId`).
 */
import { L3Filter, Router, RuleBook, type Clock, type Nat, type NetLog, type RuleOrigin, type Segment } from "../../../net/mod.ts";
import { FabricFailure } from "./fabric_error.ts";
import type { NetworkPlan, SegmentPlan } from "../../config/network_plan.ts";
import type { FabricRuleInfo } from "./segment_handle.ts";

/** What the rules need from the fabric. */
export interface FabricRulesOptions {
  lab: string;
  clock: Clock;
  log: NetLog;
}

/** Rule books, L3 filters and routes of one lab's segments. */
export class FabricRules {
  readonly #o: FabricRulesOptions;
  readonly #books = new Map<string, RuleBook>();
  /** Inter-segment routing; each link carries its rule id and origin. */
  readonly #router: Router<{ id: number; origin: RuleOrigin }>;
  #nextRuleId = 0;

  constructor(o: FabricRulesOptions) {
    this.#o = o;
    this.#router = new Router<{ id: number; origin: RuleOrigin }>({ log: o.log });
  }

  /** The next lab-wide rule id. */
  nextId(): number {
    return this.#nextRuleId++;
  }

  /**
   * Puts a new segment under rules: its L3 filter, its place in the router (in front
   * of `nat`), and a rule book holding the plan's declared rules (refused ones are
   * logged and skipped). Returns the rule book.
   */
  attach(plan: SegmentPlan, segment: Segment, nat: Nat, net: Pick<NetworkPlan, "records" | "sinkholes">): RuleBook {
    const name = plan.name;
    const filter = new L3Filter({ clock: this.#o.clock, gateway: segment.gateway, segment: name, log: this.#o.log });
    segment.switch.setFilter(filter.filter);
    segment.gateway.setProxyArp(filter.wantsArp);
    this.#router.addSegment({ name, gateway: segment.gateway, mtu: plan.mtu });
    segment.setIpStack(this.#router.stackFor(name, nat));
    const rules = new RuleBook({ segment: name, dns: segment.dns, l3: filter, nextId: () => this.nextId() });
    this.#books.set(name, rules);
    const refused = rules.declare({ ...plan.dns, labRecords: net.records, labSinkholes: net.sinkholes, block: plan.block, redirect: plan.redirect });
    for (const e of refused) this.#o.log({ level: "warn", event: "net.rule_invalid", message: `${e.message}; rule ignored`, hint: e.hint, segment: name });
    return rules;
  }

  /** Links every declared `routes_to` pair; an invalid one is logged and ignored. */
  linkDeclared(segments: readonly SegmentPlan[]): void {
    for (const s of segments) {
      for (const other of s.routesTo) {
        try {
          this.link(s.name, other, "segment");
        } catch (e) {
          this.#o.log({
            level: "warn",
            event: "net.route_invalid",
            message: `Segment ${s.name}: routes_to "${other}" ignored: ${(e as Error).message}`,
            segment: s.name,
          });
        }
      }
    }
  }

  /** The rule book of running segment `name`, or a `FabricFailure` (`unknown_segment`). */
  ruleBook(name: string): RuleBook {
    const r = this.#books.get(name);
    if (!r)
      throw new FabricFailure({
        code: "unknown_segment",
        segment: name,
        message: `Cannot change rules: segment "${name}" is not running in lab ${this.#o.lab}`,
        hint: "name a segment declared in the lab, after up",
      });
    return r;
  }

  /** Routes IPv4 between segments `a` and `b` (both directions); idempotent. */
  link(a: string, b: string, origin: RuleOrigin): void {
    const err = this.#router.link(a, b, () => ({ id: this.nextId(), origin }));
    if (err) throw new FabricFailure({ code: err.code, segment: a, message: err.message, hint: err.hint });
  }

  /** Stops routing between `a` and `b`; idempotent; both must be running. */
  unlink(a: string, b: string): void {
    this.ruleBook(a);
    this.ruleBook(b);
    this.#router.unlink(a, b);
  }

  /** Routes of segment `name` with their rule ids, for `rules()`. */
  routesOf(name: string): FabricRuleInfo[] {
    const out: FabricRuleInfo[] = [];
    for (const to of this.#router.peersOf(name)) {
      const r = this.#router.linkData(name, to);
      if (r) out.push({ id: r.id, kind: "route", to, origin: r.origin });
    }
    return out;
  }

  /** Forgets a segment that closed. */
  remove(name: string): void {
    this.#router.removeSegment(name);
    this.#books.delete(name);
  }
}
