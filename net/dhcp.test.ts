import { describe, expect, test } from "bun:test";
import { cidrToString, ipv4ToString, parseCidr, parseIpv4Address, parseMac } from "./addr.ts";
import {
  classlessRoutesValue,
  DHCPACK,
  DHCPDISCOVER,
  DHCPINFORM,
  DHCPNAK,
  DHCPOFFER,
  DHCPRELEASE,
  DHCPREQUEST,
  DHCPDECLINE,
  ipOption,
  messageType,
  OPT,
  parseDhcp,
} from "./dhcp_message.ts";
import { DhcpServer, type DhcpConfig } from "./dhcp_server.ts";
import { allocateSubnet, isSubnetPoolError } from "./subnet_pool.ts";
import { clientMessage, type ClientMessage } from "./testing/dhcp_client.ts";
import { seededBytes } from "./testing/bytes.ts";
import { fuzzIterations, fuzzTimeoutMs, mutate, Rng } from "./testing/fuzz.ts";

const FUZZ_N = fuzzIterations();

const ip = (s: string) => parseIpv4Address(s)!;
const subnet = parseCidr("10.50.0.0/24")!;
const GW = ip("10.50.0.1");
const MAC1 = "52:54:00:00:00:01";
const MAC2 = "52:54:00:00:00:02";

function server(extra: Partial<DhcpConfig> = {}) {
  return new DhcpServer({ subnet, domain: "lab.vmlab.internal", ...extra });
}
function ask(s: DhcpServer, m: ClientMessage, now = 0) {
  const r = s.handle(parseDhcp(clientMessage(m))!, now);
  return r && { ...r, msg: parseDhcp(r.payload)! };
}
function lease(s: DhcpServer, mac: string, now = 0) {
  const offer = ask(s, { type: DHCPDISCOVER, mac }, now)!;
  return ask(s, { type: DHCPREQUEST, mac, requested: offer.msg.yiaddr, serverId: GW }, now)!;
}

