/**
 * The lab's network fabric: one `net/` Segment per segment of the lab, joined to QEMU
 * NICs over unix stream sockets (PRD §9, DESIGN §5), plus the lab's port forwards.
 * Implements `NicAttacher`.
 *
 * Contract:
 *  - `new LabFabric({ lab, runDir, network })` takes the `NetworkPlan` (network_plan.ts).
 *    `open()` builds every declared segment: the declared subnet, or one allocated from
 *    the host-wide pool avoiding every subnet other running labs hold (`SubnetRegistry`
 *    in subnet_registry.ts, `$XDG_RUNTIME_DIR/vmlab/subnets.json`); NAT when asked; DNS with the plan's upstream
 *    (default: the host's resolvers); then starts every forward. A host port already
 *    taken fails `open()` with a `FabricError` naming the port and the forward, after
 *    releasing everything `open()` took. The built-in NAT segment (`nic { nat = true }`,
 *    `segment = null`) is created on first use.
 *  - `attach(vm, i, nic, mac)` registers the NIC with its segment (DNS names, static
 *    `ip` as a DHCP reservation), listens on `<runDir>/net-<vm>-<i>.sock` and returns
 *    `{kind: "stream"}` for QEMU; each connection becomes a switch port (a reconnecting
 *    QEMU replaces the previous one; a port speaking garbage is dropped and logged).
 *  - Forwards resolve the target VM's address from the lease table at connection time
 *    (`vmIps`), so they work before the guest has a lease and follow it if it changes.
 *    Every segment carries forwards; only `nat = true` ones let guests open flows out.
 *  - `addForward`/`removeForward`/`listForwards` change forwards at run time.
 *  - `status()` reports segments (subnet, gateway, NAT, leases with vm/ip/mac) and forwards.
 *  - ICMP echo from NAT'd guests to the outside uses ping sockets when the host allows
 *    them (decided at `open()`); otherwise one log line says why and only the gateway
 *    answers ping.
 *  - Rules (PRD §9.9): every segment has a `RuleBook` (declared `record`, `sinkhole`,
 *    `block`, `redirect` get ids at `open()`; scripts add more) enforced by an
 *    `L3Filter` on its switch. Rule ids come from one lab-wide counter.
 *  - Routing (PRD §9.6): one `Router` is every gateway's IP stack in front of the NAT;
 *    `routes_to` pairs are linked at `open()`, `routeTo`/`unrouteTo` toggle pairs at
 *    run time (both directions).
 *  - `segmentHandle(name)` is the script API's `SegmentHandle` (segment_handle.ts).
 *  - `capture(segment, {vm, filter, write})` taps the segment's switch and streams
 *    pcapng (net/capture.ts) until `stop()` or `close()`; `status()` counts frames,
 *    drops and running captures per segment.
 * Forwards live in `fabric_forwards.ts`, rules and routing in `fabric_rules.ts`; this
 * file owns segments, NICs, subnets and DNS forwarding, and composes the two.
 * Errors users can cause are `FabricError` data thrown as `FabricFailure`.
 * Cross-host segments (`connect`, host `trunk_port`/`psk`) are `FabricTrunks`
 * (fabric_trunks.ts); `connect { vxlan vni }` joins a segment to a VXLAN VTEP over a UDP
 * socket (net/vxlan_link.ts; a taken port fails `open()` with network.vxlan_port_taken).
 * Not enforced (logged once at `open()`): `global` (run lab-locally).
 */
