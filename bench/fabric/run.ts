/**
 * bench/fabric — vmlab's userspace fabric against passt and slirp4netns, with real
 * kernel TCP on both ends (issue 5, the performance bar).
 *
 * Setup (root required): each "guest" is a network namespace holding a tap device,
 * joined to a unix stream socket in QEMU's stream-netdev framing by `tapbridge.c`
 * (compiled with gcc at start; `--bridge qemu` uses QEMU's tap+stream+hubport instead,
 * which on QEMU 7.2 corrupts the stream or aborts on partial writes — see
 * tapbridge.c), so the fabric sees exactly the length-framed Ethernet a VM would
 * send. Contenders, same machine, same run:
 *   vmlab  — `driver.ts`: a `Segment` + `Nat` listening on the unix socket;
 *   passt  — `passt --socket`, the same stream protocol;
 *   slirp  — slirp4netns (libslirp) attached to its own tap in the namespace.
 * Measured: iperf3 guest→host ("up") and host→guest ("down", -R) to the gateway
 * address (mapped to the host's loopback by all three) at MTU 1500 and 65520;
 * guest↔guest through the vmlab switch next to a reference wire (two bridges joined by
 * one stream socket, no switch); TCP_RR (one-byte ping-pong, `rr.py`).
 * Prints a table with the ratios vmlab/passt and vmlab/slirp4netns. Every namespace,
 * tap and process is removed at the end, also on failure or Ctrl-C.
 *
 * Usage: bun bench/fabric/run.ts [--secs 5] [--mtu 1500,65520] [--bridge c|qemu] [--profile DIR] [--only vmlab,passt,slirp,g2g,rr,up,down]
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");
const BUN = process.execPath;
const PREFIX = `vmlabfb${process.pid}`;
const IPERF_PORT = 5201;
const RR_PORT = 5301;
const SUBNET = "10.0.2";
/** MTUs measured by default. */
const DEFAULT_MTUS = [1500, 65520];

interface Opts {
  secs: number;
  mtus: number[];
  profile: string | undefined;
  only: Set<string>;
  bridge: "c" | "qemu";
}

/** Path of the compiled tapbridge (set in main). */
let TAPBRIDGE = "";

function parseOpts(argv: string[]): Opts {
  const o: Opts = { secs: 5, mtus: [...DEFAULT_MTUS], profile: undefined, only: new Set(["vmlab", "passt", "slirp", "g2g", "rr", "up", "down"]), bridge: "c" };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1] ?? "";
    if (argv[i] === "--secs") (o.secs = Number(v)), i++;
    else if (argv[i] === "--mtu") (o.mtus = v.split(",").map(Number)), i++;
    else if (argv[i] === "--profile") (o.profile = v), i++;
    else if (argv[i] === "--only") (o.only = new Set([...v.split(","), ...(/\b(up|down)\b/.test(v) ? [] : ["up", "down"])])), i++;
    else if (argv[i] === "--bridge") (o.bridge = v === "qemu" ? "qemu" : "c"), i++;
  }
  return o;
}

/** Everything the run created, torn down in reverse. */
class Janitor {
  readonly procs: ChildProcess[] = [];
  readonly netns: string[] = [];
  readonly dirs: string[] = [];

  spawn(cmd: string[], opts: { stdout?: boolean } = {}): ChildProcess {
    const p = spawn(cmd[0] as string, cmd.slice(1), { stdio: ["ignore", opts.stdout ? "pipe" : "ignore", "pipe"] });
    let err = "";
    p.stderr?.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    (p as ChildProcess & { errText: () => string }).errText = () => err;
    this.procs.push(p);
    return p;
  }

  async stop(p: ChildProcess): Promise<void> {
    if (p.exitCode !== null || p.signalCode !== null) return;
    const done = new Promise<void>((r) => p.once("exit", () => r()));
    p.kill("SIGTERM");
    const t = setTimeout(() => p.kill("SIGKILL"), 3000);
    await done;
    clearTimeout(t);
  }

  async cleanup(): Promise<void> {
    for (const p of this.procs.reverse()) await this.stop(p);
    this.procs.length = 0;
    for (const ns of this.netns.reverse()) spawnSync("ip", ["netns", "del", ns]);
    this.netns.length = 0;
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}

function sh(cmd: string[]): string {
  const r = spawnSync(cmd[0] as string, cmd.slice(1), { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

function lineFrom(p: ChildProcess, want: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = "";
    p.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      if (buf.includes(want)) resolve();
    });
    p.once("exit", (c) => reject(new Error(`process exited (${c}) before "${want}": ${(p as ChildProcess & { errText: () => string }).errText()}`)));
  });
}

