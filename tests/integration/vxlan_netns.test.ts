/**
 * VXLAN against the Linux kernel (issue 14, RFC 7348): the test creates a network
 * namespace joined to the host by a veth pair, with a kernel `vxlan` device (VNI 4242)
 * whose remote is the host end; a `LabFabric` segment with `connect { vxlan }` points
 * back at the namespace. The namespace's address on the VXLAN device is in the
 * segment's subnet, so `ping` from inside the namespace reaches the segment's gateway
 * (which answers ICMP echo) through the kernel's encapsulation and our decapsulation,
 * and back. Needs root (CI runs as root) and iproute2; everything it creates is removed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LabFabric } from "../../core/daemon/lab/fabric.ts";

const tag = `${process.pid % 10000}`;
const NS = `vmlab-vx-${tag}`;
const VETH_HOST = `vxh${tag}`;
const VETH_NS = `vxn${tag}`;
const HOST_IP = "10.201.77.1";
const NS_IP = "10.201.77.2";
const VNI = 4242;
/** UDP port of both VTEPs (each in its own namespace); not 4789, to stay clear of other users. */
const PORT = 47000 + (process.pid % 1000);

function sh(...argv: string[]): string {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

let dir = "";
let fabric: LabFabric;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vmlab-vxlan-"));
  sh("ip", "netns", "add", NS);
  sh("ip", "link", "add", VETH_HOST, "type", "veth", "peer", "name", VETH_NS);
  sh("ip", "link", "set", VETH_NS, "netns", NS);
  sh("ip", "addr", "add", `${HOST_IP}/30`, "dev", VETH_HOST);
  sh("ip", "link", "set", VETH_HOST, "up");
  sh("ip", "-n", NS, "addr", "add", `${NS_IP}/30`, "dev", VETH_NS);
  sh("ip", "-n", NS, "link", "set", VETH_NS, "up");
  sh("ip", "-n", NS, "link", "set", "lo", "up");
  sh("ip", "-n", NS, "link", "add", "vx0", "type", "vxlan", "id", String(VNI), "remote", HOST_IP, "local", NS_IP, "dstport", String(PORT));
  sh("ip", "-n", NS, "addr", "add", "10.88.0.77/24", "dev", "vx0");
  sh("ip", "-n", NS, "link", "set", "vx0", "up");
  fabric = new LabFabric({
    lab: "vx",
    runDir: join(dir, "run"),
    registryPath: join(dir, "subnets.json"),
    network: { segments: [{ name: "lan", subnet: "10.88.0.0/24", connect: { vxlan: `${NS_IP}:${PORT}`, vni: VNI, localPort: PORT } }] },
  });
  await fabric.open();
});

afterAll(async () => {
  await fabric?.close();
  Bun.spawnSync(["ip", "link", "del", VETH_HOST]);
  Bun.spawnSync(["ip", "netns", "del", NS]);
  rmSync(dir, { recursive: true, force: true });
});

describe("a segment joined to a kernel vxlan device", () => {
  test("the namespace pings the segment's gateway through VXLAN, both ways counted", async () => {
    // Asynchronously: the fabric's UDP socket lives on this event loop.
    const p = Bun.spawn(["ip", "netns", "exec", NS, "ping", "-c", "3", "-i", "0.2", "-W", "3", "10.88.0.1"], { stdout: "pipe", stderr: "pipe" });
    const out = await new Response(p.stdout).text();
    await p.exited;
    expect(out).toContain("3 received");
    const vx = fabric.status().segments[0]?.vxlan;
    expect(vx).toMatchObject({ remote: `${NS_IP}:${PORT}`, vni: VNI });
    expect(vx!.received).toBeGreaterThanOrEqual(4); // ARP + 3 echo requests
    expect(vx!.sent).toBeGreaterThanOrEqual(4);
  });
});
