/**
 * bench/lab — the lab lifecycle from the compiled binary, against bare QEMU
 * measured in the same run (issue 4):
 *
 *   up-2   `vmlab up` of the 2-VM hello lab (beta depends on alpha), clones
 *          created fresh (destroy between runs), wall time to all-ready;
 *   up-10  `vmlab up` of a 10-VM lab with no dependencies;
 *   bare   the same tiny guest spawned as a raw `qemu-system-x86_64` line and
 *          polled with raw guest-sync-delimited until its agent answers —
 *          one at a time (sum) and 10 at once (max);
 *   status `vmlab status --json` as a process (median of N), and the
 *          status request alone over the lab socket (median of N).
 *
 * Runs in a private XDG world (its own supervisor and store). Prints every
 * sample, medians and ratios. Usage: bun bench/lab/run.ts [runs=3]
 */
import { connect } from "node:net";
import { join } from "node:path";
import { tinyGuest, tinyTemplatePath } from "../../core/machine/testing/tiny_guest.ts";
import { buildArgv } from "../../core/qemu/argv.ts";
import { LabStatusSchema } from "../../core/daemon/protocol.ts";
import { request } from "../../core/daemon/transport.ts";
import { World, TINY_REF } from "../../tests/e2e/_lab.ts";

const RUNS = Number(process.argv[2] ?? 3);
const STATUS_RUNS = 30;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function agentReady(path: string, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (Date.now() > deadline) return reject(new Error("agent not ready"));
      const sock = connect(path);
      const id = Math.floor(Math.random() * 1e9);
      const ping = () => sock.write(`\xff{"execute":"guest-sync-delimited","arguments":{"id":${id}}}\n`, "latin1");
      // Pings queue up in the virtio-serial port until qemu-ga runs, and it answers
      // them in order: any reply proves the agent is up (do not wait for one id).
      const timer = setInterval(ping, 500);
      let buf = "";
      sock.on("connect", ping);
      sock.on("data", (d) => {
        buf += d.toString("latin1");
        if (buf.includes('"return"')) {
          clearInterval(timer);
          sock.destroy();
          resolve();
        }
      });
      sock.on("error", () => {
        clearInterval(timer);
        setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** Boot `n` bare guests at once; returns each one's time to agent-ready. */
async function bare(template: string, n: number): Promise<number[]> {
  const guests = Array.from({ length: n }, (_, i) => tinyGuest(template, { name: `b${i}`, quietAccel: true }));
  try {
    const t0 = performance.now();
    const procs = guests.map((g) => Bun.spawn(buildArgv({ ...g.spec, machine: "q35" }), { stdin: "ignore", stdout: "ignore", stderr: "ignore" }));
    const times = await Promise.all(
      guests.map(async (g) => {
        await agentReady(g.spec.paths.agentSocket, Date.now() + 600_000);
        return performance.now() - t0;
      }),
    );
    for (const p of procs) p.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exited));
    return times;
  } finally {
    for (const g of guests) g.cleanup();
  }
}

function lab(n: number, deps: boolean): string {
  const vms = Array.from(
    { length: n },
    (_, i) => `  vm "vm${i}" {\n    template = "${TINY_REF}"\n    memory = 256MiB\n${deps && i > 0 ? `    depends_on = ["vm${i - 1}"]\n` : ""}  }\n`,
  );
  return `lab "bench${n}" {\n${vms.join("")}}\n`;
}

const w = new World("vmlab-bench-");
try {
  const template = await tinyTemplatePath();
  await w.adoptTiny();
  const dir2 = w.lab("bench2", lab(2, true));
  const dir10 = w.lab("bench10", lab(10, false));
  const rows: string[] = [];

  const timeUp = (dir: string): number => {
    const t0 = performance.now();
    const r = w.vmlab(["up", "-q", "--json"], { cwd: dir });
    const dt = performance.now() - t0;
    if (r.code !== 0) throw new Error(`up failed: ${r.stderr}`);
    w.vmlab(["destroy", "-q"], { cwd: dir });
    return dt;
  };

  const up2: number[] = [];
  const bare1: number[] = [];
  const up10: number[] = [];
  const bare10: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Alternate contenders so load drift hits both.
    bare1.push(...(await bare(template, 1)), ...(await bare(template, 1)));
    up2.push(timeUp(dir2));
    bare10.push(Math.max(...(await bare(template, 10))));
    up10.push(timeUp(dir10));
    process.stderr.write(
      `run ${i + 1}/${RUNS}: up2 ${(up2.at(-1)! / 1000).toFixed(2)} s, up10 ${(up10.at(-1)! / 1000).toFixed(2)} s, bare10 max ${(bare10.at(-1)! / 1000).toFixed(2)} s\n`,
    );
  }
  const b1 = median(bare1);
  rows.push(
    `up 2-VM chain (alpha → beta)   ${(median(up2) / 1000).toFixed(2)} s   bare sum of 2 sequential boots ${((2 * b1) / 1000).toFixed(2)} s   ratio ${(median(up2) / (2 * b1)).toFixed(2)}`,
  );
  rows.push(
    `up 10 VMs in parallel          ${(median(up10) / 1000).toFixed(2)} s   bare 10 at once (max) ${(median(bare10) / 1000).toFixed(2)} s   ratio ${(median(up10) / median(bare10)).toFixed(2)}   (bare single boot ${(b1 / 1000).toFixed(2)} s; 10 sequential would be ${((10 * b1) / 1000).toFixed(2)} s)`,
  );

  // status round trip with a running lab
  if (w.vmlab(["up", "-q"], { cwd: dir2 }).code !== 0) throw new Error("up failed");
  const cli: number[] = [];
  const api: number[] = [];
  const sock = join(w.runDir, "labs", "bench2", "control.sock");
  for (let i = 0; i < STATUS_RUNS; i++) {
    let t0 = performance.now();
    w.vmlab(["status", "--json"], { cwd: dir2 });
    cli.push(performance.now() - t0);
    t0 = performance.now();
    await request(sock, "GET", "/v1/status", undefined, LabStatusSchema);
    api.push(performance.now() - t0);
  }
  w.vmlab(["destroy", "-q"], { cwd: dir2 });
  rows.push(`vmlab status --json (process)  median ${median(cli).toFixed(1)} ms over ${STATUS_RUNS}`);
  rows.push(`GET /v1/status (lab socket)    median ${median(api).toFixed(2)} ms over ${STATUS_RUNS}`);
  process.stdout.write(`\nbench/lab (${RUNS} runs, TCG, tiny template)\n${rows.join("\n")}\n`);
} finally {
  w.teardown();
}