describe("dhcp server", () => {
  test("DISCOVER gets an OFFER with router, DNS, mask, domain and lease time", () => {
    const r = ask(server(), { type: DHCPDISCOVER, mac: MAC1 })!;
    expect(messageType(r.msg)).toBe(DHCPOFFER);
    expect(ipv4ToString(r.msg.yiaddr)).toBe("10.50.0.2");
    expect(ipOption(r.msg, OPT.router)).toBe(GW);
    expect(ipOption(r.msg, OPT.dns)).toBe(GW);
    expect(ipv4ToString(ipOption(r.msg, OPT.subnetMask)!)).toBe("255.255.255.0");
    expect(ipOption(r.msg, OPT.leaseTime)).toBe(3600);
    expect(new TextDecoder().decode(r.msg.options.get(OPT.domainName))).toBe("lab.vmlab.internal");
    expect(ipOption(r.msg, OPT.serverId)).toBe(GW);
  });
  test("the full exchange binds a lease and reports it", () => {
    const s = server();
    const bound: string[] = [];
    s.onLease((l, e) => bound.push(`${e} ${l.mac} ${ipv4ToString(l.ip)}`));
    const ack = lease(s, MAC1);
    expect(messageType(ack.msg)).toBe(DHCPACK);
    expect(bound).toEqual([`bound ${MAC1} 10.50.0.2`]);
    expect(s.leases(0).map((l) => l.state)).toEqual(["bound"]);
    expect(ipv4ToString(lease(s, MAC2).msg.yiaddr)).toBe("10.50.0.3");
  });
  test("replies are unicast to yiaddr unless the client asks for broadcast (RFC 2131 §4.1)", () => {
    const s = server();
    expect(ask(s, { type: DHCPDISCOVER, mac: MAC1 })!.dstMac).toBeDefined();
    const b = ask(s, { type: DHCPDISCOVER, mac: MAC2, broadcast: true })!;
    expect([b.dst, b.dstMac]).toEqual([0xffffffff, undefined]);
  });
  test("a reservation wins over the pool and a wrong request from that MAC is NAKed", () => {
    const s = server({ reservations: [{ mac: MAC1.toUpperCase(), ip: ip("10.50.0.10"), hostname: "dc01" }] });
    const offer = ask(s, { type: DHCPDISCOVER, mac: MAC1, requested: ip("10.50.0.2") })!;
    expect(ipv4ToString(offer.msg.yiaddr)).toBe("10.50.0.10");
    expect(new TextDecoder().decode(offer.msg.options.get(OPT.hostname))).toBe("dc01");
    const nak = ask(s, { type: DHCPREQUEST, mac: MAC1, requested: ip("10.50.0.2") })!;
    expect(messageType(nak.msg)).toBe(DHCPNAK);
    expect(nak.dst).toBe(0xffffffff);
    expect(ask(s, { type: DHCPDISCOVER, mac: MAC2, requested: ip("10.50.0.10") })!.msg.yiaddr).not.toBe(ip("10.50.0.10"));
  });
  test("a REQUEST naming another server withdraws our offer silently", () => {
    const s = server();
    ask(s, { type: DHCPDISCOVER, mac: MAC1 });
    expect(ask(s, { type: DHCPREQUEST, mac: MAC1, requested: ip("10.50.0.2"), serverId: ip("10.50.0.254") })).toBeUndefined();
    expect(s.leases(0).length).toBe(0);
  });
  test("INIT-REBOOT and RENEWING are ACKed for free addresses and NAKed for taken or foreign ones", () => {
    const s = server();
    lease(s, MAC1);
    expect(messageType(ask(s, { type: DHCPREQUEST, mac: MAC1, ciaddr: ip("10.50.0.2") })!.msg)).toBe(DHCPACK);
    expect(ask(s, { type: DHCPREQUEST, mac: MAC1, ciaddr: ip("10.50.0.2") })!.dst).toBe(ip("10.50.0.2"));
    expect(messageType(ask(s, { type: DHCPREQUEST, mac: MAC2, requested: ip("10.50.0.2") })!.msg)).toBe(DHCPNAK);
    expect(messageType(ask(s, { type: DHCPREQUEST, mac: MAC2, requested: ip("192.168.1.5") })!.msg)).toBe(DHCPNAK);
    expect(messageType(ask(s, { type: DHCPREQUEST, mac: MAC2, requested: ip("10.50.0.9") })!.msg)).toBe(DHCPACK);
  });
  test("an expired lease frees its address for another client", () => {
    const s = server({ leaseSeconds: 60, poolStart: ip("10.50.0.2"), poolEnd: ip("10.50.0.2") });
    lease(s, MAC1, 0);
    expect(ask(s, { type: DHCPDISCOVER, mac: MAC2 }, 1000)).toBeUndefined();
    expect(ipv4ToString(ask(s, { type: DHCPDISCOVER, mac: MAC2 }, 61_000)!.msg.yiaddr)).toBe("10.50.0.2");
  });
  test("RELEASE frees the address and DECLINE quarantines it", () => {
    const s = server();
    lease(s, MAC1);
    ask(s, { type: DHCPRELEASE, mac: MAC1, ciaddr: ip("10.50.0.2") });
    expect(s.leases(0).length).toBe(0);
    lease(s, MAC1);
    ask(s, { type: DHCPDECLINE, mac: MAC1, requested: ip("10.50.0.2") });
    expect(ipv4ToString(ask(s, { type: DHCPDISCOVER, mac: MAC2 })!.msg.yiaddr)).toBe("10.50.0.3");
  });
  test("INFORM gets configuration without an address or lease time", () => {
    const r = ask(server(), { type: DHCPINFORM, mac: MAC1, ciaddr: ip("10.50.0.77") })!;
    expect(messageType(r.msg)).toBe(DHCPACK);
    expect(r.msg.yiaddr).toBe(0);
    expect(r.msg.options.has(OPT.leaseTime)).toBe(false);
    expect(r.dst).toBe(ip("10.50.0.77"));
  });
  test("option 121 carries declared routes plus the default route when requested (RFC 3442)", () => {
    const s = server({ routes: [{ dest: parseCidr("10.60.0.0/24")!, via: ip("10.50.0.254") }] });
    const r = ask(s, { type: DHCPDISCOVER, mac: MAC1, paramRequest: [1, 3, 121] })!;
    expect([...r.msg.options.get(OPT.classlessRoutes)!]).toEqual([24, 10, 60, 0, 10, 50, 0, 254, 0, 10, 50, 0, 1]);
    expect(ask(s, { type: DHCPDISCOVER, mac: MAC2 })!.msg.options.has(OPT.classlessRoutes)).toBe(false);
  });
  test("classless route encoding uses only the significant octets", () => {
    expect([...classlessRoutesValue([{ dest: parseCidr("172.16.0.0/12")!, via: 1 }])]).toEqual([12, 172, 16, 0, 0, 0, 1]);
  });
  test("DNS can be overridden or suppressed", () => {
    expect(ipOption(ask(server({ dns: [ip("10.50.0.10")] }), { type: DHCPDISCOVER, mac: MAC1 })!.msg, OPT.dns)).toBe(ip("10.50.0.10"));
    expect(ask(server({ dns: [] }), { type: DHCPDISCOVER, mac: MAC1 })!.msg.options.has(OPT.dns)).toBe(false);
  });
  test(
    `${FUZZ_N} hostile DHCP payloads never throw (fuzz)`,
    () => {
      const rnd = seededBytes(7);
      const rng = new Rng(7);
      const good = clientMessage({ type: DHCPDISCOVER, mac: MAC1 });
      const s = server();
      for (let i = 0; i < FUZZ_N; i++) {
        let b = i % 2 ? good.slice(0, 236 + (i % 80)) : good.slice();
        if (i % 2 === 0) b.set(rnd(20), 240 + (i % 40));
        if (i % 3 === 0) b = mutate(good, rng);
        const m = parseDhcp(b);
        if (m) s.handle(m, i);
      }
      const overlong = good.slice(0, 246);
      overlong[241] = 200;
      expect(parseDhcp(overlong)?.malformed).toBe(true);
    },
    fuzzTimeoutMs(FUZZ_N),
  );
});