/** A namespace with loopback up; returns its name. */
function makeNetns(j: Janitor, tag: string): string {
  const ns = `${PREFIX}${tag}`;
  sh(["ip", "netns", "add", ns]);
  j.netns.push(ns);
  sh(["ip", "-n", ns, "link", "set", "lo", "up"]);
  return ns;
}

/** tap0 in `ns`, configured statically, bridged to the unix socket `sock` (tapbridge.c, or QEMU with `--bridge qemu`). */
async function tapToSocket(j: Janitor, ns: string, sock: string, mtu: number, ip: string, gw: string | undefined, server = false): Promise<void> {
  sh(["ip", "-n", ns, "tuntap", "add", "dev", "tap0", "mode", "tap"]);
  sh(["ip", "-n", ns, "link", "set", "tap0", "mtu", String(mtu), "up"]);
  sh(["ip", "-n", ns, "addr", "add", `${ip}/24`, "dev", "tap0"]);
  if (gw) sh(["ip", "-n", ns, "route", "add", "default", "via", gw]);
  const q = TAPBRIDGE
    ? j.spawn(["ip", "netns", "exec", ns, TAPBRIDGE, "tap0", server ? "listen" : "connect", sock])
    : j.spawn([
        "ip",
        "netns",
        "exec",
        ns,
        "qemu-system-x86_64",
        "-M",
        "none",
        "-nodefaults",
        "-display",
        "none",
        "-netdev",
        "tap,id=t,ifname=tap0,script=no,downscript=no",
        "-netdev",
        `stream,id=s,server=${server ? "on" : "off"},addr.type=unix,addr.path=${sock}`,
        "-netdev",
        "hubport,id=h1,hubid=0,netdev=t",
        "-netdev",
        "hubport,id=h2,hubid=0,netdev=s",
      ]);
  if (server) await until(`${sock}`, () => existsSync(sock));
  else await Bun.sleep(300);
  if (q.exitCode !== null) throw new Error(`qemu bridge failed: ${(q as ChildProcess & { errText: () => string }).errText()}`);
}

async function iperf(ns: string, host: string, secs: number, reverse: boolean): Promise<number> {
  const args = ["ip", "netns", "exec", ns, "iperf3", "-c", host, "-p", String(IPERF_PORT), "-t", String(secs), "-J", ...(reverse ? ["-R"] : [])];
  const r = spawnSync(args[0] as string, args.slice(1), { encoding: "utf8", timeout: (secs + 20) * 1000 });
  try {
    const j = JSON.parse(r.stdout) as { end?: { sum_received?: { bits_per_second: number } }; error?: string };
    if (j.error || !j.end?.sum_received) throw new Error(j.error ?? "no result");
    return j.end.sum_received.bits_per_second / 1e9;
  } catch (e) {
    process.stderr.write(`iperf3 ${reverse ? "down" : "up"} in ${ns} failed: ${String(e)} ${r.stderr}\n`);
    return NaN;
  }
}

function rr(ns: string, host: string, secs: number): { tps: number; us: number } {
  const r = spawnSync("ip", ["netns", "exec", ns, "python3", join(import.meta.dir, "rr.py"), "client", host, String(RR_PORT), String(secs)], {
    encoding: "utf8",
    timeout: (secs + 20) * 1000,
  });
  const [tps, us] = r.stdout.trim().split(" ").map(Number);
  if (!tps || !us) {
    process.stderr.write(`rr in ${ns} failed: ${r.stderr}\n`);
    return { tps: NaN, us: NaN };
  }
  return { tps, us };
}

interface NatResult {
  up: number;
  down: number;
  rr?: { tps: number; us: number };
}

type Contender = "vmlab" | "passt" | "slirp";

