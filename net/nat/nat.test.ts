import { afterEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { createSocket } from "node:dgram";
import { parseCidr, parseIpv4Address } from "../addr.ts";
import { icmpEchoLimit, MAX_TCP_FLOWS, Nat, UDP_IDLE_MS, SWEEP_MS } from "./mod.ts";
import type { EchoReply, PingSocketFactory } from "../ping_socket.ts";
import { Segment } from "../segment.ts";
import { RST } from "../tcp.ts";
import type { TcpConnection } from "../tcp_conn/mod.ts";
import { FakeGuest } from "../testing/fake_guest.ts";
import { GuestTcp } from "../testing/guest_tcp.ts";
import { ManualClock } from "../../core/clock/testing/manual_clock.ts";
import { systemClock } from "../../core/clock/mod.ts";
import { waitFor } from "../../core/testing/wait.ts";

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

function rig(clock: { now(): number; setTimer: ManualClock["setTimer"] } = systemClock(), hostFor?: (ip: number) => string) {
  const seg = new Segment({ name: "nat", clock, subnet: parseCidr("10.0.2.0/24")!, dns: false });
  const nat = new Nat({ clock, gateway: seg.gateway, mtu: seg.switch.mtu, hostFor });
  seg.setIpStack(nat);
  const guest = new FakeGuest(seg.switch, "52:54:00:12:34:56", parseIpv4Address("10.0.2.15")!);
  guest.arpRequest(seg.gateway.ip); // the gateway learns the guest
  guest.take();
  const tcp = new GuestTcp(guest, seg.gateway.mac, clock);
  cleanup.push(() => nat.close());
  return { seg, nat, guest, tcp };
}

async function listen(onConn: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer({ allowHalfOpen: true }, onConn);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanup.push(() => server.close());
  return { server, port: (server.address() as { port: number }).port };
}

function collect(c: TcpConnection) {
  const chunks: Uint8Array[] = [];
  const st = { fin: false, bytes: 0, closed: "" };
  c.events.onData = (d) => (chunks.push(d), (st.bytes += d.length), true);
  c.events.onPeerFin = () => (st.fin = true);
  c.events.onClose = (r) => (st.closed = r);
  return { chunks, st, sha: () => createHash("sha256").update(Buffer.concat(chunks)).digest("hex") };
}

describe("nat tcp against real loopback sockets", () => {
  test("a guest connects to a host service through the gateway address and both directions flow", async () => {
    const { seg, tcp } = rig();
    const { port } = await listen((s) => {
      s.on("data", (d) => s.write(Buffer.concat([Buffer.from("echo:"), Buffer.from(d)])));
      s.on("end", () => s.end());
    });
    const c = tcp.connect(seg.gateway.ip, port);
    const got = collect(c);
    c.events.onEstablished = () => c.write(new TextEncoder().encode("hi"));
    await waitFor("the first 7 bytes at the guest", () => got.st.bytes >= 7);
    expect(Buffer.concat(got.chunks).toString()).toBe("echo:hi");
    c.end();
    await waitFor("the FIN at the guest", () => got.st.fin);
  });
  test("a refused connection answers the SYN with RST", async () => {
    const { seg, guest, tcp } = rig();
    const { server, port } = await listen(() => {});
    await new Promise<void>((r) => server.close(() => r()));
    const rsts: number[] = [];
    tcp.dropToGuest = (t) => (t.flags & RST ? (rsts.push(t.flags), false) : false);
    const c = tcp.connect(seg.gateway.ip, port);
    const got = collect(c);
    await waitFor("the guest connection to close", () => got.st.closed !== "");
    expect(got.st.closed).toBe("reset");
    expect(rsts.length).toBe(1);
    void guest;
  });
  test("forgetGuestTcp() drops a guest's flows so its next segment is reset, and a gateway service proxies to its host port", async () => {
    const { seg, nat, tcp } = rig();
    let hostClosed = false;
    const { port } = await listen((s) => {
      s.on("data", (d) => s.write(d));
      s.on("end", () => (hostClosed = true));
    });
    // The gateway's port 445 spliced to the host port, as the lab daemon serves SMB.
    seg.gateway.bindTcp(445, (_mac, ip, t) => nat.proxyTcp(ip, t, { host: "127.0.0.1", port }));
    const c = tcp.connect(seg.gateway.ip, 445);
    const got = collect(c);
    c.events.onEstablished = () => c.write(new TextEncoder().encode("ping"));
    await waitFor("the echo at the guest", () => got.st.bytes >= 4);
    expect(Buffer.concat(got.chunks).toString()).toBe("ping");
    expect(nat.forgetGuestTcp(parseIpv4Address("10.0.2.15")!)).toBe(1);
    expect(nat.tcpFlows).toBe(0);
    await waitFor("the host socket closed", () => hostClosed);
    c.write(new TextEncoder().encode("again"));
    await waitFor("the guest connection reset", () => got.st.closed !== "");
    expect(got.st.closed).toBe("reset");
  });
  test("a segment for an unknown flow is answered with RST", async () => {
    const { seg, guest } = rig();
    const { encodeTcpFrame, ACK } = await import("../tcp.ts");
    guest.send(
      encodeTcpFrame(
        { srcMac: guest.mac, dstMac: seg.gateway.mac, src: guest.ip, dst: parseIpv4Address("127.0.0.1")! },
        { srcPort: 5555, dstPort: 80, seq: 1, ack: 777, flags: ACK, window: 100 },
        new Uint8Array(5),
      ),
    );
    const r = guest.take().find((x) => x.tcp)?.tcp;
    expect(r?.flags).toBe(RST);
    expect(r?.seq).toBe(777);
  });
  test("one hundred MiB cross sha256-identical in both directions", async () => {
    const size = 100 << 20;
    const payload = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) payload[i] = (i / 4096) & 255;
    crypto.getRandomValues(payload.subarray(0, 65536));
    const want = createHash("sha256").update(payload).digest("hex");
    const { seg, tcp } = rig();
    let hostGot = createHash("sha256");
    let hostBytes = 0;
    const { port } = await listen((s) => {
      s.on("data", (d) => {
        hostGot.update(d);
        hostBytes += d.length;
      });
      s.write(payload, () => s.end());
    });
    const c = tcp.connect(seg.gateway.ip, port);
    const got = collect(c);
    let off = 0;
    const pumpOut = () => {
      while (off < size) {
        const n = Math.min(65536, size - off);
        const ok = c.write(payload.subarray(off, off + n));
        off += n;
        if (!ok) return;
      }
      c.end();
    };
    c.events.onEstablished = pumpOut;
    c.events.onWritable = pumpOut;
    await waitFor("every byte both ways and the FIN", () => got.st.fin && hostBytes === size, 30_000);
    expect(got.sha()).toBe(want);
    expect(hostGot.digest("hex")).toBe(want);
    hostGot = createHash("sha256");
  }, 30_000);
  test("flow-table churn of ten thousand short connections leaves no flows behind and memory bounded", async () => {
    // Ten host addresses (127.0.0.2–11 behind 198.18.0.2–11) so the host's TIME_WAIT
    // entries spread over ten 4-tuple spaces instead of exhausting one.
    const dests = 10;
    const ports: number[] = [];
    for (let k = 0; k < dests; k++) {
      const server = createServer({ allowHalfOpen: true }, (s) => s.end("x"));
      await new Promise<void>((r) => server.listen(0, `127.0.0.${k + 2}`, r));
      cleanup.push(() => server.close());
      ports.push((server.address() as { port: number }).port);
    }
    const remote = (k: number) => parseIpv4Address(`198.18.0.${k + 2}`)!;
    const { nat, tcp } = rig(systemClock(), (ip) => `127.0.0.${ip & 0xff}`);
    Bun.gc(true);
    const heapBefore = process.memoryUsage().heapUsed;
    let peakFlows = 0;
    for (let round = 0; round < 20; round++) {
      const states = Array.from({ length: 500 }, (_, i) => {
        const c = tcp.connect(remote(i % dests), ports[i % dests]!);
        const got = collect(c);
        c.events.onPeerFin = () => ((got.st.fin = true), c.end());
        return got;
      });
      await waitFor("every flow's FIN", () => states.every((s) => s.st.fin), 10_000);
      peakFlows = Math.max(peakFlows, nat.tcpFlows);
    }
    await waitFor("the NAT table to empty", () => nat.tcpFlows === 0, 10_000);
    expect(nat.tcpFlows).toBe(0);
    expect(peakFlows).toBeLessThanOrEqual(MAX_TCP_FLOWS);
    Bun.gc(true);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(32 << 20);
  }, 40_000);

  test("withheld ACKs from the guest make the NAT retransmit on its RTO", async () => {
    const clock = new ManualClock();
    const { seg, tcp, guest } = rig(clock);
    let hostSock: Socket | undefined;
    const { port } = await listen((s) => (hostSock = s));
    const c = tcp.connect(seg.gateway.ip, port);
    const got = collect(c);
    await waitFor("the connection to be established", () => c.state === "ESTABLISHED" && hostSock !== undefined);
    let dropping = true;
    let dropped = 0;
    tcp.dropToGuest = (t) => (dropping && t.payload.length > 0 ? (dropped++, true) : false);
    hostSock!.write("retransmit me");
    await waitFor("one dropped segment", () => dropped === 1);
    dropping = false;
    clock.advance(1000);
    await waitFor("13 bytes at the guest", () => got.st.bytes === 13);
    expect(Buffer.concat(got.chunks).toString()).toBe("retransmit me");
    void guest;
  });
});

