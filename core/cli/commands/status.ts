/**
 * `vmlab status [lab] [--json]` — the lab's state and, per VM: state, ready
 * flag, pid, IPs, uptime, template, accelerator; and each VM's shared folders
 * (transport, mounted, read-only).
 *
 * A running lab answers from its daemon. A lab that is not running is
 * described from its file (every VM stopped) and from the supervisor's
 * registry, which knows when the lab's daemon crashed (`failed`, with the
 * reason). Naming a lab that is not running and whose file is not at hand
 * asks the supervisor only.
 */
import type { Command } from "@commander-js/extra-typings";
import { request, socketAlive } from "../../daemon/transport.ts";
import { supervisorSocket } from "../../daemon/paths.ts";
import { SupervisorLabSchema, type LabStatus, type SupervisorLab } from "../../daemon/protocol.ts";
import { CodedError } from "../../errors/mod.ts";
import { action, labOfFile, labStatus, liveLabSocket } from "../client.ts";
import { processIo } from "../io.ts";
import { loadLab } from "../lab_file.ts";
import { stdoutStyle } from "../style.ts";
import { renderTable } from "../table.ts";

export function uptime(sec: number | null): string {
  if (sec === null) return "-";
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  return h ? `${h}h${String(m).padStart(2, "0")}m` : m ? `${m}m${String(s).padStart(2, "0")}s` : `${s}s`;
}

export function printStatus(st: LabStatus & { reason?: string }, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(st, null, 2)}\n`);
    return;
  }
  const s = stdoutStyle();
  const colourState = (x: string) =>
    x === "up" || x === "running"
      ? s.green(x)
      : x === "failed" || x === "crashed" || x === "io-error"
        ? s.red(x)
        : x === "partial" || x === "starting" || x === "stopping" || x === "paused"
          ? s.yellow(x)
          : x;
  let out = `lab ${s.bold(st.name)}: ${colourState(st.state)}${st.daemonPid ? ` (daemon pid ${st.daemonPid})` : ""}\n  file: ${st.file}\n`;
  if (st.reason) out += `  reason: ${st.reason}\n`;
  if (st.vms.length) {
    const rows = st.vms.map((v) => [
      v.name,
      colourState(v.state),
      v.ready ? "yes" : "no",
      v.pid === null ? "-" : String(v.pid),
      v.ips.join(",") || "-",
      uptime(v.uptimeSec),
      v.template,
      v.accel ?? "-",
    ]);
    out += `\n${renderTable(["VM", "STATE", "READY", "PID", "IP", "UPTIME", "TEMPLATE", "ACCEL"], rows, s)}\n`;
  }
  if (st.segments?.length) {
    const count = (n: number | undefined) => (n === undefined ? "-" : String(n));
    const rows = st.segments.map((g) => [
      g.name,
      g.subnet,
      g.gateway,
      g.nat ? "yes" : "no",
      String(g.mtu),
      count(g.frames),
      count(g.dropped),
      g.leases.map((l) => `${l.vm ?? "?"}=${l.ip}`).join(" ") || "-",
    ]);
    out += `\n${renderTable(["SEGMENT", "SUBNET", "GATEWAY", "NAT", "MTU", "FRAMES", "DROPS", "LEASES"], rows, s)}\n`;
  }
  const trunks = (st.segments ?? []).flatMap((g) => g.trunks ?? []);
  if (trunks.length) {
    const rows = trunks.map((t) => [
      t.segment,
      `${t.direction === "out" ? "→" : "←"} ${t.peer}`,
      t.state,
      `${t.sent}/${t.received}`,
      `${t.replayed}/${t.tooOld}/${t.tampered}`,
      t.error ?? "-",
    ]);
    out += `\n${renderTable(["TRUNK", "PEER", "STATE", "SENT/RECV", "REPLAY/OLD/TAMPER", "LAST ERROR"], rows, s)}\n`;
  }
  const shares = st.vms.flatMap((v) => (v.shares ?? []).map((sh) => ({ vm: v.name, sh })));
  if (shares.length) {
    const rows = shares.map(({ vm, sh }) => [
      vm,
      sh.name,
      sh.guest,
      sh.transport,
      sh.mounted ? "yes" : sh.error ? s.red("failed") : "no",
      sh.readonly ? "yes" : "no",
      sh.host,
    ]);
    out += `\n${renderTable(["VM", "SHARE", "GUEST PATH", "TRANSPORT", "MOUNTED", "READ-ONLY", "HOST PATH"], rows, s)}\n`;
  }
  const vx = (st.segments ?? []).flatMap((g) =>
    g.vxlan ? [[g.name, g.vxlan.remote, String(g.vxlan.vni), `${g.vxlan.sent}/${g.vxlan.received}`, String(g.vxlan.dropped)]] : [],
  );
  if (vx.length) out += `\n${renderTable(["VXLAN", "REMOTE", "VNI", "SENT/RECV", "DROPPED"], vx, s)}\n`;
  if (st.forwards?.length) {
    const rows = st.forwards.map((f) => [`${f.bind}:${f.hostPort}`, `${f.vm}:${f.guestPort}`, f.proto, f.guestIp ?? "(no lease yet)"]);
    out += `\n${renderTable(["FORWARD", "TO", "PROTO", "GUEST IP"], rows, s)}\n`;
  }
  const crashed = st.vms.filter((v) => v.state === "crashed" && v.lastExit);
  for (const v of crashed) out += `\n${s.red(`${v.name} crashed`)}: ${v.lastExit} — \`vmlab vm start ${v.name}\` starts it again\n`;
  for (const v of st.vms.filter((x) => x.state === "io-error")) {
    out += `\n${s.red(`${v.name} is paused on a disk error`)}: ${v.ioError ?? "I/O error"} — free space on the host, then \`vmlab vm restart ${v.name}\`\n`;
  }
  process.stdout.write(out);
}

