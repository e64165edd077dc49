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
  let accepted!: (s: Socket) => void;
  const ours = new Promise<Socket>((r) => (accepted = r));
  const server = createServer((s) => accepted(s));
  await new Promise<void>((r) => server.listen(path, r));
  const qemu = connect(path);
  await new Promise<void>((r) => qemu.once("connect", () => r()));
  return { ours: await ours, qemu, close: () => server.close() };
}

test("frames from the socket reach the switch and a garbage length drops only that port", async () => {
  const sw = new Switch({ clock: new ManualClock() });
  const seen: number[] = [];
  let delivered!: () => void;
  const frameArrived = new Promise<void>((r) => (delivered = r));
  sw.attach({ kind: "service", send: (f) => (seen.push(f.length), delivered()) });
  const { ours, qemu, close } = await socketPair();
  const reasons: string[] = [];
  const logs: string[] = [];
  let dropped!: () => void;
  const portClosed = new Promise<void>((r) => (dropped = r));
  attachStreamSocket(sw, ours, { name: "vm0", onClose: (r) => (reasons.push(r), dropped()), log: (l) => logs.push(l.event) });
  qemu.write(encodeStreamFrame(encodeEthernet(BROADCAST_MAC, parseMac("52:54:00:00:00:01")!, ETHERTYPE_IPV4, new Uint8Array(46))));
  await frameArrived;
  expect(seen).toEqual([60]);
  qemu.write(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0));
  await portClosed;
  expect(reasons).toEqual(["frame_too_large"]);
  expect(logs).toEqual(["net.port_dropped"]);
  expect(sw.ports.length).toBe(1);
  qemu.destroy();
  close();
});