/** Starts `who` for one namespace; returns the gateway address the guest uses for the host. */
async function startNat(j: Janitor, o: Opts, who: Contender, ns: string, dir: string, mtu: number): Promise<string> {
  const sock = join(dir, `${who}-${mtu}.sock`);
  if (who === "vmlab") {
    const prof = o.profile ? ["--cpu-prof", `--cpu-prof-dir=${o.profile}`, `--cpu-prof-name=nat-${mtu}.cpuprofile`] : [];
    const d = j.spawn([BUN, ...prof, join(ROOT, "bench/fabric/driver.ts"), "--subnet", `${SUBNET}.0/24`, "--mtu", String(mtu), "--nat", "--socket", sock], {
      stdout: true,
    });
    await lineFrom(d, "ready");
    await tapToSocket(j, ns, sock, mtu, `${SUBNET}.15`, `${SUBNET}.1`);
    return `${SUBNET}.1`;
  }
  if (who === "passt") {
    j.spawn([
      "passt",
      "-f",
      "-q",
      "--runas",
      "0",
      "-s",
      sock,
      "-a",
      `${SUBNET}.15`,
      "-n",
      "24",
      "-g",
      `${SUBNET}.2`,
      "-m",
      String(mtu),
      "-t",
      "none",
      "-u",
      "none",
    ]);
    await until("passt socket", () => existsSync(sock));
    await tapToSocket(j, ns, sock, mtu, `${SUBNET}.15`, `${SUBNET}.2`);
    return `${SUBNET}.2`;
  }
  j.spawn(["slirp4netns", "--configure", `--mtu=${mtu}`, "--netns-type=path", `/run/netns/${ns}`, "tap0"]);
  await until("slirp4netns tap", () => spawnSync("ip", ["-n", ns, "addr", "show", "tap0"], { encoding: "utf8" }).stdout.includes("10.0.2.100"));
  return `${SUBNET}.2`;
}

async function natRun(j: Janitor, o: Opts, who: Contender, mtu: number, dir: string, withRr: boolean): Promise<NatResult> {
  const ns = makeNetns(j, who.slice(0, 2));
  const mark = j.procs.length;
  try {
    const gw = await startNat(j, o, who, ns, dir, mtu);
    const up = o.only.has("up") ? await iperf(ns, gw, o.secs, false) : NaN;
    const down = o.only.has("down") ? await iperf(ns, gw, o.secs, true) : NaN;
    const res: NatResult = { up, down };
    if (withRr) res.rr = rr(ns, gw, Math.min(o.secs, 3));
    return res;
  } finally {
    for (const p of j.procs.splice(mark).reverse()) await j.stop(p);
    spawnSync("ip", ["netns", "del", ns]);
    j.netns.splice(j.netns.indexOf(ns), 1);
  }
}

/** Guest↔guest: through the vmlab switch, or a direct QEMU↔QEMU stream wire as reference. */
async function g2gRun(j: Janitor, o: Opts, via: "vmlab" | "wire", mtu: number, dir: string, withRr: boolean): Promise<NatResult> {
  const a = makeNetns(j, "ga");
  const b = makeNetns(j, "gb");
  const mark = j.procs.length;
  try {
    if (via === "vmlab") {
      const sa = join(dir, `g2g-a-${mtu}.sock`);
      const sb = join(dir, `g2g-b-${mtu}.sock`);
      const prof = o.profile ? ["--cpu-prof", `--cpu-prof-dir=${o.profile}`, `--cpu-prof-name=g2g-${mtu}.cpuprofile`] : [];
      const d = j.spawn(
        [BUN, ...prof, join(ROOT, "bench/fabric/driver.ts"), "--subnet", `${SUBNET}.0/24`, "--mtu", String(mtu), "--socket", sa, "--socket", sb],
        { stdout: true },
      );
      await lineFrom(d, "ready");
      await tapToSocket(j, a, sa, mtu, `${SUBNET}.11`, undefined);
      await tapToSocket(j, b, sb, mtu, `${SUBNET}.12`, undefined);
    } else {
      const s = join(dir, `wire-${mtu}.sock`);
      await tapToSocket(j, b, s, mtu, `${SUBNET}.12`, undefined, true);
      await tapToSocket(j, a, s, mtu, `${SUBNET}.11`, undefined);
    }
    j.spawn(["ip", "netns", "exec", b, "iperf3", "-s", "-p", String(IPERF_PORT)]);
    j.spawn(["ip", "netns", "exec", b, "python3", join(import.meta.dir, "rr.py"), "server", String(RR_PORT)]);
    await Bun.sleep(300);
    const up = o.only.has("up") ? await iperf(a, `${SUBNET}.12`, o.secs, false) : NaN;
    const down = o.only.has("down") ? await iperf(a, `${SUBNET}.12`, o.secs, true) : NaN;
    const res: NatResult = { up, down };
    if (withRr) res.rr = rr(a, `${SUBNET}.12`, Math.min(o.secs, 3));
    return res;
  } finally {
    for (const p of j.procs.splice(mark).reverse()) await j.stop(p);
    for (const ns of [a, b]) {
      spawnSync("ip", ["netns", "del", ns]);
      j.netns.splice(j.netns.indexOf(ns), 1);
    }
  }
}

