/**
 * The network fabric as a user meets it through dist/vmlab: a declared
 * segment hands out leases in its subnet (and the static reservation), the
 * VMs reach each other by DNS name, `status` shows segments, leases and
 * forwards, a `forward` lets the host reach a guest's httpd on 127.0.0.1,
 * and a forward whose host port is taken fails `up` loudly, naming it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import type { LabStatus } from "../../core/daemon/protocol.ts";
import { TINY_REF, waitFor, World } from "./_lab.ts";

let w: World;
let dir: string;
let port: number;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

const lab = (hostPort: number) => `lab "net" {
  segment "lan" {
    subnet = "10.77.0.0/24"
    forward {
      host_port = ${hostPort}
      to        = "web:80"
    }
  }
  vm "web" {
    template = "${TINY_REF}"
    memory   = 256MiB
    nic {
      segment = "lan"
      ip      = "10.77.0.50"
    }
  }
  vm "client" {
    template = "${TINY_REF}"
    memory   = 256MiB
    nic { segment = "lan" }
  }
}
`;

beforeAll(async () => {
  w = new World();
  await w.adoptTiny();
  port = await freePort();
  dir = w.lab("net", lab(port));
});

afterAll(() => w.teardown());

describe("the network fabric through dist/vmlab", () => {
  test("up leases addresses in the declared subnet, with the static reservation", () => {
    const r = w.vmlab(["up", "-q"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const st = w.json<LabStatus>(["status", "--json"], { cwd: dir });
    expect(st.vms.find((v) => v.name === "web")?.ips).toContain("10.77.0.50");
    const client = st.vms.find((v) => v.name === "client")?.ips[0] ?? "";
    expect(client).toMatch(/^10\.77\.0\.\d+$/);
    const seg = st.segments?.find((s) => s.name === "lan");
    expect(seg).toMatchObject({ subnet: "10.77.0.0/24", gateway: "10.77.0.1" });
    expect(seg?.leases.map((l) => l.vm).sort()).toEqual(["client", "web"]);
    expect(st.forwards?.[0]).toMatchObject({ hostPort: port, vm: "web", guestPort: 80, bind: "127.0.0.1" });
    const human = w.vmlab(["status"], { cwd: dir });
    expect(human.stdout).toContain("SEGMENT");
    expect(human.stdout).toContain("10.77.0.0/24");
  });

  test("guests reach each other by name through the lab's DNS", () => {
    const r = w.vmlab(["exec", "client", "--", "ping", "-c", "1", "-W", "5", "web.net.vmlab.internal"], { cwd: dir });
    expect(r.stdout).toContain("10.77.0.50");
    expect(r.code).toBe(0);
    const short = w.vmlab(["exec", "client", "--", "nslookup", "web.vmlab.internal"], { cwd: dir });
    expect(short.stdout).toContain("10.77.0.50");
  });

  test("a forward on 127.0.0.1 reaches the guest's httpd", async () => {
    const start = w.vmlab(["exec", "web", "--", "/bin/sh", "-c", "mkdir -p /srv && echo hello-from-web > /srv/index.html && httpd -p 80 -h /srv"], {
      cwd: dir,
    });
    expect(start.code).toBe(0);
    const res = await fetch(`http://127.0.0.1:${port}/index.html`, { signal: AbortSignal.timeout(30_000) });
    expect(await res.text()).toBe("hello-from-web\n");
  });

  test("runtime forwards through the lab daemon's API: add, use, list, remove", async () => {
    const sock = join(w.runDir, "labs", "net", "control.sock");
    const extra = await freePort();
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`http://vmlab${path}`, {
        method,
        unix: sock,
        ...(body ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}),
      } as RequestInit);
    const added = await call("POST", "/v1/forwards", { hostPort: extra, vm: "web", guestPort: 80 });
    expect(added.status).toBe(200);
    expect(await added.json()).toMatchObject({ hostPort: extra, vm: "web", guestPort: 80, bind: "127.0.0.1" });
    const res = await fetch(`http://127.0.0.1:${extra}/index.html`, { signal: AbortSignal.timeout(30_000) });
    expect(await res.text()).toBe("hello-from-web\n");
    const list = (await (await call("GET", "/v1/forwards")).json()) as { hostPort: number }[];
    expect(list.map((f) => f.hostPort).sort()).toEqual([port, extra].sort());
    const taken = await call("POST", "/v1/forwards", { hostPort: extra, vm: "web", guestPort: 80 });
    expect(taken.status).toBeGreaterThanOrEqual(400);
    expect(((await taken.json()) as { error: { code: string } }).error.code).toMatch(/^network\./);
    expect((await call("DELETE", `/v1/forwards/${extra}`)).status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${extra}/`, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
  });

  test("a script spinning in the lab daemon stalls neither the switch nor the API: guests keep pinging", async () => {
    const spin = join(w.root, "spin.ws");
    writeFileSync(
      spin,
      'use time\n\nfn main(lab: Lab) {\n    lab.log("spinning")\n    let start = time::instant()\n    let n = 0\n    while time::elapsed(start) < 12.0 { n = n + 1 }\n    lab.log("done spinning")\n}\n',
    );
    const script = w.vmlabAsync(["script", spin], { cwd: dir });
    // Ping only once the script is spinning (its log line reaches the lab log).
    await waitFor("the script to spin", () => (w.vmlab(["logs", "--json", "-n", "50"], { cwd: dir }).stdout.includes('"spinning"') ? true : undefined), 30_000);
    const ping = await w.vmlabAsync(["exec", "client", "--", "ping", "-c", "8", "-i", "0.5", "web.net.vmlab.internal"], { cwd: dir });
    expect(ping.stdout).toContain(" 0% packet loss");
    expect(ping.code).toBe(0);
    const done = await script;
    expect(done.stderr).toContain("done spinning");
    expect(done.code).toBe(0);
  });

  test("a forward whose host port is taken fails up, naming the port and the forward", async () => {
    expect(w.vmlab(["down", "-q"], { cwd: dir }).code).toBe(0);
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(port, "127.0.0.1", () => r()));
    try {
      const r = w.vmlab(["up", "-q"], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("network.port_taken");
      expect(r.stderr).toContain(String(port));
      expect(r.stderr).toContain("web");
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
    expect(w.vmlab(["up", "-q"], { cwd: dir }).code).toBe(0);
  });
});
