/**
 * `vmlab daemon start|stop|status [--json]` — the per-user supervisor
 * (concept_daemon_model.md). Rarely needed: every verb that needs the
 * supervisor starts it. `stop` stops every lab daemon (and so every VM,
 * gracefully) first.
 */
import type { Command } from "@commander-js/extra-typings";
import { supervisorSocket } from "../../daemon/paths.ts";
import { z } from "zod";
import { SupervisorStatusSchema } from "../../daemon/protocol.ts";
import { request, socketAlive } from "../../daemon/transport.ts";
import { action, ensureSupervisor, streamOperation } from "../client.ts";
import { stdoutStyle } from "../style.ts";
import { renderTable } from "../table.ts";
import { uptime } from "./status.ts";

export function register(program: Command): void {
  const d = program.command("daemon").description("start, stop or inspect the per-user supervisor (vmlabd)");

  d.command("start")
    .description("start the supervisor (any verb that needs it starts it anyway)")
    .action(
      action(async () => {
        const was = await socketAlive(supervisorSocket());
        const sock = await ensureSupervisor();
        const st = await request(sock, "GET", "/v1/status", undefined, SupervisorStatusSchema);
        process.stdout.write(`vmlabd ${st.version} ${was ? "is already running" : "started"} (pid ${st.pid})\n`);
        return 0;
      }),
    );

  d.command("stop")
    .description("stop every lab daemon (their VMs shut down gracefully), then the supervisor")
    .option("-q, --quiet", "no progress output")
    .action(
      action(async (opts) => {
        const sock = supervisorSocket();
        if (!(await socketAlive(sock))) {
          process.stdout.write("vmlabd is not running\n");
          return 0;
        }
        await streamOperation(sock, "/v1/shutdown", {}, z.unknown(), { quiet: opts.quiet === true });
        const deadline = Date.now() + 10_000;
        while (Date.now() < deadline && (await socketAlive(sock))) await Bun.sleep(50);
        process.stdout.write("vmlabd stopped\n");
        return 0;
      }),
    );

  d.command("status")
    .description("show the supervisor's version and pid, and every lab daemon (name, state, pid, socket, uptime)")
    .option("--json", "print the status as JSON")
    .action(
      action(
        async (opts) => {
          const sock = supervisorSocket();
          if (!(await socketAlive(sock))) {
            process.stdout.write(
              opts.json ? `${JSON.stringify({ running: false, socket: sock }, null, 2)}\n` : "vmlabd is not running (any vmlab verb that needs it starts it)\n",
            );
            return 0;
          }
          const st = await request(sock, "GET", "/v1/status", undefined, SupervisorStatusSchema);
          const labs = st.labs.map((l) => ({
            ...l,
            uptimeSec: l.startedAt && l.state === "running" ? Math.round((Date.now() - Date.parse(l.startedAt)) / 1000) : null,
          }));
          if (opts.json) {
            process.stdout.write(`${JSON.stringify({ running: true, socket: sock, ...st, labs }, null, 2)}\n`);
            return 0;
          }
          const s = stdoutStyle();
          let out = `vmlabd ${st.version}: running (pid ${st.pid}, up ${uptime(st.uptimeSec)})\n  socket: ${sock}\n`;
          if (labs.length) {
            const rows = labs.map((l) => [
              l.name,
              l.state === "failed" ? s.red(l.state) : l.state,
              l.pid === null ? "-" : String(l.pid),
              uptime(l.uptimeSec),
              l.socket,
              l.reason ?? "",
            ]);
            out += `\n${renderTable(["LAB", "STATE", "PID", "UPTIME", "SOCKET", "REASON"], rows, s)}\n`;
          } else out += "\nno labs\n";
          process.stdout.write(out);
          return 0;
        },
        (o) => o.json === true,
      ),
    );
}
