/**
 * `vmlab console <vm> [--tcp]` — a VM's screen over VNC (cli_ref.md).
 *
 * Each VM's QEMU serves VNC on a unix socket in the lab's runtime folder
 * (owner-only). Without `--tcp` the host config's `viewer` command is run
 * with `{}` replaced by that socket path (e.g. `vncviewer {}`). With `--tcp`
 * (WSL2, remote viewers) vmlab relays a TCP port on 127.0.0.1 to the socket
 * and prints it, until interrupted; `--port` picks the port (default: a free
 * one).
 */
import { existsSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { join } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { InvalidArgumentError } from "@commander-js/extra-typings";
import { hostConfigPath, readHostConfig } from "../../config/host.ts";
import { CodedError } from "../../errors/mod.ts";
import { labRunDir } from "../../daemon/paths.ts";
import { action, requireUp, resolveVmTarget } from "../client.ts";

function port(v: string): number {
  const n = Number.parseInt(v, 10);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError("expected a port 1–65535");
  return n;
}

export function register(program: Command): void {
  program
    .command("console")
    .description("open a VM's screen in the configured VNC viewer, or relay its VNC to a 127.0.0.1 TCP port")
    .argument("<vm>", "VM name, or lab/vm")
    .option("--tcp", "relay VNC over a localhost TCP port instead of launching the viewer")
    .option("--port <port>", "TCP port for --tcp (default: a free one)", port)
    .option("-f, --file <path>", "lab file (default: $VMLAB_FILE, else the nearest vmlab.wcl walking up)")
    .action(
      action(async (target: string, opts) => {
        const t = resolveVmTarget(target, opts);
        await requireUp(t.lab);
        const sock = join(labRunDir(t.lab.name), `${t.vm}.vnc`);
        if (!existsSync(sock))
          throw new CodedError("vm.not_running", `VM ${t.vm} has no VNC display (is it running?)`, {
            subject: t.vm,
            hint: `\`vmlab status\` shows it; \`vmlab vm start ${t.vm}\` starts it`,
          });
        if (!opts.tcp) {
          const viewer = readHostConfig().config.viewer;
          if (!viewer) {
            throw new CodedError("request.invalid", "no VNC viewer is configured", {
              hint: `set viewer = "vncviewer {}" in ${hostConfigPath()} (host { … }), or use \`vmlab console ${target} --tcp\` and point any viewer at the port it prints`,
            });
          }
          const argv = viewer
            .split(/\s+/)
            .filter(Boolean)
            .map((a) => a.replaceAll("{}", sock));
          const p = Bun.spawn(argv, { stdio: ["inherit", "inherit", "inherit"] });
          return await p.exited;
        }
        const server = createServer((client) => {
          const vnc = createConnection(sock);
          client.pipe(vnc).pipe(client);
          const end = () => {
            client.destroy();
            vnc.destroy();
          };
          client.on("error", end);
          vnc.on("error", end);
          client.on("close", end);
          vnc.on("close", end);
        });
        await new Promise<void>((resolve, reject) => {
          server.once("error", (e) =>
            reject(new CodedError("network.port_taken", `cannot listen on 127.0.0.1:${opts.port ?? 0}: ${e.message}`, { hint: "pick another --port" })),
          );
          server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
        });
        const addr = server.address() as { port: number };
        process.stdout.write(`VNC of ${t.lab.name}/${t.vm} on 127.0.0.1:${addr.port}; Ctrl-C stops the relay\n`);
        await new Promise<void>((resolve) => {
          process.once("SIGINT", () => resolve());
          process.once("SIGTERM", () => resolve());
        });
        server.close();
        return 0;
      }),
    );
}
