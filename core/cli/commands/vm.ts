/**
 * `vmlab vm start|stop|restart <vm> [--force]` — one VM's power
 * (cli_ref.md). `<vm>` is a VM of the current directory's lab or `lab/vm`.
 * `vmlab vm suspend|resume <vm>` pause and continue its vCPUs (QMP
 * `stop`/`cont`, issue #16); `status` then shows it `paused`.
 *
 * `start` on a lab that is not up brings up that VM (and what it depends
 * on) from the lab file, the way `vmlab up <vm>` does; `stop` and `restart`
 * need the lab up.
 */
import type { Command } from "@commander-js/extra-typings";
import { action, liveLabSocket, notUp, resolveVmTarget, streamOperation } from "../client.ts";
import { upLab } from "./lifecycle.ts";
import { printStatus } from "./status.ts";
import { request, socketAlive } from "../../daemon/transport.ts";
import { supervisorSocket } from "../../daemon/paths.ts";
import { SupervisorLabSchema, VmStatusSchema } from "../../daemon/protocol.ts";

async function knownFile(lab: string): Promise<string | undefined> {
  const sock = supervisorSocket();
  if (!(await socketAlive(sock))) return undefined;
  return request(sock, "GET", `/v1/labs/${encodeURIComponent(lab)}`, undefined, SupervisorLabSchema).then(
    (l) => l.file,
    () => undefined,
  );
}

export function register(program: Command): void {
  const vm = program.command("vm").description("start, stop, restart, suspend or resume one VM");
  for (const verb of ["start", "stop", "restart"] as const) {
    const c = vm
      .command(verb)
      .description(
        verb === "start"
          ? "start one VM (and what it depends on when the lab is down)"
          : verb === "stop"
            ? "stop one VM gracefully (agent, ACPI, kill)"
            : "stop one VM, then start it again",
      )
      .argument("<vm>", "VM name, or lab/vm from anywhere")
      .option("-f, --file <path>", "lab file (default: $VMLAB_FILE, else the nearest vmlab.wcl walking up)")
      .option("-q, --quiet", "no progress output")
      .option("-v, --verbose", "name the lab file used");
    if (verb !== "start") c.option("--force", "kill instead of the graceful ladder");
    c.action(
      action(async (target: string, opts: { file?: string; quiet?: true; verbose?: true; force?: true }) => {
        const t = resolveVmTarget(target, opts);
        const socket = await liveLabSocket(t.lab.name);
        if (!socket) {
          if (verb === "stop") throw notUp(t.lab.name);
          const file = t.lab.file ?? (await knownFile(t.lab.name));
          if (!file) throw notUp(t.lab.name);
          const st = await upLab({ file, verbose: opts.verbose }, [t.vm], opts.quiet === true);
          if (typeof st === "number") return st;
          printStatus(st, false);
          return 0;
        }
        const st = await streamOperation(socket, `/v1/vms/${encodeURIComponent(t.vm)}/${verb}`, { force: opts.force === true }, VmStatusSchema, {
          quiet: opts.quiet === true,
        });
        if (!opts.quiet) process.stderr.write(`${t.vm}: ${st.state}${st.ready ? ", ready" : ""}\n`);
        return 0;
      }),
    );
  }
  for (const verb of ["suspend", "resume"] as const) {
    vm.command(verb)
      .description(verb === "suspend" ? "pause one VM's vCPUs (QMP stop); its clock stops until resume" : "continue a suspended VM (QMP cont)")
      .argument("<vm>", "VM name, or lab/vm from anywhere")
      .option("-f, --file <path>", "lab file (default: $VMLAB_FILE, else the nearest vmlab.wcl walking up)")
      .option("-q, --quiet", "no output")
      .option("--json", "print the VM's status as JSON")
      .option("-v, --verbose", "name the lab file used")
      .action(
        action(async (target: string, opts: { file?: string; quiet?: true; verbose?: true; json?: true }) => {
          const t = resolveVmTarget(target, opts);
          const socket = await liveLabSocket(t.lab.name);
          if (!socket) throw notUp(t.lab.name);
          const st = await request(socket, "POST", `/v1/vms/${encodeURIComponent(t.vm)}/${verb}`, {}, VmStatusSchema);
          if (opts.json) process.stdout.write(`${JSON.stringify(st, null, 2)}\n`);
          else if (!opts.quiet) process.stderr.write(`${t.vm}: ${st.state}\n`);
          return 0;
        }),
      );
  }
}
