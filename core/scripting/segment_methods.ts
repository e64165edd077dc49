/**
 * The methods of the script type `Segment` (entity_seg_api.md) bound to
 * `SegmentHandle` calls: runtime DNS entries and sinkholes, blocks, redirects,
 * forwards, the rule list as JSON text, and — beyond the reference, which leaves it
 * "always Err" — `route_to` / `unroute_to`, which ask the lab daemon to turn routing
 * between two segments on or off at runtime, and `capture(path, secs)` (issue 14), which
 * records the segment's frames for `secs` seconds into a pcapng file.
 *
 * Checked here before the handle sees them: non-empty names and addresses, `proto` one
 * of tcp/udp/icmp, ports 1..65535, rule ids ≥ 0, routing a segment to itself. Address
 * syntax (CIDR, `ip[:port]`) is the handle's to check, with the fabric's own parser.
 */
import type { Int } from "../../wscript/mod.ts";
import type { BlockProto } from "./handle.ts";
import type { SegmentRef } from "./refs.ts";
import { attempt, BadArgument, intArg, MAX_TIMEOUT_SECS } from "./values.ts";

type Method = (...args: never[]) => unknown;
type AsyncMethod = (...args: never[]) => Promise<unknown>;

/** Largest rule id a script can name. */
const MAX_RULE_ID = Number.MAX_SAFE_INTEGER;

const PROTOS: readonly BlockProto[] = ["tcp", "udp", "icmp"];

const nonEmpty = (v: string, what: string): string => {
  if (v.trim() === "") throw new BadArgument(`${what} is empty`);
  return v;
};
const port = (v: Int, what: string) => intArg(v, what, 1, 65_535);
const ruleId = (v: Int) => intArg(v, "rule_id", 0, MAX_RULE_ID);

/** Synchronous `Segment` methods by signature. */
export const segmentMethods: Record<string, Method> = {
  "name(self) -> string": ((s: SegmentRef) => s.handle.name) as Method,
};

/** Asynchronous `Segment` methods by signature. */
export const segmentAsyncMethods: Record<string, AsyncMethod> = {
  "dns_set(self, name: string, ip: string) -> Result[int, string]": (async (s: SegmentRef, name: string, ip: string) =>
    attempt(`set DNS name ${name} on segment ${s.handle.name}`, () => s.handle.dnsSet(nonEmpty(name, "the name"), nonEmpty(ip, "the IP")))) as AsyncMethod,
  "dns_sinkhole(self, pattern: string) -> Result[int, string]": (async (s: SegmentRef, pattern: string) =>
    attempt(`sinkhole ${pattern} on segment ${s.handle.name}`, () => s.handle.dnsSinkhole(nonEmpty(pattern, "the pattern")))) as AsyncMethod,
  "dns_clear(self, rule_id: int) -> Result[bool, string]": (async (s: SegmentRef, id: Int) =>
    attempt(`clear DNS rule ${String(id)} on segment ${s.handle.name}`, () => s.handle.dnsClear(ruleId(id)))) as AsyncMethod,
  "block(self, cidr: string) -> Result[int, string]": (async (s: SegmentRef, cidr: string) =>
    attempt(`block ${cidr} on segment ${s.handle.name}`, () => s.handle.block(nonEmpty(cidr, "the CIDR")))) as AsyncMethod,
  "block_port(self, cidr: string, proto: string, port: int) -> Result[int, string]": (async (s: SegmentRef, cidr: string, proto: string, p: Int) =>
    attempt(`block ${proto} port ${String(p)} of ${cidr} on segment ${s.handle.name}`, () => {
      const pr = PROTOS.find((x) => x === proto.toLowerCase());
      if (pr === undefined) throw new BadArgument(`proto "${proto}" is not one of "tcp", "udp", "icmp"`);
      return s.handle.blockPort(nonEmpty(cidr, "the CIDR"), pr, pr === "icmp" ? intArg(p, "port", 0, 65_535) : port(p, "port"));
    })) as AsyncMethod,
  "unblock(self, rule_id: int) -> Result[bool, string]": (async (s: SegmentRef, id: Int) =>
    attempt(`unblock rule ${String(id)} on segment ${s.handle.name}`, () => s.handle.unblock(ruleId(id)))) as AsyncMethod,
  "redirect(self, from: string, to: string) -> Result[int, string]": (async (s: SegmentRef, from: string, to: string) =>
    attempt(`redirect ${from} to ${to} on segment ${s.handle.name}`, () => s.handle.redirect(nonEmpty(from, "from"), nonEmpty(to, "to")))) as AsyncMethod,
  "forward(self, host_port: int, vm: string, guest_port: int) -> Result[int, string]": (async (s: SegmentRef, hp: Int, vm: string, gp: Int) =>
    attempt(`forward host port ${String(hp)} to ${vm}:${String(gp)} on segment ${s.handle.name}`, () =>
      s.handle.forward(port(hp, "host_port"), nonEmpty(vm, "the VM name"), port(gp, "guest_port")),
    )) as AsyncMethod,
  "rules(self) -> Result[string, string]": (async (s: SegmentRef) =>
    attempt(
      `list the rules of segment ${s.handle.name}`,
      () => s.handle.rules(),
      (r) => JSON.stringify(r),
    )) as AsyncMethod,
  "route_to(self, other: Segment) -> Result[unit, string]": (async (s: SegmentRef, o: SegmentRef) =>
    attempt(`route segment ${s.handle.name} to ${o.handle.name}`, () => {
      if (o.handle.name === s.handle.name) throw new BadArgument("a segment cannot be routed to itself");
      return s.handle.routeTo(o.handle.name);
    })) as AsyncMethod,
  "capture(self, path: string, secs: int) -> Result[int, string]": (async (s: SegmentRef, path: string, secs: Int) =>
    attempt(`capture segment ${s.handle.name} into ${path}`, () =>
      s.handle.capture(nonEmpty(path, "the path"), intArg(secs, "secs", 1, MAX_TIMEOUT_SECS)),
    )) as AsyncMethod,
  "unroute_to(self, other: Segment) -> Result[unit, string]": (async (s: SegmentRef, o: SegmentRef) =>
    attempt(`unroute segment ${s.handle.name} from ${o.handle.name}`, () => {
      if (o.handle.name === s.handle.name) throw new BadArgument("a segment cannot be routed to itself");
      return s.handle.unrouteTo(o.handle.name);
    })) as AsyncMethod,
};
