/**
 * Cross-host segments through dist/vmlab (issue 14): two vmlab instances on this
 * machine (separate XDG folders, different trunk ports on 127.0.0.1) bridge a segment
 * over an authenticated, encrypted trunk, and a guest on each side pings the other; a
 * wrong pre-shared key is refused with a clear reason on both sides (status and log).
 * Replayed and bit-flipped frames through a proxy: net/trunk_link.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { LabStatus } from "../../core/daemon/protocol.ts";
import { TINY_REF, waitFor, World } from "./_lab.ts";

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

const trunksOf = (w: World, dir: string) => w.json<LabStatus>(["status", "--json"], { cwd: dir }).segments?.find((s) => s.name === "lan")?.trunks ?? [];

function labFile(name: string, opts: { connect?: number; vm?: { name: string; ip: string } }): string {
  const vm = opts.vm
    ? `  vm "${opts.vm.name}" {
    template = "${TINY_REF}"
    memory   = 256MiB
    nic {
      segment = "lan"
      ip      = "${opts.vm.ip}"
    }
  }
`
    : "";
  return `lab "${name}" {
  segment "lan" {
    subnet = "10.79.0.0/24"
${opts.connect ? `    connect { host = "127.0.0.1:${opts.connect}" }\n` : ""}  }
${vm}}
`;
}

test("a connect segment without a psk fails up with network.trunk_no_psk", () => {
  const d = new World("vmlab-trk-d-");
  try {
    const dir = d.lab("d", labFile("d", { connect: 9 }));
    const r = d.vmlab(["up", "-q"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("network.trunk_no_psk");
    expect(r.stderr).toContain("psk");
  } finally {
    d.teardown();
  }
});

describe("two vmlab instances bridge a segment", () => {
  let a: World;
  let b: World;
  let c: World;
  let aDir: string;
  let bDir: string;
  let cDir: string;
  beforeAll(async () => {
    const pa = await freePort();
    const pb = await freePort();
    a = new World("vmlab-trk-a-");
    b = new World("vmlab-trk-b-");
    c = new World("vmlab-trk-c-");
    await a.adoptTiny();
    await b.adoptTiny();
    await c.adoptTiny();
    c.hostConfig(`host {\n  psk = "a-wrong-key-9876543210"\n}\n`);
    cDir = c.lab("third", labFile("third", { connect: pb, vm: { name: "gamma", ip: "10.79.0.30" } }));
    a.hostConfig(`host {\n  psk = "shared-secret-for-the-trunk-test"\n  trunk_port = ${pa}\n}\n`);
    b.hostConfig(`host {\n  psk = "shared-secret-for-the-trunk-test"\n  trunk_port = ${pb}\n}\n`);
    aDir = a.lab("left", labFile("left", { connect: pb, vm: { name: "alpha", ip: "10.79.0.10" } }));
    bDir = b.lab("right", labFile("right", { vm: { name: "beta", ip: "10.79.0.20" } }));
  });
  afterAll(() => {
    a.teardown();
    b.teardown();
    c.teardown();
  });

  test("guests on each side ping across the trunk, which is up and counting frames on both sides", async () => {
    const ub = b.vmlab(["up", "-q"], { cwd: bDir });
    expect(ub.stderr).toBe("");
    const ua = a.vmlab(["up", "-q"], { cwd: aDir });
    expect(ua.stderr).toBe("");
    await waitFor("the trunk to come up", () => (trunksOf(a, aDir).some((t) => t.state === "up") ? true : undefined), 30_000);
    const ping = a.vmlab(["exec", "alpha", "--", "ping", "-c", "3", "-W", "5", "10.79.0.20"], { cwd: aDir });
    expect(ping.stdout).toContain(" 0% packet loss");
    const back = b.vmlab(["exec", "beta", "--", "ping", "-c", "2", "-W", "5", "10.79.0.10"], { cwd: bDir });
    expect(back.code).toBe(0);
    const out = trunksOf(a, aDir).find((t) => t.state === "up")!;
    const inb = trunksOf(b, bDir).find((t) => t.state === "up")!;
    expect(out.direction).toBe("out");
    expect(inb.direction).toBe("in");
    expect(out.sent).toBeGreaterThanOrEqual(5);
    expect(inb.received).toBeGreaterThanOrEqual(5);
    expect([inb.replayed, inb.tooOld, inb.tampered]).toEqual([0, 0, 0]);
  });

  test("a wrong pre-shared key is refused with a clear error on both sides, and the key is never logged", async () => {
    expect(c.vmlab(["up", "-q"], { cwd: cDir }).code).toBe(0);
    const out = await waitFor("the dialer to report the refusal", () => trunksOf(c, cDir).find((t) => t.error?.includes("refused our pre-shared key")), 30_000);
    expect(out.direction).toBe("out");
    expect(out.state).not.toBe("up");
    const inb = await waitFor(
      "the listener to report the refusal",
      () => trunksOf(b, bDir).find((t) => t.direction === "in" && t.error?.includes("did not prove the pre-shared key")),
      30_000,
    );
    expect(inb.state).toBe("down");
    expect(c.vmlab(["status"], { cwd: cDir }).stdout).toContain("refused our pre-shared key");
    // Network events go to the lab's network log (labs/<lab>/network.log).
    expect(readFileSync(join(b.stateDir, "labs", "right", "network.log"), "utf8")).toContain("did not prove the pre-shared key");
    // gamma cannot reach beta; the good trunk is untouched.
    const ping = c.vmlab(["exec", "gamma", "--", "ping", "-c", "1", "-W", "2", "10.79.0.20"], { cwd: cDir });
    expect(ping.code).not.toBe(0);
    expect(trunksOf(b, bDir).some((t) => t.state === "up")).toBe(true);
    for (const [w, d, lab] of [
      [b, bDir, "right"],
      [c, cDir, "third"],
    ] as const) {
      const logs = w.vmlab(["logs", "--json", "-n", "1000"], { cwd: d }).stdout + readFileSync(join(w.stateDir, "labs", lab, "network.log"), "utf8");
      expect(logs).not.toContain("shared-secret-for-the-trunk-test");
      expect(logs).not.toContain("a-wrong-key");
    }
  });
});