import { rmSync, mkdirSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import type { NicAttachment } from "../../qemu/spec.ts";
import { runtimeDir } from "../../paths.ts";
import type { NicPlan, VmPlan } from "../protocol.ts";
import type { SegmentHandle } from "../../scripting/handle.ts";
import type { NicAttacher } from "./context.ts";
import { FabricSegmentHandle, type FabricRuleInfo } from "./segment_handle.ts";
import { NetworkPlanSchema, type ForwardPlan, type NetworkPlan, type NetworkPlanInput, type SegmentPlan } from "../../config/network_plan.ts";
import {
  attachStreamSocket,
  compileCaptureFilter,
  startCapture,
  cidrContains,
  cidrToString,
  hostResolvers,
  ipv4ToString,
  Nat,
  parseCidr,
  parseIpv4Address,
  pingSocketFactory,
  RuleBook,
  Segment,
  systemClock,
  UdpDnsForwarder,
  type Cidr,
  type Clock,
  type ClasslessRoute,
  type NetLog,
  type PingSocketFactory,
  type SwitchPort,
  type Capture,
  startVxlanLink,
  VXLAN_PORT,
  type VxlanLink,
} from "../../../net/mod.ts";
import { FabricFailure } from "./fabric_error.ts";
import { FabricForwards, type ForwardInfo, type ForwardRequest } from "./fabric_forwards.ts";
import { FabricRules } from "./fabric_rules.ts";
import { FabricTrunks, type TrunkInfo, type TrunkSettings } from "./fabric_trunks.ts";
import { SubnetRegistry } from "./subnet_registry.ts";

export { FabricFailure, type FabricError } from "./fabric_error.ts";
export type { ForwardInfo, ForwardRequest } from "./fabric_forwards.ts";

/** Name of the per-lab built-in NAT segment behind `nic { nat = true }`. */
export const BUILTIN_NAT_SEGMENT = "_nat";

/** What the fabric of one lab is built from. */
export interface LabFabricOptions {
  lab: string;
  /** The lab's runtime folder (NIC sockets go here). */
  runDir: string;
  /** From `networkPlanFromConfig`; parsed here, so hand-written input gets defaults. */
  network: NetworkPlan | NetworkPlanInput;
  /** Registry of subnets in use host-wide; default `<runtimeDir>/subnets.json`. */
  registryPath?: string;
  clock?: Clock;
  log?: NetLog;
  /** Host config `psk`, `trunk_port`, `trunk_bind` (cross-host segments). */
  trunks?: TrunkSettings;
}

/** `status()` shape. */
export interface FabricStatus {
  segments: {
    name: string;
    subnet: string;
    gateway: string;
    nat: boolean;
    mtu: number;
    leases: { vm: string | undefined; ip: string; mac: string }[];
    /** Frames the switch received, frames it dropped, captures running. */
    frames: number;
    dropped: number;
    captures: number;
    /** Cross-host trunks of the segment. */
    trunks: TrunkInfo[];
    /** The VXLAN link (`connect { vxlan }`), with its counters. */
    vxlan?: { remote: string; vni: number; sent: number; received: number; dropped: number };
  }[];
  forwards: ForwardInfo[];
}

interface LiveSegment {
  plan: SegmentPlan;
  subnet: Cidr;
  segment: Segment;
  /** Outbound NAT on `nat = true` segments; forwards-only elsewhere. */
  nat: Nat;
  /** DNS and L3 rules with ids. */
  rules: RuleBook;
  /** The VXLAN link of a `connect { vxlan }` segment. */
  vxlan?: { link: VxlanLink; remote: string; vni: number };
  /** Running captures, each with what ends its stream. */
  captures: Map<Capture, () => void>;
}

/** What `capture` records and where the bytes go. */
export interface CaptureRequest {
  /** Only this VM's NICs on the segment, both directions. */
  vm?: string;
  /** tcpdump-style filter (net/capture_filter.ts). */
  filter?: string;
  /** Receives pcapng chunks. */
  write(chunk: Uint8Array): void;
  /** True while the consumer cannot take more: frames are then dropped and counted. */
  full?: () => boolean;
  /** Called once when the fabric ends the capture (segment closed). */
  onEnd?: () => void;
}

interface LiveNic {
  vm: string;
  index: number;
  server: Server;
  path: string;
  port: SwitchPort | undefined;
  socket: Socket | undefined;
  seg: LiveSegment;
  mac: string;
  staticIp: number | undefined;
  /** What `attach` returned: the identity of this VM instance's port. */
  attachment: NicAttachment;
}

/** The fabric of one running lab. */
export class LabFabric implements NicAttacher {
  readonly #lab: string;
  readonly #runDir: string;
  readonly #net: NetworkPlan;
  readonly #clock: Clock;
  readonly #log: NetLog;
  readonly #registry: SubnetRegistry;
  readonly #segs = new Map<string, LiveSegment>();
  /** Segments whose subnet claim is in flight (the registry lock may be busy). */
  readonly #opening = new Map<string, Promise<LiveSegment>>();
  readonly #nics = new Map<string, LiveNic>();
  readonly #vmByMac = new Map<string, string>();
  readonly #forwards: FabricForwards;
  readonly #rules: FabricRules;
  readonly #trunks: FabricTrunks;
  #dns: UdpDnsForwarder | undefined;
  /** Gateway TCP ports proxied to host services (SMB 445 → smbd), on every segment. */
  readonly #gatewayServices = new Map<number, () => { host: string; port: number } | undefined>();
  /** Ping sockets for NAT'd guests, or why there are none (decided at `open()`). */
  #ping: { factory: PingSocketFactory } | { reason: string } = { reason: "the fabric is not open" };

  constructor(o: LabFabricOptions) {
    this.#lab = o.lab;
    this.#runDir = o.runDir;
    this.#net = NetworkPlanSchema.parse(o.network);
    this.#clock = o.clock ?? systemClock();
    this.#log = o.log ?? (() => {});
    this.#registry = new SubnetRegistry(o.registryPath ?? join(runtimeDir(), "subnets.json"));
    this.#rules = new FabricRules({ lab: this.#lab, clock: this.#clock, log: this.#log });
    this.#trunks = new FabricTrunks({
      lab: this.#lab,
      log: this.#log,
      settings: o.trunks ?? {},
      switchFor: (name) => (name === BUILTIN_NAT_SEGMENT ? undefined : this.#segs.get(name)?.segment.switch),
    });
    this.#forwards = new FabricForwards({
      lab: this.#lab,
      log: this.#log,
      natOf: (segment) => this.#segs.get(segment)?.nat,
      target: (f) => this.#target(f),
      format: ipv4ToString,
      nextRuleId: () => this.#rules.nextId(),
    });
  }

  /** Creates every declared segment and starts every forward; on failure releases all of it. */
  async open(): Promise<void> {
    try {
      mkdirSync(this.#runDir, { recursive: true, mode: 0o700 });
      this.#ping = await pingSocketFactory(this.#clock);
      if ("reason" in this.#ping)
        this.#log({
          level: "info",
          event: "net.nat_icmp_unsupported",
          message: `Guests behind NAT can ping only their gateway: ${this.#ping.reason}`,
          hint: "allow ping sockets with sysctl net.ipv4.ping_group_range to relay ICMP echo",
        });
      for (const s of this.#net.segments) await this.#segment(s.name);
      this.#rules.linkDeclared(this.#net.segments);
      for (const f of this.#net.forwards) await this.#forwards.start(f, "segment");
      await this.#trunks.open(this.#net.segments.flatMap((s) => (s.connect && "host" in s.connect ? [{ segment: s.name, host: s.connect.host }] : [])));
      for (const s of this.#net.segments) if (s.connect && "vxlan" in s.connect) await this.#startVxlan(s.name, s.connect);
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  async attach(vm: VmPlan, index: number, nic: NicPlan, mac: string): Promise<NicAttachment> {
    const seg = await this.#segment(nic.segment ?? BUILTIN_NAT_SEGMENT);
    let ip: number | undefined;
    if (nic.ip !== undefined) {
      ip = parseIpv4Address(nic.ip);
      if (ip === undefined || !cidrContains(seg.subnet, ip) || ip === seg.segment.gateway.ip) {
        throw new FabricFailure({
          code: "static_ip_invalid",
          segment: seg.plan.name,
          message: `Cannot attach ${vm.name} nic ${index}: ip "${nic.ip}" is not a usable address of ${cidrToString(seg.subnet)}`,
          hint: `pick an address inside ${cidrToString(seg.subnet)} other than the gateway ${ipv4ToString(seg.segment.gateway.ip)}`,
        });
      }
    }
    await this.detach(vm, index);
    if (!seg.segment.addHost({ vm: vm.name, lab: this.#lab, mac }, ip)) {
      throw new FabricFailure({
        code: "static_ip_invalid",
        segment: seg.plan.name,
        message: `Cannot attach ${vm.name} nic ${index}: ip "${nic.ip}" is reserved by another NIC`,
        hint: "give every static ip to one NIC only",
      });
    }
    this.#vmByMac.set(mac.toLowerCase(), vm.name);
    const path = join(this.#runDir, `net-${vm.name}-${index}.sock`);
    rmSync(path, { force: true });
    const name = `${vm.name}/${index}`;
    const attachment: NicAttachment = { kind: "stream", socket: path };
    const live: LiveNic = { vm: vm.name, index, server: createServer(), path, port: undefined, socket: undefined, seg, mac, staticIp: ip, attachment };
    live.server.on("connection", (sock) => {
      live.socket?.destroy();
      live.socket = sock;
      live.port = attachStreamSocket(seg.segment.switch, sock, { name, isolated: nic.isolated, log: this.#log });
      // Leases and addresses of this MAC now belong to this port only (DHCP starvation, spoofing).
      seg.segment.pinPort(mac, live.port.id);
    });
    live.server.on("error", (e) => this.#log({ level: "warn", event: "net.nic_socket_error", message: `NIC socket of ${name}: ${e.message}`, vm: vm.name }));
    await new Promise<void>((resolve, reject) => {
      live.server.once("error", reject);
      live.server.listen(path, () => resolve());
    });
    this.#nics.set(name, live);
    return attachment;
  }

  /**
   * Detach NIC `index` of `vm`. With `attachment` (what `attach` returned),
   * only that instance's port is closed: a VM restarted meanwhile has a new
   * attachment, and the old instance's exit path must not tear it down.
   */
  async detach(vm: VmPlan, index: number, attachment?: NicAttachment): Promise<void> {
    const key = `${vm.name}/${index}`;
    if (attachment !== undefined && this.#nics.get(key)?.attachment !== attachment) return;
    await this.#closeNic(key);
  }

  /** Addresses of `vm` from the lease table (reservation or lease on its MAC), NIC order. */
  vmIps(vm: string): string[] {
    const out: string[] = [];
    for (const n of this.#nicsOf(vm)) {
      const ip = this.#nicAddress(n);
      if (ip !== undefined) out.push(ipv4ToString(ip));
    }
    return out;
  }

  /** Starts a forward at run time (`hostPort` 0 = any free port); resolves to it, or rejects with a `FabricFailure`. */
  async addForward(req: ForwardRequest): Promise<ForwardInfo> {
    const segment = req.segment ?? this.#nicsOf(req.vm)[0]?.seg.plan.name;
    if (segment === undefined) {
      const label = `${req.hostPort} → ${req.vm}:${req.guestPort}`;
      throw new FabricFailure({
        code: "forward_no_target",
        segment: "",
        port: req.hostPort,
        forward: label,
        message: `Cannot start forward ${label}: ${req.vm} has no NIC attached`,
        hint: "start the VM first, or name the segment",
      });
    }
    const plan: ForwardPlan = {
      segment,
      hostPort: req.hostPort,
      vm: req.vm,
      guestPort: req.guestPort,
      proto: req.proto ?? "tcp",
      bind: req.bind ?? "127.0.0.1",
    };
    return this.#forwards.info(await this.#forwards.start(plan, "runtime"));
  }

  /** Stops the forward on `hostPort` (`proto` narrows it when TCP and UDP differ). */
  async removeForward(hostPort: number, proto?: ForwardPlan["proto"]): Promise<void> {
    await this.#forwards.remove(hostPort, proto);
  }

  /** Running forwards with their targets' current addresses. */
  listForwards(): ForwardInfo[] {
    return this.#forwards.list();
  }

  /** Segments, subnets, gateways, NAT, leases and forwards for `vmlab status`. */
  status(): FabricStatus {
    return {
      segments: [...this.#segs.values()].map((s) => ({
        name: s.plan.name,
        subnet: cidrToString(s.subnet),
        gateway: ipv4ToString(s.segment.gateway.ip),
        nat: s.plan.nat,
        mtu: s.plan.mtu,
        leases: s.segment
          .leases()
          .filter((l) => l.state === "bound")
          .map((l) => ({ vm: this.#vmByMac.get(l.mac.toLowerCase()), ip: ipv4ToString(l.ip), mac: l.mac })),
        frames: s.segment.switch.stats.frames,
        dropped: s.segment.switch.stats.dropped,
        captures: s.captures.size,
        trunks: this.#trunks.list(s.plan.name),
        ...(s.vxlan ? { vxlan: { remote: s.vxlan.remote, vni: s.vxlan.vni, ...s.vxlan.link.stats } } : {}),
      })),
      forwards: this.listForwards(),
    };
  }

  /** The script API's view of segment `name` (declared, or the built-in NAT segment once used). */
  segmentHandle(name: string): SegmentHandle | undefined {
    const known = this.#net.segments.some((s) => s.name === name) || (name === BUILTIN_NAT_SEGMENT && this.#segs.has(name));
    return known ? new FabricSegmentHandle(this, name) : undefined;
  }

  /**
   * Starts a packet capture on running segment `name`; the returned `stop()` ends it.
   * Rejects a filter that does not parse and a VM with no NIC on the segment.
   */
  capture(name: string, req: CaptureRequest): { capture: Capture; stop(): void } {
    const seg = this.#segs.get(name);
    if (!seg)
      throw new FabricFailure({
        code: "unknown_segment",
        segment: name,
        message: `segment "${name}" is not running in lab ${this.#lab}`,
        hint: "`vmlab status` lists the running segments; start the lab with `vmlab up`",
      });
    const f = compileCaptureFilter(req.filter ?? "");
    if (!f.ok)
      throw new FabricFailure({
        code: "capture_filter_invalid",
        segment: name,
        message: `cannot use capture filter "${req.filter ?? ""}": ${f.message}`,
        hint: "terms: arp ip icmp tcp udp, [src|dst] host <ip>, [src|dst] port <n>, ether [src|dst] host <mac>; combine with and/or/not and parentheses",
      });
    let ports: ((p: SwitchPort) => boolean) | undefined;
    if (req.vm !== undefined) {
      const names = new Set(
        this.#nicsOf(req.vm)
          .filter((n) => n.seg === seg)
          .map((n) => `${n.vm}/${n.index}`),
      );
      if (!names.size)
        throw new FabricFailure({
          code: "capture_vm_not_attached",
          segment: name,
          message: `VM ${req.vm} has no NIC on segment ${name}`,
          hint: `\`vmlab status\` shows which VMs are on ${name}; leave out --vm to capture the whole segment`,
        });
      ports = (p) => names.has(p.name);
    }
    let dropped = 0;
    const capture = startCapture(seg.segment.switch, {
      write: req.write,
      description: `${this.#lab}/${name}`,
      ...(ports ? { ports } : {}),
      match: (fr) => {
        if (!f.match(fr)) return false;
        if (!req.full?.()) return true;
        dropped++;
        return false;
      },
    });
    const end = () => {
      seg.captures.delete(capture);
      capture.stop();
      if (dropped)
        this.#log({
          level: "info",
          event: "net.capture_dropped",
          message: `Capture on ${name} dropped ${dropped} frames (the reader was too slow)`,
          segment: name,
        });
    };
    seg.captures.set(capture, () => {
      end();
      req.onEnd?.();
    });
    return { capture, stop: end };
  }

  /** The rule book of running segment `name`, or a `FabricFailure` (`unknown_segment`). */
  ruleBook(name: string): RuleBook {
    return this.#rules.ruleBook(name);
  }

  /** Routes IPv4 between segments `a` and `b` (both directions); idempotent. */
  routeTo(a: string, b: string): void {
    this.#rules.link(a, b, "runtime");
  }

  /** Stops routing between `a` and `b`; idempotent. */
  unrouteTo(a: string, b: string): void {
    this.#rules.unlink(a, b);
  }

  /** Forwards and routes of segment `name` with their rule ids, for `rules()`. */
  fabricRules(name: string): FabricRuleInfo[] {
    return [...this.#forwards.rulesOf(name), ...this.#rules.routesOf(name)];
  }

  /**
   * Serves `<gateway>:port` on every segment (running and later ones) by splicing each
   * guest connection to the host address `target()` gives at connect time; `undefined`
   * (the service is down) answers the guest with RST. PRD §7.5: SMB at the gateway.
   */
  serveGatewayTcp(port: number, target: () => { host: string; port: number } | undefined): void {
    this.#gatewayServices.set(port, target);
    for (const s of this.#segs.values()) this.#bindGatewayService(s, port, target);
  }

  /**
   * Forgets the userspace TCP flows of `vm`'s addresses (NAT, forwards, gateway
   * services): after an online snapshot restore the guest's TCP state is from the
   * past, and its next segment is answered with an RST it accepts, so its clients
   * (the SMB mount) reconnect at once.
   */
  forgetGuestFlows(vm: string): number {
    let n = 0;
    for (const nic of this.#nicsOf(vm)) {
      const ip = this.#nicAddress(nic);
      if (ip !== undefined) n += nic.seg.nat.forgetGuestTcp(ip);
    }
    return n;
  }

  /** The gateway address of running segment `name`. */
  gatewayOf(name: string): string | undefined {
    const s = this.#segs.get(name);
    return s ? ipv4ToString(s.segment.gateway.ip) : undefined;
  }

  #bindGatewayService(s: LiveSegment, port: number, target: () => { host: string; port: number } | undefined): void {
    s.segment.gateway.bindTcp(port, (_mac, ip, seg) => {
      const to = target();
      // No service: the NAT answers a SYN to a refused host port with RST.
      s.nat.proxyTcp(ip, seg, to ?? { host: "127.0.0.1", port: 0 });
    });
  }

  /** Stops every forward, NIC, NAT and forwarder and releases the lab's subnets. */
  async close(): Promise<void> {
    // A segment still claiming its subnet finishes first, so close releases it too.
    await Promise.allSettled(this.#opening.values());
    this.#trunks.close();
    for (const s of this.#segs.values()) s.vxlan?.link.close();
    await this.#forwards.close();
    for (const key of [...this.#nics.keys()]) await this.#closeNic(key);
    for (const s of this.#segs.values()) {
      for (const endCapture of [...s.captures.values()]) endCapture();
      s.nat.close();
      s.segment.close();
      this.#rules.remove(s.plan.name);
    }
    this.#segs.clear();
    this.#dns?.close();
    this.#dns = undefined;
    await this.#registry.release(this.#lab);
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

  #nicsOf(vm: string): LiveNic[] {
    return [...this.#nics.values()].filter((n) => n.vm === vm).sort((a, b) => a.index - b.index);
  }

  /** What the NIC really holds: a declared address, else the lease or address seen on its own port. */
  #nicAddress(n: LiveNic): number | undefined {
    if (n.staticIp !== undefined) return n.staticIp;
    return n.port === undefined ? undefined : n.seg.segment.addressOf(n.mac, n.port.id);
  }

  /** The target's address on the forward's segment, asked per connection. */
  #target(f: ForwardPlan): number | undefined {
    for (const n of this.#nicsOf(f.vm)) {
      if (n.seg.plan.name !== f.segment) continue;
      const ip = this.#nicAddress(n);
      if (ip !== undefined) return ip;
    }
    return undefined;
  }

  /** The running segment `name`, started on first use (one start even when asked twice at once). */
  #segment(name: string): Promise<LiveSegment> {
    const have = this.#segs.get(name);
    if (have) return Promise.resolve(have);
    let opening = this.#opening.get(name);
    if (!opening) {
      opening = this.#startSegment(name).finally(() => this.#opening.delete(name));
      this.#opening.set(name, opening);
    }
    return opening;
  }

  async #startSegment(name: string): Promise<LiveSegment> {
    const plan = this.#net.segments.find((s) => s.name === name) ?? (name === BUILTIN_NAT_SEGMENT ? this.#builtinNatPlan() : undefined);
    if (!plan)
      throw new FabricFailure({
        code: "unknown_segment",
        segment: name,
        message: `Cannot attach NIC: segment "${name}" is not declared in lab ${this.#lab}`,
        hint: `declare segment "${name}" {} or use nic { nat = true }`,
      });
    const claimed = await this.#registry.claim(this.#lab, name, plan.subnet, this.#net.subnetPool);
    if ("code" in claimed) throw new FabricFailure(claimed);
    const subnet = claimed;
    const dnsOn = plan.dns.enabled;
    const servers = plan.dns.servers.map(parseIpv4Address).filter((x): x is number => x !== undefined);
    const routes: ClasslessRoute[] = [];
    for (const r of plan.routes) {
      const dest = parseCidr(r.dest);
      const via = parseIpv4Address(r.via);
      if (dest && via !== undefined) routes.push({ dest, via });
    }
    const segment = new Segment({
      name,
      clock: this.#clock,
      subnet,
      mtu: plan.mtu,
      log: this.#log,
      dhcp: plan.dhcp
        ? {
            dns: dnsOn ? (servers.length ? servers : undefined) : [],
            domain: dnsOn ? this.#net.dnsSuffix : undefined,
            routes,
            mtu: plan.announceMtu ? plan.mtu : undefined,
          }
        : false,
      dns: dnsOn ? { suffix: this.#net.dnsSuffix, forwarder: this.#forwarder() } : false,
    });
    const ping = "factory" in this.#ping ? { ping: this.#ping.factory } : { pingUnavailable: this.#ping.reason };
    // Guest frames arrive over a local unix socket from QEMU: no transit corruption to catch.
    const nat = new Nat({
      clock: this.#clock,
      gateway: segment.gateway,
      mtu: segment.switch.mtu,
      log: this.#log,
      outbound: plan.nat,
      verifyGuestChecksums: false,
      ...ping,
    });
    const rules = this.#rules.attach(plan, segment, nat, this.#net);
    const live: LiveSegment = { plan, subnet, segment, nat, rules, captures: new Map() };
    this.#segs.set(name, live);
    for (const [port, target] of this.#gatewayServices) this.#bindGatewayService(live, port, target);
    this.#reportUnenforced(plan);
    return live;
  }

  /** Joins segment `name` to a remote VTEP (RFC 7348) over a UDP socket. */
  async #startVxlan(name: string, c: { vxlan: string; vni: number; localPort?: number | undefined }): Promise<void> {
    const seg = this.#segs.get(name);
    if (!seg) return;
    const i = c.vxlan.lastIndexOf(":");
    const remote = i < 0 ? c.vxlan : c.vxlan.slice(0, i);
    const remotePort = i < 0 ? VXLAN_PORT : Number(c.vxlan.slice(i + 1));
    const localPort = c.localPort ?? VXLAN_PORT;
    try {
      const link = await startVxlanLink(seg.segment.switch, { remote, remotePort, vni: c.vni, localPort, name: `vxlan:${remote}` });
      seg.vxlan = { link, remote: `${remote}:${remotePort}`, vni: c.vni };
      this.#log({
        level: "info",
        event: "net.vxlan_up",
        message: `Segment ${name} joins VXLAN ${c.vni} at ${remote}:${remotePort} (local UDP port ${localPort})`,
        segment: name,
      });
    } catch (e) {
      throw new FabricFailure({
        code: "vxlan_port_taken",
        segment: name,
        port: localPort,
        message: `cannot open the VXLAN socket of segment ${name} on UDP port ${localPort}: ${(e as Error).message}`,
        hint: "another program (or a kernel vxlan device) holds the port: set connect { local_port = … }",
      });
    }
  }

  #builtinNatPlan(): SegmentPlan {
    return {
      name: BUILTIN_NAT_SEGMENT,
      dhcp: true,
      nat: true,
      mtu: this.#net.builtinNatMtu,
      announceMtu: false,
      global: false,
      dns: { enabled: true, servers: [], records: [], sinkholes: [] },
      routes: [],
      routesTo: [],
      block: [],
      redirect: [],
    };
  }

  #reportUnenforced(p: SegmentPlan): void {
    const missing: string[] = [];
    if (p.global) missing.push("global (running lab-locally)");
    if (missing.length)
      this.#log({ level: "warn", event: "net.not_enforced", message: `Segment ${p.name}: not enforced yet: ${missing.join("; ")}`, segment: p.name });
  }

  #forwarder(): (q: Uint8Array) => Promise<Uint8Array | undefined> {
    this.#dns ??= new UdpDnsForwarder({ clock: this.#clock, servers: this.#net.dnsUpstream.length ? this.#net.dnsUpstream : hostResolvers() });
    return this.#dns.forward;
  }
}
