/**
 * `vmlab snapshot create|restore <name> [--vm VM]`, `snapshot list <vm>`,
 * `snapshot delete <vm> <name>` (cli_ref.md, fact_vm_snapshots.md).
 *
 * A running VM gets an online snapshot (disk, RAM and device state; restoring
 * it leaves the VM running where it was); a stopped VM an offline one (disk
 * only; restoring leaves it stopped). Without `--vm`, create and restore act
 * on every VM, best effort and not coordinated. Works on a lab that is down
 * (offline snapshots of its clones) through a lab daemon started for the
 * purpose.
 */
import type { Command } from "@commander-js/extra-typings";
import { CodedError } from "../../errors/mod.ts";
import { request } from "../../daemon/transport.ts";
import { action, ensureLabDaemon, labOfFile, resolveVmTarget, streamOperation, type LabRef } from "../client.ts";
import { stdoutStyle } from "../style.ts";
import { renderTable } from "../table.ts";
import { supervisorSocket } from "../../daemon/paths.ts";
import { socketAlive } from "../../daemon/transport.ts";
import { OkReplySchema, SnapshotListReplySchema, SnapshotOpResultSchema, SupervisorLabSchema } from "../../daemon/protocol.ts";

/** A lab daemon for `lab` (started if the lab is down: offline snapshots need one too). */
async function daemonFor(lab: LabRef): Promise<string> {
  let file = lab.file;
  if (!file) {
    const sup = supervisorSocket();
    if (await socketAlive(sup))
      file = await request(sup, "GET", `/v1/labs/${encodeURIComponent(lab.name)}`, undefined, SupervisorLabSchema).then(
        (l) => l.file,
        () => undefined,
      );
  }
  if (!file)
    throw new CodedError("lab.not_found", `cannot find the lab file of ${lab.name}`, {
      subject: lab.name,
      hint: "run this in the lab's folder or pass -f <vmlab.wcl>",
    });
  return (await ensureLabDaemon(lab.name, file)).socket;
}

export function register(program: Command): void {
  const snap = program.command("snapshot").description("create, restore, list and delete VM snapshots (online while running, offline while stopped)");

  for (const verb of ["create", "restore"] as const) {
    snap
      .command(verb)
      .description(verb === "create" ? "snapshot one VM, or every VM of the lab (best effort)" : "restore a snapshot on one VM, or on every VM of the lab")
      .argument("<name>", "snapshot name")
      .option("--vm <vm>", "one VM (vm or lab/vm); default: every VM in the lab")
      .option("-f, --file <path>", "lab file (default: $VMLAB_FILE, else the nearest vmlab.wcl walking up)")
      .option("-q, --quiet", "no progress output")
      .action(
        action(async (name: string, opts) => {
          const t = opts.vm ? resolveVmTarget(opts.vm, opts) : { lab: labOfFile(opts), vm: undefined };
          const socket = await daemonFor(t.lab);
          const r = await streamOperation(socket, `/v1/snapshots/${verb}`, { name, ...(t.vm ? { vm: t.vm } : {}) }, SnapshotOpResultSchema, {
            quiet: opts.quiet === true,
          });
          return r.failed.length ? 1 : 0;
        }),
      );
  }

  snap
    .command("list")
    .description("list a VM's snapshots (name, taken at, power state)")
    .argument("<vm>", "VM name, or lab/vm")
    .option("--json", "print the list as JSON")
    .option("-f, --file <path>", "lab file (default: $VMLAB_FILE, else the nearest vmlab.wcl walking up)")
    .action(
      action(
        async (target: string, opts) => {
          const t = resolveVmTarget(target, opts);
          const list = await request(await daemonFor(t.lab), "GET", `/v1/vms/${encodeURIComponent(t.vm)}/snapshots`, undefined, SnapshotListReplySchema);
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
            return 0;
          }
          if (!list.length) {
            process.stdout.write(`${t.vm} has no snapshots\n`);
            return 0;
          }
          const s = stdoutStyle();
          process.stdout.write(
            `${renderTable(
              ["NAME", "TAKEN AT", "POWER STATE"],
              list.map((x) => [x.name, x.takenAt, x.powerState]),
              s,
            )}\n`,
          );
          return 0;
        },
        (_t, o) => o.json === true,
      ),
    );

  snap
    .command("delete")
    .description("delete a VM's snapshot")
    .argument("<vm>", "VM name, or lab/vm")
    .argument("<name>", "snapshot name")
    .option("-f, --file <path>", "lab file (default: $VMLAB_FILE, else the nearest vmlab.wcl walking up)")
    .action(
      action(async (target: string, name: string, opts) => {
        const t = resolveVmTarget(target, opts);
        await request(await daemonFor(t.lab), "DELETE", `/v1/vms/${encodeURIComponent(t.vm)}/snapshots/${encodeURIComponent(name)}`, undefined, OkReplySchema);
        process.stderr.write(`deleted snapshot ${name} of ${t.vm}\n`);
        return 0;
      }),
    );
}
