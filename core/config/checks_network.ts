/**
 * Semantic checks of a lab's networking (PRD §9, fact_validate_checks.md):
 * segment names and subnets (valid CIDR, no overlaps), `routes_to` targets,
 * DNS/route/record/redirect/block/sinkhole addresses, NICs (segment declared,
 * static IP valid, inside the subnet, not the network/broadcast address, not
 * duplicated; MAC well-formed and unique lab-wide), forwards (`vm:port`
 * target declared, host ports unique per protocol), and `block` rules
 * (`port` needs a `tcp`/`udp` proto).
 */
import { didYouMean, error, type Diagnostic, type Span } from "../wcl/mod.ts";
import type { Lab, Segment } from "./model.ts";
import {
  cidrContains,
  cidrsOverlap,
  dnsLabelProblem,
  dnsPatternProblem,
  formatIPv4,
  isCidr,
  parseCidr,
  parseHostPort,
  parseIPv4,
  parseMac,
  type Cidr,
} from "./net.ts";

export function checkNetwork(lab: Lab, out: Diagnostic[]): void {
  const segs = new Map<string, Segment>();
  const cidrs = new Map<string, Cidr>();
  for (const s of lab.segments) {
    const at = s.at.name ?? s.kindSpan;
    const bad = dnsLabelProblem(s.name);
    if (bad !== undefined && s.name !== "") out.push(error("config.invalid_name", `segment name "${s.name}" is not a DNS label: ${bad}`, at, { name: s.name }));
    if (segs.has(s.name))
      out.push(
        error("config.duplicate_name", `segment "${s.name}" is declared more than once`, at, { name: s.name, hint: "segment names are unique per lab" }),
      );
    else segs.set(s.name, s);
    if (s.subnet !== undefined) {
      const c = parseCidr(s.subnet);
      if (!isCidr(c)) out.push(error("config.invalid_cidr", `subnet of segment "${s.name}": ${c.reason}`, s.at.subnet ?? at, { name: s.subnet, hint: c.hint }));
      else if (c.prefix > 30)
        out.push(
          error("config.invalid_cidr", `subnet "${s.subnet}" of segment "${s.name}" leaves no room for guests`, s.at.subnet ?? at, {
            name: s.subnet,
            hint: "use /30 or shorter, typically /24",
          }),
        );
      else {
        for (const [other, oc] of cidrs) {
          if (cidrsOverlap(c, oc))
            out.push(
              error("config.overlapping_subnet", `subnet "${s.subnet}" of segment "${s.name}" overlaps segment "${other}"`, s.at.subnet ?? at, {
                name: s.name,
              }),
            );
        }
        cidrs.set(s.name, c);
      }
    }
  }
  const segNames = [...segs.keys()];
  const unknownSeg = (name: string, span: Span, what: string) =>
    out.push(
      error("config.unknown_segment", `${what} refers to undeclared segment "${name}"`, span, {
        name,
        hint: didYouMean(name, segNames) ?? (segNames.length ? `declared segments: ${segNames.join(", ")}` : `declare it: segment "${name}" { }`),
      }),
    );
  const ipv4 = (s: string, span: Span, what: string): number | undefined => {
    const n = parseIPv4(s);
    if (n === undefined)
      out.push(error("config.invalid_ip", `${what} "${s}" is not an IPv4 address`, span, { name: s, hint: 'write a dotted quad, e.g. "10.50.0.10"' }));
    return n;
  };
  const endpoint = (s: string, span: Span, what: string) => {
    const hp = parseHostPort(s);
    if (hp === undefined || parseIPv4(hp.host) === undefined)
      out.push(error("config.invalid_address", `${what} "${s}" is not ip[:port]`, span, { name: s, hint: 'e.g. "10.50.0.10:53"' }));
  };

  for (const s of lab.segments) {
    s.routesTo.forEach((t, i) => {
      if (!segs.has(t)) unknownSeg(t, s.items.routes_to?.[i] ?? s.kindSpan, `routes_to of segment "${s.name}"`);
      else if (t === s.name) out.push(error("config.invalid_value", `segment "${s.name}" routes to itself`, s.items.routes_to?.[i] ?? s.kindSpan, { name: t }));
    });
    if (s.dns?.server !== undefined) ipv4(s.dns.server, s.dns.at.server ?? s.dns.kindSpan, "dns server");
    if (s.connect) checkConnect(s.connect, out);
    for (const r of s.routes) {
      const c = parseCidr(r.dest);
      if (!isCidr(c)) out.push(error("config.invalid_cidr", `route dest: ${c.reason}`, r.at.dest ?? r.kindSpan, { name: r.dest, hint: c.hint }));
      ipv4(r.via, r.at.via ?? r.kindSpan, "route via");
    }
    for (const b of s.blockRules) {
      const c = parseCidr(b.cidr);
      if (!isCidr(c)) out.push(error("config.invalid_cidr", `block cidr: ${c.reason}`, b.at.cidr ?? b.kindSpan, { name: b.cidr, hint: c.hint }));
      if (b.port !== undefined && b.proto === undefined)
        out.push(
          error("config.block_port_without_proto", "a `block` rule with a `port` needs a `proto`", b.at.port ?? b.kindSpan, {
            name: "port",
            hint: 'add proto = "tcp" or proto = "udp"',
          }),
        );
      if (b.port !== undefined && b.proto === "icmp")
        out.push(error("config.block_port_without_proto", "ICMP has no ports: `port` needs proto tcp or udp", b.at.port ?? b.kindSpan, { name: "port" }));
    }
    for (const r of s.redirectRules) {
      endpoint(r.from, r.at.from ?? r.kindSpan, "redirect from");
      endpoint(r.to, r.at.to ?? r.kindSpan, "redirect to");
    }
  }
  for (const r of [...lab.records, ...lab.segments.flatMap((s) => s.records)]) {
    const p = dnsPatternProblem(r.name);
    if (p !== undefined) out.push(error("config.invalid_name", `record name "${r.name}" is not a DNS name: ${p}`, r.at.name ?? r.kindSpan, { name: r.name }));
    ipv4(r.ip, r.at.ip ?? r.kindSpan, "record ip");
  }
  for (const h of [...lab.sinkholes, ...lab.segments.flatMap((s) => s.sinkholes)]) {
    const p = dnsPatternProblem(h.pattern);
    if (p !== undefined)
      out.push(
        error("config.invalid_name", `sinkhole pattern "${h.pattern}" is not a DNS name pattern: ${p}`, h.at.pattern ?? h.kindSpan, { name: h.pattern }),
      );
  }

  // NICs: segments, static IPs, MACs.
  const ips = new Map<string, string>();
  const macs = new Map<string, string>();
  for (const vm of lab.vms) {
    for (const nic of vm.nics) {
      if (nic.segment === undefined && nic.nat !== true) {
        out.push(
          error("config.nic_without_segment", `a NIC of VM "${vm.name}" has neither \`segment\` nor \`nat = true\``, nic.kindSpan, {
            name: vm.name,
            hint: 'add segment = "<name>" or nat = true',
          }),
        );
      }
      if (nic.segment !== undefined && nic.nat === true) {
        out.push(
          error("config.nic_segment_and_nat", `a NIC of VM "${vm.name}" sets both \`segment\` and \`nat = true\``, nic.at.nat ?? nic.kindSpan, {
            name: vm.name,
            hint: "nat = true already picks the lab's NAT segment; set nat on the segment instead",
          }),
        );
      }
      const seg = nic.segment !== undefined ? segs.get(nic.segment) : undefined;
      if (nic.segment !== undefined && seg === undefined) unknownSeg(nic.segment, nic.at.segment ?? nic.kindSpan, `a NIC of VM "${vm.name}"`);
      if (nic.ip !== undefined) {
        const at = nic.at.ip ?? nic.kindSpan;
        const n = ipv4(nic.ip, at, `static IP of VM "${vm.name}"`);
        const c = seg !== undefined ? cidrs.get(seg.name) : undefined;
        if (n !== undefined && seg !== undefined && seg.subnet === undefined) {
          out.push(
            error("config.static_ip_without_subnet", `VM "${vm.name}" has static IP ${nic.ip} on segment "${seg.name}", whose subnet is auto-allocated`, at, {
              name: nic.ip,
              hint: `declare subnet = "…" on segment "${seg.name}"`,
            }),
          );
        } else if (n !== undefined && c !== undefined) {
          if (!cidrContains(c, n)) {
            out.push(
              error("config.ip_outside_subnet", `static IP ${nic.ip} of VM "${vm.name}" is outside subnet ${seg?.subnet} of segment "${seg?.name}"`, at, {
                name: nic.ip,
                hint: `pick an address in ${formatIPv4(c.network + 2)}–${formatIPv4(c.network + c.size - 2)}`,
              }),
            );
          } else if (n === c.network || n === c.network + c.size - 1) {
            out.push(
              error(
                "config.ip_outside_subnet",
                `static IP ${nic.ip} of VM "${vm.name}" is the ${n === c.network ? "network" : "broadcast"} address of ${seg?.subnet}`,
                at,
                { name: nic.ip },
              ),
            );
          }
        }
        if (n !== undefined && nic.segment !== undefined) {
          const key = `${nic.segment}/${n}`;
          const prior = ips.get(key);
          if (prior !== undefined)
            out.push(error("config.duplicate_ip", `static IP ${nic.ip} is already used by VM "${prior}" on segment "${nic.segment}"`, at, { name: nic.ip }));
          else ips.set(key, vm.name);
        }
      }
      if (nic.mac !== undefined) {
        const at = nic.at.mac ?? nic.kindSpan;
        const m = parseMac(nic.mac);
        if (m === undefined)
          out.push(
            error("config.invalid_mac", `MAC "${nic.mac}" of VM "${vm.name}" is malformed or multicast`, at, {
              name: nic.mac,
              hint: 'write six hex pairs with an even first octet, e.g. "52:54:00:ab:cd:ef"',
            }),
          );
        else if (macs.has(m)) out.push(error("config.duplicate_mac", `MAC ${nic.mac} is already used by VM "${macs.get(m)}"`, at, { name: nic.mac }));
        else macs.set(m, vm.name);
      }
    }
  }

  // Forwards.
  const vmNames = lab.vms.map((v) => v.name);
  const ports = new Map<string, string>();
  for (const s of lab.segments) {
    for (const f of s.forwards) {
      const at = f.at.to ?? f.kindSpan;
      const m = /^([^:]+):(\d{1,5})$/.exec(f.to);
      if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
        out.push(error("config.invalid_forward_target", `forward target "${f.to}" is not vm:port`, at, { name: f.to, hint: 'e.g. to = "dc01:3389"' }));
      } else {
        const target = m[1] ?? "";
        const vm = lab.vms.find((v) => v.name === target);
        if (vm === undefined)
          out.push(
            error("config.unknown_vm", `forward on segment "${s.name}" targets undeclared VM "${target}"`, at, {
              name: target,
              hint: didYouMean(target, vmNames),
            }),
          );
        else if (!vm.nics.some((n) => n.segment === s.name))
          out.push(
            error("config.forward_vm_not_on_segment", `forward on segment "${s.name}" targets VM "${target}", which has no NIC on that segment`, at, {
              name: target,
              hint: `add nic { segment = "${s.name}" } to VM "${target}"`,
            }),
          );
      }
      if (f.hostPort === 0) continue;
      for (const proto of f.proto === "both" ? ["tcp", "udp"] : [f.proto ?? "tcp"]) {
        const key = `${proto}/${f.hostPort}`;
        const prior = ports.get(key);
        if (prior !== undefined) {
          out.push(
            error("config.duplicate_host_port", `host port ${f.hostPort}/${proto} is already forwarded on segment "${prior}"`, f.at.host_port ?? f.kindSpan, {
              name: String(f.hostPort),
              hint: "host ports are unique across the lab",
            }),
          );
          break;
        }
        ports.set(key, s.name);
      }
    }
  }
}