const f = (x: number | undefined, d = 2) => (x === undefined || Number.isNaN(x) ? "—" : x.toFixed(d));
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}×` : "—");

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("bench/fabric needs root (network namespaces and taps)");
  const o = parseOpts(process.argv.slice(2));
  const j = new Janitor();
  const onSignal = () => void j.cleanup().then(() => process.exit(130));
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const dir = mkdtempSync("/tmp/vmlabfb-");
  j.dirs.push(dir);
  if (o.bridge === "c") {
    TAPBRIDGE = join(dir, "tapbridge");
    sh(["gcc", "-O2", "-pthread", "-o", TAPBRIDGE, join(import.meta.dir, "tapbridge.c")]);
  }
  const rows: string[][] = [];
  try {
    j.spawn(["iperf3", "-s", "-p", String(IPERF_PORT)]);
    j.spawn(["python3", join(import.meta.dir, "rr.py"), "server", String(RR_PORT)]);
    await Bun.sleep(300);
    const rrRows: string[][] = [];
    for (const mtu of o.mtus) {
      const wantRr = o.only.has("rr") && mtu === o.mtus[0];
      const res: Partial<Record<Contender, NatResult>> = {};
      for (const who of ["vmlab", "passt", "slirp"] as const) {
        if (!o.only.has(who)) continue;
        res[who] = await natRun(j, o, who, mtu, dir, wantRr);
        process.stderr.write(`${who} mtu ${mtu}: up ${f(res[who].up)} down ${f(res[who].down)} Gbit/s\n`);
      }
      for (const dirn of ["up", "down"] as const) {
        const v = res.vmlab?.[dirn];
        rows.push([
          `NAT ${dirn === "up" ? "guest→host" : "host→guest"} MTU ${mtu}`,
          f(v),
          f(res.passt?.[dirn]),
          f(res.slirp?.[dirn]),
          ratio(v, res.passt?.[dirn]),
          ratio(v, res.slirp?.[dirn]),
        ]);
      }
      if (wantRr) {
        const t = (w: Contender) => res[w]?.rr;
        rrRows.push([
          "TCP_RR NAT (trans/s)",
          f(t("vmlab")?.tps, 0),
          f(t("passt")?.tps, 0),
          f(t("slirp")?.tps, 0),
          ratio(t("vmlab")?.tps, t("passt")?.tps),
          ratio(t("vmlab")?.tps, t("slirp")?.tps),
        ]);
        rrRows.push(["TCP_RR NAT (µs/trans)", f(t("vmlab")?.us, 1), f(t("passt")?.us, 1), f(t("slirp")?.us, 1), "", ""]);
      }
      if (o.only.has("g2g")) {
        const v = await g2gRun(j, o, "vmlab", mtu, dir, wantRr);
        const w = await g2gRun(j, o, "wire", mtu, dir, wantRr);
        process.stderr.write(`g2g mtu ${mtu}: vmlab ${f(v.up)} wire ${f(w.up)} Gbit/s\n`);
        rows.push([`guest↔guest MTU ${mtu} (ref: bare wire)`, f(v.up), `wire ${f(w.up)}`, "", ratio(v.up, w.up), ""]);
        rows.push([`guest↔guest reverse MTU ${mtu}`, f(v.down), `wire ${f(w.down)}`, "", ratio(v.down, w.down), ""]);
        if (wantRr) rrRows.push(["TCP_RR guest↔guest (trans/s)", f(v.rr?.tps, 0), `wire ${f(w.rr?.tps, 0)}`, "", ratio(v.rr?.tps, w.rr?.tps), ""]);
      }
    }
    rows.push(...rrRows);
  } finally {
    await j.cleanup();
  }
  const head = ["test (Gbit/s unless noted)", "vmlab", "passt", "slirp4netns", "vmlab/passt", "vmlab/slirp"];
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => "| " + r.map((c, i) => c.padEnd(widths[i] as number)).join(" | ") + " |";
  console.log(line(head));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const r of rows) console.log(line(r));
}

await main();
