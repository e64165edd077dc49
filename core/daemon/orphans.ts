/**
 * Cleaning up after a lab daemon that died without stopping its guests.
 *
 * QEMU runs under `setpriv --pdeathsig KILL`, so normally the kernel kills
 * it together with its lab daemon. This is the second line: QEMU writes a
 * pidfile per VM into the lab's runtime folder; a process is killed only if
 * it is still alive and its command line names that very pidfile, so a
 * recycled pid is never shot.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

/** Is `pid` a live process? A zombie (exited, not yet reaped) counts as dead. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as { code?: string }).code !== "EPERM") return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S …" — the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

/** Kill QEMU processes left behind in `runDir`; returns the pids killed. */
export function killOrphanQemu(runDir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(runDir).filter((n) => n.endsWith(".pid"));
  } catch {
    return [];
  }
  const killed: number[] = [];
  for (const n of names) {
    const pidFile = join(runDir, n);
    let pid: number;
    try {
      pid = Number.parseInt(readFileSync(pidFile, "utf8").trim(), 10);
    } catch {
      continue;
    }
    if (!Number.isInteger(pid) || pid <= 1) continue;
    const argv = cmdline(pid);
    const isOurs = argv.some((a) => a.includes("qemu-system")) && argv.some((a) => a.includes(pidFile));
    if (isOurs && pidAlive(pid)) {
      try {
        process.kill(pid, "SIGKILL");
        killed.push(pid);
      } catch {
        // already gone
      }
    }
    rmSync(pidFile, { force: true });
  }
  return killed;
}
