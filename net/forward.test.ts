import { afterEach, expect, test } from "bun:test";
import { connect, createServer } from "node:net";
import { parseCidr, parseIpv4Address } from "./addr.ts";
import { systemClock } from "./clock.ts";
import { startTcpForward } from "./forward.ts";
import { Nat } from "./nat.ts";
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
  return { nat, guest, tcp: new GuestTcp(guest, seg.gateway.mac, clock) };
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
