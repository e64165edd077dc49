import { expect, test } from "bun:test";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { attachStreamSocket } from "./stream_port.ts";
import { Switch } from "./switch.ts";
import { ManualClock } from "../core/clock/testing/manual_clock.ts";
import { encodeStreamFrame } from "./framing.ts";
import { encodeEthernet, ETHERTYPE_IPV4 } from "./ethernet.ts";
import { BROADCAST_MAC, parseMac } from "./addr.ts";

async function socketPair(): Promise<{ ours: Socket; qemu: Socket; close: () => void }> {
  const path = join(tmpdir(), `vmlab-net-${process.pid}-${Math.random().toString(36).slice(2)}.sock`);
  let ours: Socket | undefined;
  const server = createServer((s) => (ours = s));
  await new Promise<void>((r) => server.listen(path, r));
  const qemu = connect(path);
  await new Promise<void>((r) => qemu.once("connect", () => r()));
  while (!ours) await new Promise((r) => setTimeout(r, 1));
  return { ours, qemu, close: () => server.close() };
}

test("frames from the socket reach the switch and a garbage length drops only that port", async () => {
  const sw = new Switch({ clock: new ManualClock() });
  const seen: number[] = [];
  sw.attach({ kind: "service", send: (f) => seen.push(f.length) });
  const { ours, qemu, close } = await socketPair();
  const reasons: string[] = [];
  const logs: string[] = [];
  attachStreamSocket(sw, ours, { name: "vm0", onClose: (r) => reasons.push(r), log: (l) => logs.push(l.event) });
  qemu.write(encodeStreamFrame(encodeEthernet(BROADCAST_MAC, parseMac("52:54:00:00:00:01")!, ETHERTYPE_IPV4, new Uint8Array(46))));
  await new Promise((r) => setTimeout(r, 20));
  expect(seen).toEqual([60]);
  qemu.write(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0));
  await new Promise((r) => setTimeout(r, 20));
  expect(reasons).toEqual(["frame_too_large"]);
  expect(logs).toEqual(["net.port_dropped"]);
  expect(sw.ports.length).toBe(1);
  qemu.destroy();
  close();
});