describe("subnet pool", () => {
  test("allocates the first /24 of the default pool that is not used", () => {
    const a = allocateSubnet([]);
    expect(!isSubnetPoolError(a) && cidrToString(a)).toBe("10.213.0.0/24");
    const b = allocateSubnet([parseCidr("10.213.0.0/24")!, parseCidr("10.213.1.0/25")!]);
    expect(!isSubnetPoolError(b) && cidrToString(b)).toBe("10.213.2.0/24");
  });
  test("a used supernet blocks everything inside it, and exhaustion is a typed error", () => {
    const r = allocateSubnet([parseCidr("10.0.0.0/8")!]);
    expect(isSubnetPoolError(r) && r.code).toBe("subnet_pool_exhausted");
    const bad = allocateSubnet([], "10.0.0.0/33");
    expect(isSubnetPoolError(bad) && bad.code).toBe("subnet_pool_invalid");
  });
});

describe("dhcp server: leases belong to switch ports (starvation, spoofing)", () => {
  const small = () => server({ poolStart: ip("10.50.0.2"), poolEnd: ip("10.50.0.9") });
  const macN = (i: number) => `02:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, "0")}:${(i & 0xff).toString(16).padStart(2, "0")}`;
  const from = (port: number, mac: string, trunk = false) => ({ port, trunk, srcMac: parseMac(mac)! });
  function leaseOn(s: DhcpServer, port: number, mac: string, opts: { srcMac?: string; trunk?: boolean; now?: number } = {}) {
    const f = from(port, opts.srcMac ?? mac, opts.trunk);
    const offer = s.handle(parseDhcp(clientMessage({ type: DHCPDISCOVER, mac }))!, opts.now ?? 0, f);
    if (!offer) return undefined;
    const yi = parseDhcp(offer.payload)!.yiaddr;
    const ack = s.handle(parseDhcp(clientMessage({ type: DHCPREQUEST, mac, requested: yi, serverId: GW }))!, opts.now ?? 0, f);
    return ack && parseDhcp(ack.payload)!;
  }

  test("a guest spoofing 1000 client addresses on its port holds one lease, and the next VM still gets an address", () => {
    const s = small();
    for (let i = 0; i < 1000; i++) leaseOn(s, 7, macN(i));
    expect(s.leases(0).filter((l) => l.port === 7).length).toBe(1);
    const next = leaseOn(s, 8, MAC1)!;
    expect(messageType(next)).toBe(DHCPACK);
    expect(s.addressOf(MAC1, 0, 8)).toBe(next.yiaddr);
  });

  test("on a guest port chaddr must be the frame's source MAC; a trunk port may relay many clients", () => {
    const s = small();
    expect(leaseOn(s, 7, MAC1, { srcMac: MAC2 })).toBeUndefined();
    expect(s.leases(0)).toEqual([]);
    for (let i = 0; i < 5; i++) expect(messageType(leaseOn(s, 9, macN(i), { srcMac: "02:99:00:00:00:01", trunk: true })!)).toBe(DHCPACK);
    expect(s.leases(0).filter((l) => l.port === 9).length).toBe(5);
  });

  test("a MAC pinned to its NIC's port is not served elsewhere, and its lease follows it to a new port", () => {
    const s = small();
    s.pinPort(MAC1, 3);
    expect(leaseOn(s, 4, MAC1)).toBeUndefined();
    const ack = leaseOn(s, 3, MAC1)!;
    s.pinPort(MAC1, 5); // the VM restarted: a new connection, a new port
    expect(s.addressOf(MAC1, 0, 5)).toBe(ack.yiaddr);
    expect(s.addressOf(MAC1, 0, 3)).toBeUndefined();
  });

  test("addressOf(mac, port) reports only a lease bound on that port, never one taken in the VM's name elsewhere", () => {
    const s = small();
    leaseOn(s, 4, MAC1);
    expect(s.addressOf(MAC1, 0, 3)).toBeUndefined();
    expect(s.addressOf(MAC1, 0, 4)).toBeDefined();
  });

  test("the pool never runs dry for guest ports while it has an address per port", () => {
    const s = small();
    for (let port = 1; port <= 8; port++) for (let i = 0; i < 50; i++) leaseOn(s, port, macN(port * 100 + i));
    expect(s.leases(0).length).toBe(8);
  });
});
