/**
 * `vmlab exec [--timeout s] <vm> -- cmd args…` and `vmlab osinfo <vm>`
 * (cli_ref.md), both through the guest agent.
 *
 * `exec` prints the command's stdout and stderr on vmlab's own stdout and
 * stderr, byte for byte, and exits with the command's exit status (128+N
 * when a signal N ended it). The agent delivers output when the command
 * ends — QGA has no partial-output channel — so long commands print at the
 * end. `-i/--stdin` sends vmlab's stdin to the command.
 */
import type { Command } from "@commander-js/extra-typings";
import { InvalidArgumentError } from "@commander-js/extra-typings";
import { ExecReplySchema, OsInfoReplySchema } from "../../daemon/protocol.ts";
import { request } from "../../daemon/transport.ts";
import { action, requireUp, resolveVmTarget } from "../client.ts";

function seconds(v: string): number {
  const n = Number.parseFloat(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number of seconds");
  return n;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("base64");
}

export function register(program: Command): void {
  program
    .command("exec")
    .description("run a command in a guest through its agent; its output and exit status become vmlab's")
    .argument("<vm>", "VM name, or lab/vm from anywhere")
    .argument("<cmd...>", "command and arguments, after --")
    .option("-t, --timeout <seconds>", "give up after this long (default 300)", seconds)
    .option("-i, --stdin", "send vmlab's standard input to the command")
    .option("-f, --file <path>", "lab file (default: $VMLAB_FILE, else the nearest vmlab.wcl walking up)")
    .option("-v, --verbose", "name the lab file used")
    .action(
      action(async (target: string, cmd: string[], opts) => {
        const t = resolveVmTarget(target, opts);
        const socket = await requireUp(t.lab);
        const [path, ...args] = cmd as [string, ...string[]];
        const timeoutMs = Math.round((opts.timeout ?? 300) * 1000);
        const body = { path, args, timeoutMs, ...(opts.stdin ? { input: await readStdin() } : {}) };
        const r = await request(socket, "POST", `/v1/vms/${encodeURIComponent(t.vm)}/exec`, body, ExecReplySchema, timeoutMs + 30_000);
        process.stdout.write(Buffer.from(r.stdout, "base64"));
        process.stderr.write(Buffer.from(r.stderr, "base64"));
        if (r.truncated) process.stderr.write("vmlab: the guest agent truncated the output (it caps captured output at 16 MiB)\n");
        if (r.signal !== null && r.signal !== undefined) return 128 + r.signal;
        return r.exitCode ?? 1;
      }),
    );

  program
    .command("osinfo")
    .description("print the guest's OS information from its agent, as JSON")
    .argument("<vm>", "VM name, or lab/vm from anywhere")
    .option("-f, --file <path>", "lab file (default: $VMLAB_FILE, else the nearest vmlab.wcl walking up)")
    .option("-v, --verbose", "name the lab file used")
    .action(
      action(async (target: string, opts) => {
        const t = resolveVmTarget(target, opts);
        const socket = await requireUp(t.lab);
        const info = await request(socket, "GET", `/v1/vms/${encodeURIComponent(t.vm)}/osinfo`, undefined, OsInfoReplySchema);
        process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
        return 0;
      }),
    );
}
