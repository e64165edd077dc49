/**
 * The script API's `Segment` over the lab's network fabric (entity_seg_api.md,
 * PRD §9.6, §9.9): `LabFabric.segmentHandle(name)` returns one of these.
 *
 * Contract:
 *  - Every call looks the segment up when it runs, so a handle made before `up`
 *    works once the fabric is open, and one kept across `down` fails cleanly.
 *  - Failures reject with an `Error` whose message is one line naming the segment
 *    and the offending text, with a `hint` property (handle.ts contract); fabric
 *    errors (`FabricFailure`) and rule-book errors are translated here.
 *  - `dnsSinkhole` is always NXDOMAIN; `block(cidr)` takes a CIDR or bare IP;
 *    `unblock(id)` removes a block or a redirect rule (the reference has no
 *    separate call for redirects); `dnsClear(id)` removes any DNS rule. Both answer
 *    false for an id this segment does not have, declared rules included.
 *  - `forward` is TCP only and needs the VM to have an address on this segment.
 *  - `rules()` lists every rule of the segment, declared and run-time, with ids:
 *    DNS records/overrides/sinkholes, blocks and redirects (with hit counts),
 *    forwards and routes — JSON-serialisable, sorted by id.
 *  - `routeTo`/`unrouteTo` toggle daemon routing between this segment and another,
 *    both directions, idempotent (issue 7: they work from scripts).
 *  - `capture(path, secs)` records every frame for `secs` seconds into a pcapng file
 *    that appears atomically at `path` (parents created); resolves to the frame count.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { BlockProto, SegmentHandle } from "../../scripting/handle.ts";
import type { RuleBook, RuleInfo, RuleOrigin, RuleResult } from "../../../net/mod.ts";

/** A forward or a route as `rules()` lists it beside the rule book's rules. */
export type FabricRuleInfo =
  | { id: number; kind: "forward"; hostPort: number; vm: string; guestPort: number; proto: "tcp" | "udp" | "both"; bind: string; origin: RuleOrigin }
  | { id: number; kind: "route"; to: string; origin: RuleOrigin };

/** The forward `forward()` asks for, and what it needs back (a subset of the fabric's types). */
interface ForwardRequest {
  segment: string;
  hostPort: number;
  vm: string;
  guestPort: number;
  proto: "tcp";
}
interface ForwardInfo {
  hostPort: number;
  bind: string;
  guestIp: string | undefined;
}

/** What the handle needs from the fabric (`LabFabric` implements it). */
export interface SegmentRulesHost {
  /** The running segment's rule book; throws a `FabricFailure` when it is not running. */
  ruleBook(segment: string): RuleBook;
  routeTo(a: string, b: string): void;
  unrouteTo(a: string, b: string): void;
  fabricRules(segment: string): FabricRuleInfo[];
  addForward(req: ForwardRequest): Promise<ForwardInfo>;
  removeForward(hostPort: number, proto?: "tcp"): Promise<void>;
  /** Starts a pcapng capture of the whole segment (see `LabFabric.capture`). */
  capture(segment: string, req: { write(chunk: Uint8Array): void; onEnd?: () => void }): { capture: { readonly frames: number }; stop(): void };
}

/** A rule as `rules()` lists it. */
export type SegmentRuleInfo = RuleInfo | FabricRuleInfo;

const BLOCK_PROTOS: readonly string[] = ["tcp", "udp", "icmp"];

/** `SegmentHandle` over a `SegmentRulesHost`. */
export class FabricSegmentHandle implements SegmentHandle {
  constructor(
    readonly host: SegmentRulesHost,
    readonly name: string,
  ) {}

  dnsSet(name: string, ip: string): Promise<number> {
    return this.#rule((b) => b.addOverride(name, ip));
  }

  dnsSinkhole(pattern: string): Promise<number> {
    return this.#rule((b) => b.addSinkhole(pattern, "nxdomain", "runtime"));
  }

  dnsClear(ruleId: number): Promise<boolean> {
    return this.#call(() => this.host.ruleBook(this.name).removeDns(ruleId));
  }

  block(cidr: string): Promise<number> {
    return this.#rule((b) => b.addBlock(cidr, "runtime"));
  }

  blockPort(cidr: string, proto: BlockProto, port: number): Promise<number> {
    if (!BLOCK_PROTOS.includes(proto))
      return Promise.reject(failure(`Cannot block ${cidr} on segment ${this.name}: protocol "${proto}" is not tcp, udp or icmp`, 'use "tcp", "udp" or "icmp"'));
    return this.#rule((b) => b.addBlock(cidr, "runtime", proto, port));
  }