async function registryEntry(name: string): Promise<SupervisorLab | undefined> {
  const sock = supervisorSocket();
  if (!(await socketAlive(sock))) return undefined;
  try {
    return await request(sock, "GET", `/v1/labs/${encodeURIComponent(name)}`, undefined, SupervisorLabSchema);
  } catch {
    return undefined;
  }
}

export function register(program: Command): void {
  program
    .command("status")
    .description("show the lab's state and every VM's state, readiness, pid, IPs and uptime")
    .argument("[lab]", "a lab by name (default: the lab of the current directory)")
    .option("--json", "print the status as JSON")
    .option("-f, --file <path>", "lab file (default: $VMLAB_FILE, else the nearest vmlab.wcl walking up)")
    .option("-v, --verbose", "name the lab file used")
    .action(
      action(
        async (labName: string | undefined, opts) => {
          const name = labName ?? labOfFile(opts).name;
          const socket = await liveLabSocket(name);
          if (socket) {
            printStatus(await labStatus(socket), opts.json === true);
            return 0;
          }
          const entry = await registryEntry(name);
          const failed = entry?.state === "failed";
          // Not running: describe it from its file when we have it.
          const file = labName === undefined ? labOfFile(opts).file : entry?.file;
          const loaded = file ? loadLab(processIo(), { file, store: false }) : undefined;
          const cfg = loaded?.stage === "validate" ? loaded.config.lab : undefined;
          if (!cfg && !entry)
            throw new CodedError("lab.not_found", `no lab named ${name} is known`, {
              subject: name,
              hint: "run it from the lab's folder, or `vmlab daemon status` to list running labs",
            });
          const st: LabStatus & { reason?: string } = {
            name,
            file: file ?? entry?.file ?? "",
            state: failed ? "failed" : "down",
            daemonPid: null,
            vms: (cfg?.vms ?? []).map((v) => ({
              name: v.name,
              state: "stopped",
              ready: false,
              pid: null,
              ips: [],
              uptimeSec: null,
              template: v.template,
              accel: null,
              lastExit: null,
            })),
            ...(failed && entry?.reason ? { reason: entry.reason } : {}),
          };
          printStatus(st, opts.json === true);
          return 0;
        },
        (_l, o) => o.json === true,
      ),
    );
}
