/**
 * bench/fabric driver — one vmlab segment (switch + gateway + DHCP + DNS, NAT when
 * asked) listening on unix stream sockets, exactly as the lab daemon would run it,
 * but standalone so the bench can start, profile and kill it on its own.
 *
 * Usage: bun bench/fabric/driver.ts --subnet 10.0.2.0/24 --mtu 1500 [--nat]
 *          --socket /path/a.sock [--socket /path/b.sock …]
 * Prints `ready` on stdout once every socket listens; exits on SIGTERM/SIGINT
 * (so `bun --cpu-prof` writes its profile) and prints the NAT's flow counts and
 * the per-port frame counters to stderr on the way out.
 */
import { createServer, type Server } from "node:net";
import { rmSync } from "node:fs";
import { attachStreamSocket, Nat, parseCidr, Segment, systemClock, type SwitchPort } from "../../net/mod.ts";

interface DriverArgs {
  subnet: string;
  mtu: number;
  nat: boolean;
  sockets: string[];
}

function parseArgs(argv: string[]): DriverArgs {
  const a: DriverArgs = { subnet: "10.0.2.0/24", mtu: 1500, nat: false, sockets: [] };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1] ?? "";
    if (k === "--subnet") (a.subnet = v), i++;
    else if (k === "--mtu") (a.mtu = Number(v)), i++;
    else if (k === "--socket") a.sockets.push(v), i++;
    else if (k === "--nat") a.nat = true;
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

const args = parseArgs(process.argv.slice(2));
const subnet = parseCidr(args.subnet);
if (!subnet) throw new Error(`bad subnet ${args.subnet}`);
const clock = systemClock();
const log = (r: { level: string; message: string }) => {
  if (r.level === "warn" || r.level === "error") process.stderr.write(`${r.level}: ${r.message}\n`);
};
const seg = new Segment({ name: "bench", clock, subnet, mtu: args.mtu, log });
// As the lab daemon runs it (LabFabric): guest checksums are not re-verified.
const nat = args.nat ? new Nat({ clock, gateway: seg.gateway, mtu: args.mtu, log, verifyGuestChecksums: false }) : undefined;
if (nat) seg.setIpStack(nat);

const servers: Server[] = [];
const ports: SwitchPort[] = [];
await Promise.all(
  args.sockets.map(
    (path) =>
      new Promise<void>((resolve, reject) => {
        rmSync(path, { force: true });
        const srv = createServer((sock) => {
          ports.push(attachStreamSocket(seg.switch, sock, { name: path, log }));
        });
        srv.once("error", reject);
        srv.listen(path, () => resolve());
        servers.push(srv);
      }),
  ),
);
process.stdout.write("ready\n");

const stop = (): void => {
  for (const p of ports) process.stderr.write(`port ${p.name}: rx ${p.stats.rxFrames} tx ${p.stats.txFrames} dropped ${p.stats.rxDropped}\n`);
  if (nat) process.stderr.write(`nat flows: tcp ${nat.tcpFlows} udp ${nat.udpFlows}\n`);
  nat?.close();
  for (const s of servers) s.close();
  for (const p of args.sockets) rmSync(p, { force: true });
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
