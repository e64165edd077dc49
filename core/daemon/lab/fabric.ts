/**
 * The lab's network fabric: one `net/` Segment per segment of the lab, joined to QEMU
 * NICs over unix stream sockets (PRD §9, DESIGN §5). Implements `NicAttacher`.
 *
 * Contract:
 *  - `open()` builds every segment of the `FabricPlan`: the declared subnet, or one
 *    allocated from the host-wide pool avoiding every subnet other running labs hold
 *    (registry `$XDG_RUNTIME_DIR/vmlab/subnets.json`, rewritten atomically under a lock
 *    file; entries of dead daemons are pruned; ours are removed by `close()`); NAT when
 *    the segment asks for it; DNS with the host's resolvers as upstream. The per-lab
 *    built-in NAT segment (`nic { nat = true }`, `segment = null`) is created on first use.
 *  - `attach(vm, i, nic, mac)` registers the NIC with its segment (DNS names, static
 *    `ip` as a DHCP reservation), listens on `<runDir>/net-<vm>-<i>.sock` and returns
 *    `{kind: "stream"}` for QEMU to connect to; each connection becomes a switch port
 *    (a reconnecting QEMU replaces the previous port). `detach` closes all of it.
 *  - `status()` reports segments with subnet, gateway, NAT and leases (vm/ip/mac).
 * Errors users can cause (unknown segment, exhausted pool, bad subnet, static ip
 * outside the subnet) are `FabricError` data thrown as `FabricFailure`.
 * Out of scope here: port forwards and inter-segment routing (fed later from config).
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { dirname, join } from "node:path";
import type { NicAttachment } from "../../qemu/spec.ts";
import { runtimeDir } from "../../paths.ts";
import type { NicPlan, VmPlan } from "../protocol.ts";
import type { NicAttacher } from "./context.ts";
import {
  allocateSubnet, attachStreamSocket, cidrContains, cidrOverlaps, cidrToString, DEFAULT_SUBNET_POOL, ipv4ToString, isSubnetPoolError,
  Nat, parseCidr, parseIpv4Address, Segment, systemClock, UdpDnsForwarder, type Cidr, type Clock, type DnsRecord, type DnsSinkhole,
  type NetLog, type SwitchPort,
} from "../../../net/mod.ts";

/** Name of the per-lab built-in NAT segment behind `nic { nat = true }`. */
export const BUILTIN_NAT_SEGMENT = "_nat";
/** Give up taking the registry lock after this long. */
export const REGISTRY_LOCK_TIMEOUT_MS = 5000;
/** A lock file older than this is considered left behind by a crashed daemon. */
export const REGISTRY_LOCK_STALE_MS = 10_000;

/** Per-segment configuration (the lead feeds it from the config model). */
export interface FabricSegmentPlan {
  name: string;
  /** Declared CIDR; allocated from the pool when absent. */
  subnet?: string;
  nat?: boolean;
  /** `dhcp = false` opts out. Default true. */
  dhcp?: boolean;
  mtu?: number;
  dns?: { enabled?: boolean; servers?: string[]; records?: DnsRecord[]; sinkholes?: DnsSinkhole[] };
}

/** Everything the fabric of one lab needs. */
export interface FabricPlan {
  lab: string;
  /** The lab's runtime folder (NIC sockets go here). */
  runDir: string;
  segments: FabricSegmentPlan[];
  subnetPool?: string;
  dnsSuffix?: string;
  /** Registry of subnets in use host-wide; default `<runtimeDir>/subnets.json`. */
  registryPath?: string;
  clock?: Clock;
  log?: NetLog;
}

/** A user-caused fabric error, as data. */
export interface FabricError {
  code: "unknown_segment" | "subnet_invalid" | "subnet_in_use" | "subnet_pool_exhausted" | "static_ip_invalid" | "registry_locked";
  segment: string;
  message: string;
  hint: string;
}

/** Carries a `FabricError` through promise rejections. */
export class FabricFailure extends Error {
  constructor(readonly error: FabricError) {
    super(error.message);
  }
}

/** `status()` shape. */
export interface FabricStatus {
  segments: { name: string; subnet: string; gateway: string; nat: boolean; leases: { vm: string | undefined; ip: string; mac: string }[] }[];
}

interface RegistryEntry {
  lab: string;
  segment: string;
  subnet: string;
  pid: number;
}

interface LiveSegment {
  plan: FabricSegmentPlan;
  subnet: Cidr;
  segment: Segment;
  nat: Nat | undefined;
}

interface LiveNic {
  server: Server;
  path: string;
  port: SwitchPort | undefined;
  socket: Socket | undefined;
  seg: LiveSegment;
  mac: string;
}

/** The fabric of one running lab. */
export class LabFabric implements NicAttacher {
  readonly #p: FabricPlan;
  readonly #clock: Clock;
  readonly #log: NetLog;
  readonly #registry: string;
  readonly #segs = new Map<string, LiveSegment>();
  readonly #nics = new Map<string, LiveNic>();
  readonly #vmByMac = new Map<string, string>();
  #dns: UdpDnsForwarder | undefined;

