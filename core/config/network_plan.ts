/**
 * The network plan: everything a lab's fabric needs from the lab file and the host
 * config, as serialisable data (PRD §9, fact_segment_subblocks.md, concept_host_config.md).
 *
 * The CLI builds it with `networkPlanFromConfig(cfg, host)` after validation and sends
 * it to the lab daemon inside the `LabPlan`; the daemon parses it with
 * `NetworkPlanSchema` and hands it to `new LabFabric({ lab, runDir, network })`.
 *
 * Defaults are applied here, once, so the daemon never re-reads configuration:
 *  - `dhcp` true, `nat` false, DNS enabled with the daemon as server;
 *  - `mtu`: the declared value (then also announced to guests as DHCP option 26), else
 *    9000 on `nat`/`global` segments and 1500 elsewhere (fact_schema_reference.md);
 *  - forwards: `proto` tcp, listening on `host.forwardBind` (a host-wide opt-in; default
 *    127.0.0.1, PRD §9.8);
 *  - `dnsUpstream` empty = the host's resolvers (/etc/resolv.conf).
 * Lab-level `record`/`sinkhole` blocks stay separate from segment ones: the fabric
 * gives each segment its own rules first, then the lab's, so a segment can override.
 * `block`/`redirect`/`routes_to` are enforced by the fabric (rule book, L3 filter,
 * router); `connect` and `global` are carried faithfully and reported by the fabric as
 * not enforced (see `LabFabric.open`).
 */
import { z } from "zod";
import type { HostConfig } from "./host.ts";
import type { LabConfig, Segment } from "./model.ts";

/** Default listen address of port forwards (PRD §9.8). */
export const DEFAULT_FORWARD_BIND = "127.0.0.1";
/** Link MTU of NAT and global segments when none is declared. */
export const DEFAULT_JUMBO_MTU = 9000;
/** Link MTU of other segments when none is declared. */
export const DEFAULT_PLAIN_MTU = 1500;

const Ipv4Text = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/, "an IPv4 dotted quad");
const Port = z.number().int().min(1).max(65535);

export const DnsRecordPlanSchema = z.object({ name: z.string(), ip: z.string() });
export const SinkholePlanSchema = z.object({ pattern: z.string(), mode: z.enum(["nxdomain", "zero"]).default("nxdomain") });

export const ForwardPlanSchema = z.object({
  /** The segment whose gateway carries the forward into the guest. */
  segment: z.string(),
  hostPort: Port,
  vm: z.string(),
  guestPort: Port,
  proto: z.enum(["tcp", "udp", "both"]).default("tcp"),
  /** Listen address; 127.0.0.1 unless the host config opts in to binding wider. */
  bind: z.string().default(DEFAULT_FORWARD_BIND),
});
export type ForwardPlan = z.infer<typeof ForwardPlanSchema>;

export const SegmentPlanSchema = z.object({
  name: z.string(),
  /** Declared CIDR; absent → a /24 from `subnetPool`. */
  subnet: z.string().optional(),
  dhcp: z.boolean().default(true),
  nat: z.boolean().default(false),
  /** Effective link MTU. */
  mtu: z.number().int().min(576).max(65535).default(DEFAULT_PLAIN_MTU),
  /** True when the lab declared `mtu`: then DHCP announces it (option 26). */
  announceMtu: z.boolean().default(false),
  /** Supervisor-owned shared segment (§9.2); a lab daemon runs it lab-locally for now. */
  global: z.boolean().default(false),
  dns: z
    .object({
      /** False: no DNS service and no DNS option in DHCP. */
      enabled: z.boolean().default(true),
      /** Servers handed out by DHCP instead of the gateway (`dns { server = … }`). */
      servers: z.array(Ipv4Text).default([]),
      records: z.array(DnsRecordPlanSchema).default([]),
      sinkholes: z.array(SinkholePlanSchema).default([]),
    })
    .default({ enabled: true, servers: [], records: [], sinkholes: [] }),
  /** `route {}` → DHCP option 121. */
  routes: z.array(z.object({ dest: z.string(), via: Ipv4Text })).default([]),
  /** Daemon inter-segment routing opt-in (§9.6). */
  routesTo: z.array(z.string()).default([]),
  /** Cross-host peer (`connect { host }`). */
  connect: z
    .union([z.object({ host: z.string() }), z.object({ vxlan: z.string(), vni: z.number().int().min(0).max(0xffffff), localPort: Port.optional() })])
    .optional(),
  block: z.array(z.object({ cidr: z.string(), proto: z.enum(["tcp", "udp", "icmp"]).optional(), port: Port.optional() })).default([]),
  redirect: z.array(z.object({ from: z.string(), to: z.string(), proto: z.enum(["tcp", "udp"]).optional() })).default([]),
});
export type SegmentPlan = z.infer<typeof SegmentPlanSchema>;