describe("nat udp", () => {
  test("a datagram round-trips to a host UDP service and the flow expires when idle", async () => {
    const clock = new ManualClock();
    const { seg, nat, guest } = rig(clock);
    const srv = createSocket("udp4");
    srv.on("message", (m, r) => srv.send(Buffer.concat([Buffer.from("re:"), m]), r.port, r.address));
    await new Promise<void>((r) => srv.bind(0, "127.0.0.1", r));
    cleanup.push(() => srv.close());
    guest.sendUdp(seg.gateway.mac, seg.gateway.ip, 3333, srv.address().port, new TextEncoder().encode("ping"));
    await waitFor("a UDP reply at the guest", () => guest.inbox.some((x) => x.udp));
    const r = guest.inbox.find((x) => x.udp)!;
    expect(new TextDecoder().decode(r.udp!.payload)).toBe("re:ping");
    expect(r.ip!.src).toBe(seg.gateway.ip);
    expect(r.udp!.dstPort).toBe(3333);
    expect(nat.udpFlows).toBe(1);
    clock.advance(UDP_IDLE_MS + SWEEP_MS);
    expect(nat.udpFlows).toBe(0);
  });
});

describe("nat icmp", () => {
  test("ping to the outside logs once why it is not forwarded, and the gateway still answers", () => {
    const clock = new ManualClock();
    const seg = new Segment({ name: "nat", clock, subnet: parseCidr("10.0.2.0/24")!, dns: false });
    const events: string[] = [];
    const nat = new Nat({ clock, gateway: seg.gateway, mtu: 1500, log: (r) => events.push(r.event) });
    seg.setIpStack(nat);
    const guest = new FakeGuest(seg.switch, "52:54:00:12:34:56", parseIpv4Address("10.0.2.15")!);
    guest.ping(seg.gateway.mac, parseIpv4Address("192.0.2.77")!, 1, 1);
    guest.ping(seg.gateway.mac, parseIpv4Address("192.0.2.77")!, 1, 2);
    expect(events).toEqual(["net.nat_icmp_unsupported"]);
    guest.take();
    guest.ping(seg.gateway.mac, seg.gateway.ip, 1, 3);
    expect(guest.take().some((r) => r.icmp?.type === 0)).toBe(true);
  });

  test("the reason names the host setting when ping sockets are not allowed", () => {
    expect(icmpEchoLimit("1\t0", 0)).toContain("ping_group_range");
    expect(icmpEchoLimit("0 2147483647", 1000)).toContain("no ICMP socket API");
  });

  test("with ping sockets, a guest's echo goes out under its session and the reply comes back with its identifier", () => {
    const clock = new ManualClock();
    const seg = new Segment({ name: "nat", clock, subnet: parseCidr("10.0.2.0/24")!, dns: false });
    const sent: { dst: number; seq: number; data: number[] }[] = [];
    let reply: ((r: EchoReply) => void) | undefined;
    let closed = 0;
    const ping: PingSocketFactory = (onReply) => {
      reply = onReply;
      return { send: (dst, seq, data) => (sent.push({ dst, seq, data: [...data] }), true), close: () => void closed++ };
    };
    const nat = new Nat({ clock, gateway: seg.gateway, mtu: 1500, ping });
    seg.setIpStack(nat);
    const guest = new FakeGuest(seg.switch, "52:54:00:12:34:56", parseIpv4Address("10.0.2.15")!);
    guest.arpRequest(seg.gateway.ip);
    const far = parseIpv4Address("192.0.2.77")!;
    guest.ping(seg.gateway.mac, far, 0x4242, 7, Uint8Array.of(1, 2, 3));
    expect(sent).toEqual([{ dst: far, seq: 7, data: [1, 2, 3] }]);
    expect(nat.icmpFlows).toBe(1);
    guest.take();
    reply!({ src: far, seq: 7, data: Uint8Array.of(1, 2, 3) });
    const back = guest.take().find((r) => r.icmp?.type === 0)!;
    expect([back.ip!.src, back.icmp!.id, back.icmp!.seq, [...back.icmp!.data]]).toEqual([far, 0x4242, 7, [1, 2, 3]]);
    clock.advance(UDP_IDLE_MS + SWEEP_MS);
    expect([nat.icmpFlows, closed]).toEqual([0, 1]);
  });
});
