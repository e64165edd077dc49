import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BROADCAST_MAC, encodeEthernet, ETHERTYPE_IPV4, parseMac } from "../../../net/mod.ts";
import type { NicPlan, VmPlan } from "../protocol.ts";
import { FabricFailure, LabFabric } from "./fabric.ts";
import type { TrunkSettings } from "./fabric_trunks.ts";
import { nicPeer } from "./testing/nic_peer.ts";

let dir = "";
const open: LabFabric[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "vmlab-trunks-"));
});
afterEach(async () => {
  for (const f of open.splice(0)) await f.close();
  rmSync(dir, { recursive: true, force: true });
});

const nic = (ip: string): NicPlan => ({ segment: "lan", nat: false, isolated: false, model: "virtio-net-pci", ip });
const freePort = async () => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
};
const until = async <T>(what: string, fn: () => T | undefined, ms = 8_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
};

async function fabric(name: string, trunks: TrunkSettings, connect?: number): Promise<LabFabric> {
  const f = new LabFabric({
    lab: name,
    runDir: join(dir, name),
    registryPath: join(dir, `${name}-subnets.json`),
    trunks,
    network: { segments: [{ name: "lan", subnet: "10.79.0.0/24", ...(connect ? { connect: { host: `127.0.0.1:${connect}` } } : {}) }] },
  });
  await f.open();
  open.push(f);
  return f;
}
const trunk = (f: LabFabric) => f.status().segments[0]!.trunks[0];

describe("cross-host trunks between two fabrics", () => {
  test("frames of a NIC on one fabric reach a NIC on the other; the dialer reconnects after the listener restarts", async () => {
    const port = await freePort();
    const psk = "a-long-shared-secret";
    let right = await fabric("right", { psk, port });
    const left = await fabric("left", { psk }, port);
    await until("the trunk", () => (trunk(left)?.state === "up" ? true : undefined));
    const la = await left.attach({ name: "a" } as VmPlan, 0, nic("10.79.0.10"), "52:54:00:00:02:01");
    const rb = await right.attach({ name: "b" } as VmPlan, 0, nic("10.79.0.20"), "52:54:00:00:02:02");
    const pa = await nicPeer((la as { socket: string }).socket);
    let pb = await nicPeer((rb as { socket: string }).socket);
    const f = encodeEthernet(BROADCAST_MAC, parseMac("52:54:00:00:02:01")!, ETHERTYPE_IPV4, new Uint8Array(46).fill(9));
    pa.send(f);
    expect(await pb.next((x) => x[20] === 9)).toEqual(f);
    expect(trunk(right)).toMatchObject({ direction: "in", state: "up", received: 1 });

    // The listener goes away and comes back: the dialer notices and reconnects.
    pb.sock.destroy();
    await right.close();
    open.splice(open.indexOf(right), 1);
    await until("the dialer to see the trunk down", () => (trunk(left)?.state !== "up" ? true : undefined));
    right = await fabric("right", { psk, port });
    await until("the trunk to come back", () => (trunk(left)?.state === "up" ? true : undefined));
    const rb2 = await right.attach({ name: "b" } as VmPlan, 0, nic("10.79.0.20"), "52:54:00:00:02:02");
    pb = await nicPeer((rb2 as { socket: string }).socket);
    pa.send(f);
    expect(await pb.next((x) => x[20] === 9)).toEqual(f);
    pa.sock.destroy();
    pb.sock.destroy();
  });

  test("a wrong psk is refused and reported on both sides; connect without a psk is a typed error", async () => {
    const port = await freePort();
    const right = await fabric("right", { psk: "right-key", port });
    const left = await fabric("left", { psk: "wrong-key" }, port);
    const out = await until("the refusal", () => (trunk(left)?.error?.includes("refused our pre-shared key") ? trunk(left) : undefined));
    expect(out?.state).not.toBe("up");
    const inb = await until("the listener's report", () => (trunk(right)?.error?.includes("did not prove") ? trunk(right) : undefined));
    expect(inb?.direction).toBe("in");
    const err = await fabric("nokey", {}, port).catch((e: unknown) => e);
    expect((err as FabricFailure).code).toBe("network.trunk_no_psk");
    const taken = await fabric("taken", { psk: "k", port }).catch((e: unknown) => e);
    expect((taken as FabricFailure).code).toBe("network.trunk_port_taken");
  });
});