export const NetworkPlanSchema = z.object({
  segments: z.array(SegmentPlanSchema).default([]),
  /** Lab-level `record {}` blocks: every segment (and the built-in NAT one) serves them. */
  records: z.array(DnsRecordPlanSchema).default([]),
  /** Lab-level `sinkhole {}` blocks. */
  sinkholes: z.array(SinkholePlanSchema).default([]),
  forwards: z.array(ForwardPlanSchema).default([]),
  subnetPool: z.string().default("10.213.0.0/16"),
  dnsSuffix: z.string().default("vmlab.internal"),
  /** Upstream resolvers; empty = the host's resolvers. */
  dnsUpstream: z.array(z.object({ host: Ipv4Text, port: Port })).default([]),
  /** MTU of the built-in NAT segment behind `nic { nat = true }`. */
  builtinNatMtu: z.number().int().min(576).max(65535).default(DEFAULT_JUMBO_MTU),
});
export type NetworkPlan = z.infer<typeof NetworkPlanSchema>;
/** The plan as written by hand (defaults optional), e.g. in tests. */
export type NetworkPlanInput = z.input<typeof NetworkPlanSchema>;

/** Host settings the network plan reads; `forwardBind` is the host-wide opt-in to bind forwards wider. */
export type NetworkHostConfig = Pick<HostConfig, "subnetPool" | "dnsSuffix" | "dnsUpstream"> & { readonly forwardBind?: string };

/**
 * Builds the fabric's plan from a validated lab and the host config. Pure.
 * Throws `TypeError` only on input validation would have rejected (a forward `to`
 * that is not `vm:port`), which means the caller skipped `validateLab`.
 *
 * @example
 * const plan = networkPlanFromConfig(validation.config, hostConfig);
 * labPlan.network = plan; // the lab daemon: new LabFabric({ lab, runDir, network: plan })
 */
export function networkPlanFromConfig(cfg: LabConfig, host: NetworkHostConfig): NetworkPlan {
  const lab = cfg.lab;
  const bind = host.forwardBind ?? DEFAULT_FORWARD_BIND;
  const segments = (lab?.segments ?? []).map(segmentPlan);
  const forwards: ForwardPlan[] = [];
  for (const s of lab?.segments ?? []) {
    for (const f of s.forwards) {
      const m = /^([^:\s]+):(\d{1,5})$/.exec(f.to);
      if (!m) throw new TypeError(`Cannot plan forward ${f.hostPort} of segment "${s.name}": to "${f.to}" is not vm:port (was the lab validated?)`);
      forwards.push({ segment: s.name, hostPort: f.hostPort, vm: m[1]!, guestPort: Number(m[2]), proto: f.proto ?? "tcp", bind });
    }
  }
  return NetworkPlanSchema.parse({
    segments,
    records: (lab?.records ?? []).map((r) => ({ name: r.name, ip: r.ip })),
    sinkholes: (lab?.sinkholes ?? []).map((k) => ({ pattern: k.pattern, mode: k.mode ?? "nxdomain" })),
    forwards,
    subnetPool: host.subnetPool,
    dnsSuffix: host.dnsSuffix,
    dnsUpstream: host.dnsUpstream === undefined ? [] : [upstream(host.dnsUpstream)],
  });
}

function segmentPlan(s: Segment): z.input<typeof SegmentPlanSchema> {
  const nat = s.nat ?? false;
  const global = s.global ?? false;
  return {
    name: s.name,
    ...(s.subnet !== undefined ? { subnet: s.subnet } : {}),
    dhcp: s.dhcp ?? true,
    nat,
    mtu: s.mtu ?? (nat || global ? DEFAULT_JUMBO_MTU : DEFAULT_PLAIN_MTU),
    announceMtu: s.mtu !== undefined,
    global,
    dns: {
      enabled: s.dns?.enabled ?? true,
      servers: s.dns?.server !== undefined ? [s.dns.server] : [],
      records: s.records.map((r) => ({ name: r.name, ip: r.ip })),
      sinkholes: s.sinkholes.map((k) => ({ pattern: k.pattern, mode: k.mode ?? "nxdomain" })),
    },
    routes: s.routes.map((r) => ({ dest: r.dest, via: r.via })),
    routesTo: [...s.routesTo],
    ...(s.connect?.host !== undefined
      ? { connect: { host: s.connect.host } }
      : s.connect?.vxlan !== undefined && s.connect.vni !== undefined
        ? { connect: { vxlan: s.connect.vxlan, vni: s.connect.vni, ...(s.connect.localPort !== undefined ? { localPort: s.connect.localPort } : {}) } }
        : {}),
    block: s.blockRules.map((b) => ({
      cidr: b.cidr,
      ...(b.proto === "tcp" || b.proto === "udp" || b.proto === "icmp" ? { proto: b.proto } : {}),
      ...(b.port !== undefined ? { port: b.port } : {}),
    })),
    redirect: s.redirectRules.map((r) => ({ from: r.from, to: r.to, ...(r.proto === "tcp" || r.proto === "udp" ? { proto: r.proto } : {}) })),
  };
}

/** "ip[:port]" (validated by the host config loader) → upstream address. */
function upstream(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(":");
  return i < 0 ? { host: text, port: 53 } : { host: text.slice(0, i), port: Number(text.slice(i + 1)) };
}