  constructor(plan: FabricPlan) {
    this.#p = plan;
    this.#clock = plan.clock ?? systemClock();
    this.#log = plan.log ?? (() => {});
    this.#registry = plan.registryPath ?? join(runtimeDir(), "subnets.json");
  }

  /** Creates every declared segment (the built-in NAT one waits for its first NIC). */
  async open(): Promise<void> {
    mkdirSync(this.#p.runDir, { recursive: true, mode: 0o700 });
    for (const s of this.#p.segments) this.#segment(s.name);
  }

  async attach(vm: VmPlan, index: number, nic: NicPlan, mac: string): Promise<NicAttachment> {
    const seg = this.#segment(nic.segment ?? BUILTIN_NAT_SEGMENT);
    let ip: number | undefined;
    if (nic.ip !== undefined) {
      ip = parseIpv4Address(nic.ip);
      if (ip === undefined || !cidrContains(seg.subnet, ip) || ip === seg.segment.gateway.ip) {
        throw new FabricFailure({ code: "static_ip_invalid", segment: seg.plan.name, message: `Cannot attach ${vm.name} nic ${index}: ip "${nic.ip}" is not a usable address of ${cidrToString(seg.subnet)}`, hint: `pick an address inside ${cidrToString(seg.subnet)} other than the gateway ${ipv4ToString(seg.segment.gateway.ip)}` });
      }
    }
    if (!seg.segment.addHost({ vm: vm.name, lab: this.#p.lab, mac }, ip)) {
      throw new FabricFailure({ code: "static_ip_invalid", segment: seg.plan.name, message: `Cannot attach ${vm.name} nic ${index}: ip "${nic.ip}" is reserved by another NIC`, hint: "give every static ip to one NIC only" });
    }
    this.#vmByMac.set(mac.toLowerCase(), vm.name);
    // `nic { isolated = true }` (port isolation); read structurally until NicPlan carries it.
    const isolated = "isolated" in nic && nic.isolated === true;
    await this.detach(vm, index);
    const path = join(this.#p.runDir, `net-${vm.name}-${index}.sock`);
    rmSync(path, { force: true });
    const live: LiveNic = { server: createServer(), path, port: undefined, socket: undefined, seg, mac };
    live.server.on("connection", (sock) => {
      live.socket?.destroy();
      live.socket = sock;
      live.port = attachStreamSocket(seg.segment.switch, sock, { name: `${vm.name}/${index}`, isolated, log: this.#log });
    });
    await new Promise<void>((resolve, reject) => {
      live.server.once("error", reject);
      live.server.listen(path, () => resolve());
    });
    this.#nics.set(`${vm.name}/${index}`, live);
    return { kind: "stream", socket: path };
  }

  async detach(vm: VmPlan, index: number): Promise<void> {
    await this.#closeNic(`${vm.name}/${index}`);
  }

  async #closeNic(key: string): Promise<void> {
    const live = this.#nics.get(key);
    if (!live) return;
    this.#nics.delete(key);
    live.socket?.destroy();
    live.port?.detach();
    await new Promise<void>((r) => live.server.close(() => r()));
    rmSync(live.path, { force: true });
  }

  /** Segments, subnets, gateways, NAT and leases for `vmlab status`. */
  status(): FabricStatus {
    return {
      segments: [...this.#segs.values()].map((s) => ({
        name: s.plan.name,
        subnet: cidrToString(s.subnet),
        gateway: ipv4ToString(s.segment.gateway.ip),
        nat: s.nat !== undefined,
        leases: s.segment.leases().map((l) => ({ vm: this.#vmByMac.get(l.mac.toLowerCase()), ip: ipv4ToString(l.ip), mac: l.mac })),
      })),
    };
  }

  /** Stops every NIC, NAT and forwarder and releases the lab's subnets. */
  async close(): Promise<void> {
    for (const key of [...this.#nics.keys()]) await this.#closeNic(key);
    for (const s of this.#segs.values()) {
      s.nat?.close();
      s.segment.close();
    }
    this.#segs.clear();
    this.#dns?.close();
    this.#dns = undefined;
    this.#withRegistry((entries) => entries.filter((e) => !(e.lab === this.#p.lab && e.pid === process.pid)));
  }

  #segment(name: string): LiveSegment {
    const have = this.#segs.get(name);
    if (have) return have;
    const plan = this.#p.segments.find((s) => s.name === name) ?? (name === BUILTIN_NAT_SEGMENT ? { name, nat: true } : undefined);
    if (!plan) throw new FabricFailure({ code: "unknown_segment", segment: name, message: `Cannot attach NIC: segment "${name}" is not declared in lab ${this.#p.lab}`, hint: `declare segment "${name}" {} or use nic { nat = true }` });
    const subnet = this.#claimSubnet(plan);
    const dnsCfg = plan.dns;
    const dnsOn = dnsCfg?.enabled !== false;
    const servers = (dnsCfg?.servers ?? []).map(parseIpv4Address).filter((x): x is number => x !== undefined);
    const segment = new Segment({
      name,
      clock: this.#clock,
      subnet,
      mtu: plan.mtu,
      log: this.#log,
      dhcp: plan.dhcp === false ? false : { dns: dnsOn ? (servers.length ? servers : undefined) : [] },
      dns: dnsOn ? { suffix: this.#p.dnsSuffix, records: dnsCfg?.records, sinkholes: dnsCfg?.sinkholes, forwarder: this.#forwarder() } : false,
    });
    const nat = plan.nat ? new Nat({ clock: this.#clock, gateway: segment.gateway, mtu: segment.switch.mtu, log: this.#log }) : undefined;
    if (nat) segment.setIpStack(nat);
    const live: LiveSegment = { plan, subnet, segment, nat };
    this.#segs.set(name, live);
    return live;
  }

  #forwarder(): (q: Uint8Array) => Promise<Uint8Array | undefined> {
    this.#dns ??= new UdpDnsForwarder({ clock: this.#clock });
    return this.#dns.forward;
  }

  /** Declared or allocated subnet, recorded host-wide. */
  #claimSubnet(plan: FabricSegmentPlan): Cidr {
    let out: Cidr | FabricError | undefined;
    this.#withRegistry((entries) => {
      const others = entries.filter((e) => !(e.lab === this.#p.lab && e.segment === plan.name));
      const used = others.map((e) => parseCidr(e.subnet)).filter((c): c is Cidr => c !== undefined);
      if (plan.subnet !== undefined) {
        const c = parseCidr(plan.subnet);
        if (!c || c.prefix > 30) {
          out = { code: "subnet_invalid", segment: plan.name, message: `Cannot create segment "${plan.name}": subnet "${plan.subnet}" is not an IPv4 CIDR of /30 or wider`, hint: 'write it like "10.50.0.0/24"' };
          return entries;
        }
        const clash = others.find((e) => { const u = parseCidr(e.subnet); return u !== undefined && cidrOverlaps(u, c); });
        if (clash) {
          out = { code: "subnet_in_use", segment: plan.name, message: `Cannot create segment "${plan.name}": subnet ${plan.subnet} overlaps ${clash.subnet} of lab ${clash.lab} (segment ${clash.segment})`, hint: "choose another subnet or stop the other lab" };
          return entries;
        }
        out = c;
      } else {
        const a = allocateSubnet(used, this.#p.subnetPool ?? DEFAULT_SUBNET_POOL);
        if (isSubnetPoolError(a)) {
          out = { code: "subnet_pool_exhausted", segment: plan.name, message: a.message, hint: a.hint };
          return entries;
        }
        out = a;
      }
      return [...others, { lab: this.#p.lab, segment: plan.name, subnet: cidrToString(out), pid: process.pid }];
    });
    if (out === undefined) throw new FabricFailure({ code: "registry_locked", segment: plan.name, message: `Cannot create segment "${plan.name}": the subnet registry ${this.#registry} stayed locked`, hint: "another vmlab daemon holds the lock; retry, or remove a stale .lock file" });
    if ("code" in out) throw new FabricFailure(out);
    return out;
  }

  /** Read-modify-write of the registry under an exclusive lock file; atomic rename. */
  #withRegistry(update: (entries: RegistryEntry[]) => RegistryEntry[]): void {
    mkdirSync(dirname(this.#registry), { recursive: true, mode: 0o700 });
    const lock = `${this.#registry}.lock`;
    const deadline = Date.now() + REGISTRY_LOCK_TIMEOUT_MS;
    for (;;) {
      try {
        closeSync(openSync(lock, "wx"));
        break;
      } catch {
        try {
          if (Date.now() - statSync(lock).mtimeMs > REGISTRY_LOCK_STALE_MS) rmSync(lock, { force: true });
        } catch {
          // Lock vanished between open and stat: retry.
        }
        if (Date.now() > deadline) return;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
      }
    }
    try {
      const next = update(readRegistry(this.#registry).filter((e) => pidAlive(e.pid)));
      const tmp = `${this.#registry}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ entries: next }, null, 2) + "\n", { mode: 0o600 });
      renameSync(tmp, this.#registry);
    } finally {
      rmSync(lock, { force: true });
    }
  }
}

function readRegistry(path: string): RegistryEntry[] {
  try {
    const j = JSON.parse(readFileSync(path, "utf8")) as { entries?: unknown };
    if (!Array.isArray(j.entries)) return [];
    return j.entries.filter((e): e is RegistryEntry => typeof e === "object" && e !== null && typeof e.lab === "string" && typeof e.segment === "string" && typeof e.subnet === "string" && typeof e.pid === "number");
  } catch {
    return [];
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
