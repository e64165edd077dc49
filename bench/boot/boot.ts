/**
 * bench/boot — QEMU spawn → guest agent ready, for the tiny template.
 *
 * Two contenders in the same run, alternating so drift hits both equally:
 *   vmlab: `Machine.start` (argv builder, process supervision, QMP handshake)
 *          + `waitForAgent` (guest-sync-delimited handshake);
 *   bare:  the same `qemu-system-x86_64` line spawned directly, and a minimal
 *          raw loop that writes 0xFF + guest-sync-delimited to the agent
 *          socket every 100 ms until the reply arrives.
 * Prints each sample, both medians and the overhead ratio vmlab/bare.
 *
 * Usage: bun bench/boot/boot.ts [runs=5]
 */
import { connect } from "node:net";
import { Machine } from "../../core/machine/machine.ts";
import { tinyGuest, tinyTemplatePath } from "../../core/machine/testing/tiny_guest.ts";
import { buildArgv } from "../../core/qemu/argv.ts";

const RUNS = Number(process.argv[2] ?? 5);
const POLL_MS = 100;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Raw agent poll: no client library, just the wire protocol. */
function rawAgentReady(path: string, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (Date.now() > deadline) return reject(new Error("agent not ready"));
      const sock = connect(path);
      let buf = "";
      const id = Math.floor(Math.random() * 1e9);
      const timer = setInterval(() => sock.write(`\xff{"execute":"guest-sync-delimited","arguments":{"id":${id}}}\n`, "latin1"), POLL_MS);
      sock.on("connect", () => sock.write(`\xff{"execute":"guest-sync-delimited","arguments":{"id":${id}}}\n`, "latin1"));
      sock.on("data", (d) => {
        buf += d.toString("latin1");
        if (buf.includes(`"return": ${id}`) || buf.includes(`"return":${id}`)) {
          clearInterval(timer);
          sock.destroy();
          resolve();
        }
      });
      sock.on("error", () => {
        clearInterval(timer);
        setTimeout(attempt, POLL_MS);
      });
    };
    attempt();
  });
}

async function runVmlab(template: string): Promise<number> {
  const g = tinyGuest(template, { quietAccel: true });
  try {
    const t0 = performance.now();
    const m = await Machine.start(g.spec);
    await m.waitForAgent(180_000);
    const dt = performance.now() - t0;
    await m.stop({ gracefulMs: 2_000 });
    return dt;
  } finally {
    g.cleanup();
  }
}

async function runBare(template: string): Promise<number> {
  const g = tinyGuest(template, { quietAccel: true });
  try {
    const argv = buildArgv(g.spec);
    const t0 = performance.now();
    const p = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    await rawAgentReady(g.spec.paths.agentSocket, Date.now() + 180_000);
    const dt = performance.now() - t0;
    p.kill("SIGKILL");
    await p.exited;
    return dt;
  } finally {
    g.cleanup();
  }
}

const template = await tinyTemplatePath();
const vm: number[] = [];
const bare: number[] = [];
for (let i = 0; i < RUNS; i++) {
  bare.push(await runBare(template));
  vm.push(await runVmlab(template));
  console.log(`run ${i + 1}/${RUNS}: bare ${(bare[i]! / 1000).toFixed(2)} s, vmlab ${(vm[i]! / 1000).toFixed(2)} s`);
}
const mb = median(bare);
const mv = median(vm);
console.log("");
console.log("| contender | median spawn → agent ready | ratio |");
console.log("| --- | --- | --- |");
console.log(`| bare qemu-system-x86_64 + raw sync loop | ${(mb / 1000).toFixed(2)} s | 1.00 |`);
console.log(`| vmlab core (Machine.start + waitForAgent) | ${(mv / 1000).toFixed(2)} s | ${(mv / mb).toFixed(3)} |`);