  unblock(ruleId: number): Promise<boolean> {
    return this.#call(() => this.host.ruleBook(this.name).removeL3(ruleId));
  }

  redirect(from: string, to: string): Promise<number> {
    return this.#rule((b) => b.addRedirect(from, to, "runtime"));
  }

  async forward(hostPort: number, vm: string, guestPort: number): Promise<number> {
    const seg = this.name;
    await this.#call(() => this.host.ruleBook(seg));
    const before = new Set(this.host.fabricRules(seg).map((r) => r.id));
    let info: ForwardInfo;
    try {
      info = await this.host.addForward({ segment: seg, hostPort, vm, guestPort, proto: "tcp" });
    } catch (e) {
      throw translate(e);
    }
    if (info.guestIp === undefined) {
      await this.host.removeForward(info.hostPort, "tcp").catch(() => undefined);
      throw failure(
        `Cannot forward host port ${hostPort} to ${vm}:${guestPort} on segment ${seg}: ${vm} has no address on ${seg} yet`,
        "wait for the VM to be ready (it needs a lease) before forwarding to it",
      );
    }
    const made = this.host.fabricRules(seg).find((r) => r.kind === "forward" && r.hostPort === info.hostPort && !before.has(r.id));
    if (!made) throw failure(`Cannot find the forward on host port ${info.hostPort} of segment ${seg} after starting it`, "list rules to see the forwards");
    return made.id;
  }

  async rules(): Promise<unknown> {
    const book = await this.#call(() => this.host.ruleBook(this.name));
    const all: SegmentRuleInfo[] = [...book.list(), ...this.host.fabricRules(this.name)];
    return all.sort((a, b) => a.id - b.id);
  }

  routeTo(other: string): Promise<void> {
    return this.#call(() => this.host.routeTo(this.name, other));
  }

  unrouteTo(other: string): Promise<void> {
    return this.#call(() => this.host.unrouteTo(this.name, other));
  }

  async capture(path: string, secs: number): Promise<number> {
    const tmp = `${path}.part-${process.pid}`;
    let fd: number;
    try {
      if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw new Error("it is a folder");
      mkdirSync(dirname(path), { recursive: true });
      fd = openSync(tmp, "w", 0o600);
    } catch (e) {
      throw failure(`Cannot capture segment ${this.name} into ${path}: ${(e as Error).message}`, "pick a writable path");
    }
    let writeError: Error | undefined;
    let ended: () => void = () => {};
    const endedEarly = new Promise<void>((r) => (ended = r));
    try {
      const cap = await this.#call(() =>
        this.host.capture(this.name, {
          write: (chunk) => {
            try {
              let at = 0;
              while (at < chunk.byteLength) at += writeSync(fd, chunk, at);
            } catch (e) {
              writeError ??= e as Error;
            }
          },
          onEnd: ended,
        }),
      );
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([endedEarly, new Promise<void>((r) => (timer = setTimeout(r, secs * 1000)))]);
      clearTimeout(timer);
      cap.stop();
      closeSync(fd);
      if (writeError) throw failure(`Cannot capture segment ${this.name} into ${path}: ${writeError.message}`, "check the free space and the path");
      try {
        renameSync(tmp, path);
      } catch (e) {
        throw failure(`Cannot capture segment ${this.name} into ${path}: ${(e as Error).message}`, "pick a writable path");
      }
      return cap.capture.frames;
    } catch (e) {
      try {
        closeSync(fd);
      } catch {
        // closed above
      }
      rmSync(tmp, { force: true });
      throw e;
    }
  }

  /** Runs a rule-book addition; its error data becomes a rejection. */
  #rule(add: (book: RuleBook) => RuleResult): Promise<number> {
    return this.#call(() => {
      const r = add(this.host.ruleBook(this.name));
      if (!r.ok) throw failure(r.error.message, r.error.hint);
      return r.id;
    });
  }

  async #call<T>(fn: () => T): Promise<T> {
    try {
      return fn();
    } catch (e) {
      throw translate(e);
    }
  }
}

/** An `Error` with the `hint` property the script layer appends. */
function failure(message: string, hint: string): Error {
  return Object.assign(new Error(message), { hint });
}

/** `FabricFailure` (duck-typed: `error.message`/`error.hint`) → `Error` with a hint. */
function translate(e: unknown): Error {
  const data = (e as { error?: { message?: unknown; hint?: unknown } } | undefined)?.error;
  if (data && typeof data.message === "string") return failure(data.message, typeof data.hint === "string" ? data.hint : "");
  return e instanceof Error ? e : new Error(String(e));
}
