import { describe, expect, test } from "bun:test";
import { extractConfig } from "./extract.ts";
import { DEFAULT_HOST_CONFIG } from "./host.ts";
import type { LabConfig } from "./model.ts";
import { evaluateSource } from "../wcl/mod.ts";
import { networkPlanFromConfig, NetworkPlanSchema } from "./network_plan.ts";

function lab(text: string): LabConfig {
  const r = evaluateSource(text, "/lab/vmlab.wcl");
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return extractConfig(r.document, "/lab/vmlab.wcl", "/lab");
}

const FULL = `
lab "demo" {
  record   { name = "*.corp.test" ip = "10.50.0.5" }
  sinkhole { pattern = "*.telemetry.com" }
  segment "corp" {
    subnet = "10.50.0.0/24"
    nat    = true
    mtu    = 1400
    dns     { server = "10.50.0.10" }
    route   { dest = "10.60.0.0/24" via = "10.50.0.254" }
    record  { name = "srv" ip = "10.50.0.6" }
    forward { host_port = 13389 to = "dc01:3389" }
    forward { host_port = 5353 to = "dc01:53" proto = "both" }
    block   { cidr = "192.0.2.0/24" proto = "tcp" port = 443 }
    redirect { from = "10.50.0.1:80" to = "10.50.0.2:8080" proto = "tcp" }
    sinkhole { pattern = "ads.example" mode = "zero" }
  }
  segment "dmz" {
    dhcp = false
    dns { enabled = false }
  }
  segment "wan" { nat = true }
  vm "dc01" {
    template = "x86_64/tiny"
    nic { segment = "corp" ip = "10.50.0.10" }
  }
}`;

describe("networkPlanFromConfig()", () => {
  test("carries every segment attribute and sub-block, with defaults applied", () => {
    const p = networkPlanFromConfig(lab(FULL), DEFAULT_HOST_CONFIG);
    expect(p.segments.map((s) => s.name)).toEqual(["corp", "dmz", "wan"]);
    const corp = p.segments[0]!;
    expect(corp).toEqual({
      name: "corp",
      subnet: "10.50.0.0/24",
      dhcp: true,
      nat: true,
      mtu: 1400,
      announceMtu: true,
      global: false,
      dns: { enabled: true, servers: ["10.50.0.10"], records: [{ name: "srv", ip: "10.50.0.6" }], sinkholes: [{ pattern: "ads.example", mode: "zero" }] },
      routes: [{ dest: "10.60.0.0/24", via: "10.50.0.254" }],
      routesTo: [],
      block: [{ cidr: "192.0.2.0/24", proto: "tcp", port: 443 }],
      redirect: [{ from: "10.50.0.1:80", to: "10.50.0.2:8080", proto: "tcp" }],
    });
  });

  test("dhcp = false and dns { enabled = false } opt out; MTU defaults to 1500, or 9000 with nat", () => {
    const p = networkPlanFromConfig(lab(FULL), DEFAULT_HOST_CONFIG);
    const [, dmz, wan] = p.segments;
    expect(dmz).toMatchObject({ dhcp: false, nat: false, mtu: 1500, announceMtu: false, dns: { enabled: false, servers: [] } });
    expect(dmz!.subnet).toBeUndefined();
    expect(wan).toMatchObject({ dhcp: true, nat: true, mtu: 9000, announceMtu: false });
  });

  test("forwards name their segment, split vm:port, default to tcp on 127.0.0.1", () => {
    const p = networkPlanFromConfig(lab(FULL), DEFAULT_HOST_CONFIG);
    expect(p.forwards).toEqual([
      { segment: "corp", hostPort: 13389, vm: "dc01", guestPort: 3389, proto: "tcp", bind: "127.0.0.1" },
      { segment: "corp", hostPort: 5353, vm: "dc01", guestPort: 53, proto: "both", bind: "127.0.0.1" },
    ]);
  });

  test("the host-wide opt-in binds forwards wider", () => {
    const p = networkPlanFromConfig(lab(FULL), { ...DEFAULT_HOST_CONFIG, forwardBind: "0.0.0.0" });
    expect(p.forwards.map((f) => f.bind)).toEqual(["0.0.0.0", "0.0.0.0"]);
  });

  test("lab-level records and sinkholes stay lab-wide", () => {
    const p = networkPlanFromConfig(lab(FULL), DEFAULT_HOST_CONFIG);
    expect(p.records).toEqual([{ name: "*.corp.test", ip: "10.50.0.5" }]);
    expect(p.sinkholes).toEqual([{ pattern: "*.telemetry.com", mode: "nxdomain" }]);
  });

  test("host config supplies pool, suffix and upstream (ip or ip:port)", () => {
    const d = networkPlanFromConfig(lab(FULL), DEFAULT_HOST_CONFIG);
    expect([d.subnetPool, d.dnsSuffix, d.dnsUpstream]).toEqual(["10.213.0.0/16", "vmlab.internal", []]);
    const h = networkPlanFromConfig(lab(FULL), { ...DEFAULT_HOST_CONFIG, subnetPool: "10.9.0.0/16", dnsSuffix: "lab.test", dnsUpstream: "1.1.1.1" });
    expect([h.subnetPool, h.dnsSuffix, h.dnsUpstream]).toEqual(["10.9.0.0/16", "lab.test", [{ host: "1.1.1.1", port: 53 }]]);
    expect(networkPlanFromConfig(lab(FULL), { ...DEFAULT_HOST_CONFIG, dnsUpstream: "10.0.0.2:5353" }).dnsUpstream).toEqual([{ host: "10.0.0.2", port: 5353 }]);
  });

  test("a file without a lab gives an empty plan", () => {
    const p = networkPlanFromConfig(lab('template "t" { arch = "x86_64" version = "1" }'), DEFAULT_HOST_CONFIG);
    expect([p.segments, p.forwards, p.records]).toEqual([[], [], []]);
  });

  test("the plan survives JSON and the schema round trip unchanged", () => {
    const p = networkPlanFromConfig(lab(FULL), DEFAULT_HOST_CONFIG);
    expect(NetworkPlanSchema.parse(JSON.parse(JSON.stringify(p)))).toEqual(p);
  });

  test("the schema fills defaults for hand-written plans and rejects nonsense", () => {
    expect(NetworkPlanSchema.parse({ segments: [{ name: "lan" }] }).segments[0]).toMatchObject({ dhcp: true, nat: false, mtu: 1500, dns: { enabled: true } });
    expect(NetworkPlanSchema.safeParse({ forwards: [{ segment: "lan", hostPort: 0, vm: "a", guestPort: 80 }] }).success).toBe(false);
    expect(NetworkPlanSchema.safeParse({ segments: [{ name: "lan", mtu: 100 }] }).success).toBe(false);
  });
});