/** `connect`: exactly one of `host` (a vmlab trunk) and `vxlan` (+ `vni`); VXLAN to a public address warns. */
function checkConnect(c: NonNullable<Segment["connect"]>, out: Diagnostic[]): void {
  if ((c.host === undefined) === (c.vxlan === undefined)) {
    out.push(
      error(
        "config.invalid_value",
        c.host === undefined ? "connect needs `host` (a vmlab peer) or `vxlan` (a VTEP)" : "connect takes `host` or `vxlan`, not both",
        c.kindSpan,
        { name: "connect", hint: 'e.g. connect { host = "peer:7400" } or connect { vxlan = "192.168.1.20:4789" vni = 42 }' },
      ),
    );
    return;
  }
  if (c.host !== undefined) {
    const hp = parseHostPort(c.host);
    if (hp === undefined || hp.port === undefined)
      out.push(
        error("config.invalid_address", `connect host "${c.host}" is not host:port`, c.at.host ?? c.kindSpan, {
          name: c.host,
          hint: "the port is the peer's trunk_port",
        }),
      );
    return;
  }
  const v = c.vxlan as string;
  const hp = parseHostPort(v);
  const ip = hp === undefined ? undefined : parseIPv4(hp.host);
  if (ip === undefined)
    out.push(error("config.invalid_address", `connect vxlan "${v}" is not ip[:port]`, c.at.vxlan ?? c.kindSpan, { name: v, hint: 'e.g. "192.168.1.20:4789"' }));
  if (c.vni === undefined)
    out.push(
      error("config.missing_attribute", "connect vxlan needs a `vni`", c.kindSpan, {
        name: "vni",
        hint: "the VXLAN network identifier the remote VTEP uses, 0–16777215",
      }),
    );
  if (ip !== undefined && !isLoopbackOrPrivate(ip)) {
    out.push({
      ...error(
        "config.vxlan_public_remote",
        `VXLAN to ${v} crosses a network that is not loopback or private: VXLAN has no authentication or encryption`,
        c.at.vxlan ?? c.kindSpan,
        { name: v, hint: "keep VXLAN on a private network, or bridge hosts with connect { host } (an encrypted trunk)" },
      ),
      severity: "warning",
    });
  }
}

/** 127/8, 10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT), 169.254/16. */
function isLoopbackOrPrivate(ip: number): boolean {
  const a = ip >>> 24;
  const b = (ip >>> 16) & 0xff;
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b < 128) || (a === 169 && b === 254);
}
