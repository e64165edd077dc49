import { afterEach, expect, test } from "bun:test";
import { connect, createServer } from "node:net";
import { createSocket } from "node:dgram";
import { parseCidr, parseIpv4Address } from "./addr.ts";
import { systemClock } from "../core/clock/mod.ts";
import { startForward, startTcpForward } from "./forward.ts";
import { Nat } from "./nat/mod.ts";
import { Segment } from "./segment.ts";
import { FakeGuest } from "./testing/fake_guest.ts";
import { GuestTcp } from "./testing/guest_tcp.ts";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

function rig() {
  const clock = systemClock();
  const seg = new Segment({ name: "f", clock, subnet: parseCidr("10.9.0.0/24")!, dns: false });
  const nat = new Nat({ clock, gateway: seg.gateway, mtu: 1500 });
  seg.setIpStack(nat);
  const guest = new FakeGuest(seg.switch, "52:54:00:00:00:99", parseIpv4Address("10.9.0.20")!);
  guest.arpRequest(seg.gateway.ip);
  guest.take();
  cleanup.push(() => nat.close());
  return { nat, seg, guest, tcp: new GuestTcp(guest, seg.gateway.mac, clock) };
}

test("a host connection to the forward reaches the guest's listener and gets its reply", async () => {
  const { nat, guest, tcp } = rig();
  tcp.listen(80, (c) => {
    c.events.onData = (d) => {
      c.write(new TextEncoder().encode(`HTTP ${new TextDecoder().decode(d)}`));
      c.end();
      return true;
    };
  });
  const r = await startTcpForward(nat, { hostPort: 0, guestIp: guest.ip, guestPort: 80 });
  expect(r.ok).toBe(true);
  if (!r.ok) return;
  cleanup.push(() => r.forward.close());
  expect(r.forward.hostAddress).toBe("127.0.0.1");
  const reply = await new Promise<string>((resolve, reject) => {
    const s = connect(r.forward.hostPort, "127.0.0.1", () => s.write("GET"));
    let acc = "";
    s.on("data", (d) => (acc += d.toString()));
    s.on("end", () => resolve(acc));
    s.on("error", reject);
  });
  expect(reply).toBe("HTTP GET");
});

test("a taken host port is a typed error naming the port", async () => {
  const { nat, guest } = rig();
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
  cleanup.push(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const r = await startTcpForward(nat, { hostPort: port, guestIp: guest.ip, guestPort: 22, label: "forward ssh" });
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.error.code).toBe("forward_port_taken");
  expect(r.error.port).toBe(port);
  expect(r.error.message).toContain(String(port));
  expect(r.error.message).toContain("forward ssh");
});

test("a UDP forward carries datagrams to the guest and each client gets its own replies", async () => {
  const { nat, seg, guest } = rig();
  const r = await startForward(nat, { hostPort: 0, guestIp: guest.ip, guestPort: 5000, proto: "udp" });
  if (!r.ok) throw new Error(r.error.message);
  cleanup.push(() => r.forward.close());
  const clients = [createSocket("udp4"), createSocket("udp4")];
  const got: string[][] = [[], []];
  clients.forEach((c, i) => {
    c.on("message", (m) => got[i]!.push(m.toString()));
    cleanup.push(() => c.close());
  });
  clients[0]!.send("a", r.forward.hostPort, "127.0.0.1");
  clients[1]!.send("b", r.forward.hostPort, "127.0.0.1");
  const seen: { port: number; text: string }[] = [];
  for (let i = 0; i < 200 && seen.length < 2; i++) {
    await Bun.sleep(5);
    for (const f of guest.take()) if (f.udp?.dstPort === 5000) seen.push({ port: f.udp.srcPort, text: new TextDecoder().decode(f.udp.payload) });
  }
  expect(seen.map((s) => s.text).sort()).toEqual(["a", "b"]);
  expect(seen[0]!.port).not.toBe(seen[1]!.port);
  for (const s of seen) guest.sendUdp(seg.gateway.mac, seg.gateway.ip, 5000, s.port, new TextEncoder().encode(`re:${s.text}`));
  for (let i = 0; i < 200 && got.flat().length < 2; i++) await Bun.sleep(5);
  expect(got).toEqual([["re:a"], ["re:b"]]);
});

test("proto both binds TCP and UDP on one port and a taken UDP port fails the whole forward", async () => {
  const { nat, guest } = rig();
  const r = await startForward(nat, { hostPort: 0, guestIp: guest.ip, guestPort: 80, proto: "both" });
  if (!r.ok) throw new Error(r.error.message);
  const taken = await startForward(nat, { hostPort: r.forward.hostPort, guestIp: guest.ip, guestPort: 80, proto: "udp" });
  expect(taken.ok).toBe(false);
  if (!taken.ok) {
    expect(taken.error.code).toBe("forward_port_taken");
    expect(taken.error.port).toBe(r.forward.hostPort);
  }
  await r.forward.close();
});

test("closing a forward ends its open connections instead of waiting for clients to hang up", async () => {
  const { nat, guest } = rig();
  const r = await startTcpForward(nat, { hostPort: 0, guestIp: () => guest.ip, guestPort: 80 });
  if (!r.ok) throw new Error(r.error.message);
  const client = connect(r.forward.hostPort, "127.0.0.1");
  client.on("error", () => undefined);
  await new Promise<void>((res) => client.once("connect", () => res()));
  const clientClosed = new Promise<void>((res) => client.once("close", () => res()));
  await r.forward.close();
  await clientClosed;
  expect(client.destroyed).toBe(true);
});
