/**
 * bench/build — the overhead of `vmlab template build` (issue 11) against
 * the bare steps it automates, measured in the same run:
 *
 *   build  `vmlab template build` of a qcow2 source (the tiny guest) with an
 *          empty provision list, from the compiled binary: lock, source
 *          digest, lab daemon + linked clone, boot to agent, graceful
 *          shutdown, flatten, seal with metadata, clean up;
 *   bare   the same by hand: `qemu-img create -b`, a raw QEMU line booted
 *          until its agent answers guest-sync, `guest-shutdown` and wait for
 *          QEMU to exit, `qemu-img convert` into a standalone qcow2.
 *
 * Runs in a private XDG world. Prints every sample, medians and the ratio.
 * Usage: bun bench/build/run.ts [runs=3]   (boots guests: run under /work/bin/tcg)
 */
import { connect } from "node:net";
import { join } from "node:path";
import { rmSync } from "node:fs";
import { tinyGuest, tinyTemplatePath } from "../../core/machine/testing/tiny_guest.ts";
import { buildArgv } from "../../core/qemu/argv.ts";
import { World } from "../../tests/e2e/_lab.ts";

const RUNS = Number(process.argv[2] ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Send `guest-sync-delimited` until any reply, then `command` once the agent is up. */
function agent(path: string, command: string | undefined, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (Date.now() > deadline) return reject(new Error("agent not ready"));
      const sock = connect(path);
      const ping = () => sock.write(`\xff{"execute":"guest-sync-delimited","arguments":{"id":${Math.floor(Math.random() * 1e9)}}}\n`, "latin1");
      const timer = setInterval(ping, 500);
      let buf = "";
      sock.on("connect", ping);
      sock.on("data", (d) => {
        buf += d.toString("latin1");
        if (buf.includes('"return"')) {
          clearInterval(timer);
          // end() flushes the command before closing; destroy() would drop it.
          if (command) sock.end(`${command}\n`);
          else sock.destroy();
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

function sh(cmd: string[]): void {
  const p = Bun.spawnSync(cmd, { stdout: "ignore", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${p.stderr.toString()}`);
}

async function bare(template: string): Promise<number> {
  const t0 = performance.now();
  const g = tinyGuest(template, { name: "bare", quietAccel: true }); // qemu-img create -b
  try {
    const proc = Bun.spawn(buildArgv({ ...g.spec, machine: "q35" }), { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    await agent(g.spec.paths.agentSocket, '{"execute":"guest-shutdown","arguments":{"mode":"powerdown"}}', Date.now() + 600_000);
    await proc.exited;
    sh(["qemu-img", "convert", "-q", "-f", "qcow2", "-O", "qcow2", join(g.dir, "disk.qcow2"), join(g.dir, "flat.qcow2")]);
    return performance.now() - t0;
  } finally {
    g.cleanup();
  }
}

async function main(): Promise<void> {
  const template = await tinyTemplatePath();
  const w = new World("vmlab-bb-");
  try {
    const dir = w.lab("b", `template "bench" {\n  arch    = "x86_64"\n  version = "1.0"\n  memory  = 256MiB\n  source "qcow2" { path = "${template}" }\n}\n`);
    const builds: number[] = [];
    const bares: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Alternate so drift on the shared machine hits both alike.
      const t0 = performance.now();
      const r = w.vmlab(["template", "build", "-q", "--overwrite"], { cwd: dir });
      if (r.code !== 0) throw new Error(`template build failed: ${r.stderr}${r.stdout}`);
      builds.push(performance.now() - t0);
      bares.push(await bare(template));
      process.stderr.write(`run ${i + 1}: build ${((builds[i] as number) / 1000).toFixed(2)} s, bare ${((bares[i] as number) / 1000).toFixed(2)} s\n`);
    }
    const mb = median(builds) / 1000;
    const mr = median(bares) / 1000;
    console.log("| case | runs (s) | median (s) | vs bare |");
    console.log("|---|---|---|---|");
    console.log(
      `| vmlab template build (qcow2, no provision) | ${builds.map((x) => (x / 1000).toFixed(2)).join(", ")} | ${mb.toFixed(2)} | ${(mb / mr).toFixed(2)}x |`,
    );
    console.log(
      `| bare: qemu-img create -b, boot to agent, shutdown, qemu-img convert | ${bares.map((x) => (x / 1000).toFixed(2)).join(", ")} | ${mr.toFixed(2)} | 1.00x |`,
    );
  } finally {
    w.teardown();
    rmSync(w.root, { recursive: true, force: true });
  }
}

await main();
