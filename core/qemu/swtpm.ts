/**
 * One software TPM 2.0 (`swtpm`, Debian `swtpm`) per VM that asks for
 * `tpm = true` (PRD §5.2).
 *
 * Theory of operation: before QEMU starts, the lab daemon starts
 * `swtpm socket --tpm2` with its state folder in the VM's `.vmlab/vms/<vm>/tpm/`
 * (so keys and PCR policy survive restarts of the VM, like a real chip) and
 * its control socket in the lab's runtime folder, created mode 0600. QEMU
 * connects with `-chardev socket` + `-tpmdev emulator` + `-device tpm-tis`
 * (`argv.ts`). `--terminate` ends swtpm when QEMU closes the connection, so it
 * stops with the VM; it runs under the same `setpriv --pdeathsig KILL`
 * wrapper as QEMU, so a killed lab daemon takes it along.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";

/** The Debian package that ships swtpm. */
export const SWTPM_PACKAGE = "swtpm";
/** How long swtpm may take to create its control socket. */
export const SWTPM_START_TIMEOUT_MS = 10_000;

/** The swtpm binary, or undefined when it is not installed. */
export function findSwtpm(): string | undefined {
  return Bun.which("swtpm") ?? (existsSync("/usr/bin/swtpm") ? "/usr/bin/swtpm" : undefined);
}

export interface SwtpmOptions {
  readonly stateDir: string;
  readonly socket: string;
  readonly logFile: string;
  /** Prefix such as `setpriv --pdeathsig KILL --`. */
  readonly wrapper?: readonly string[];
}

/** A running swtpm. */
export class Swtpm {
  private constructor(
    readonly proc: ReturnType<typeof Bun.spawn>,
    readonly socket: string,
  ) {}

  /** Start swtpm and wait for its socket. Throws a plain Error naming the package when swtpm is missing. */
  static async start(opts: SwtpmOptions): Promise<Swtpm> {
    const bin = findSwtpm();
    if (!bin) throw new Error(`cannot start a TPM: swtpm is not installed (apt-get install ${SWTPM_PACKAGE})`);
    mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
    rmSync(opts.socket, { force: true });
    const argv = [
      ...(opts.wrapper ?? []),
      bin,
      "socket",
      "--tpm2",
      "--terminate",
      "--tpmstate",
      `dir=${opts.stateDir},mode=0600`,
      "--ctrl",
      `type=unixio,path=${opts.socket},mode=0600`,
      "--log",
      `file=${opts.logFile},level=1`,
      "--flags",
      "startup-clear",
    ];
    const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    const deadline = Date.now() + SWTPM_START_TIMEOUT_MS;
    while (!existsSync(opts.socket)) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        proc.kill("SIGKILL");
        const err = await new Response(proc.stderr as ReadableStream).text().catch(() => "");
        throw new Error(
          `cannot start a TPM: swtpm ${proc.exitCode !== null ? `exited ${proc.exitCode}` : "did not create its socket"}${err.trim() ? `: ${err.trim()}` : ""}`,
        );
      }
      await Bun.sleep(20);
    }
    return new Swtpm(proc, opts.socket);
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Stop it (normally it ends by itself when QEMU disconnects). */
  async stop(): Promise<void> {
    if (this.running) this.proc.kill("SIGTERM");
    const t = setTimeout(() => this.proc.kill("SIGKILL"), 2_000);
    await this.proc.exited;
    clearTimeout(t);
    rmSync(this.socket, { force: true });
  }
}
