/**
 * One virtiofsd per virtiofs share (PRD §7.5 opt-in fast path for Linux guests):
 * `/usr/lib/qemu/virtiofsd` from Debian's `qemu-system-common` serves the host folder on
 * a vhost-user socket that the VM's `vhost-user-fs-pci` device connects to (the VM's
 * RAM is then a shared memfd, core/qemu/argv.ts). virtiofsd exits when QEMU
 * disconnects, so it is started before every boot and stopped with the VM.
 * As root it confines itself with `sandbox=chroot` (namespaces need privileges a
 * container may not grant); otherwise its default namespace sandbox.
 * Trade-off (validate and docs say it): virtiofs keeps FUSE state outside QEMU, so
 * online snapshots of such a VM are refused; `readonly` is enforced by the guest's
 * `ro` mount only.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, rmSync } from "node:fs";
import { CodedError } from "../errors/mod.ts";

export const VIRTIOFSD_PACKAGE = "qemu-system-common";
/** Where Debian installs virtiofsd. */
export const VIRTIOFSD_PATHS = ["/usr/lib/qemu/virtiofsd", "/usr/libexec/virtiofsd", "/usr/lib/virtiofsd"];
/** How long a starting virtiofsd may take to create its socket. */
export const VIRTIOFSD_START_MS = 10_000;

export function findVirtiofsd(): string | undefined {
  return VIRTIOFSD_PATHS.find((p) => existsSync(p));
}

/** A running virtiofsd. */
export class Virtiofsd {
  private constructor(
    readonly proc: ChildProcess,
    readonly socket: string,
  ) {}

  /** Starts virtiofsd for `source` on `socket`; resolves once the socket exists. */
  static async start(o: { source: string; socket: string; logFile: string; wrapper?: readonly string[] }): Promise<Virtiofsd> {
    const bin = findVirtiofsd();
    if (!bin)
      throw new CodedError("share.virtiofsd_missing", `virtiofs shares need virtiofsd, which is not installed`, {
        subject: VIRTIOFSD_PACKAGE,
        hint: `install it: apt-get install ${VIRTIOFSD_PACKAGE}`,
      });
    rmSync(o.socket, { force: true });
    const fd = openSync(o.logFile, "a");
    const args = [`--socket-path=${o.socket}`, "-o", `source=${o.source}`, "-o", "cache=auto", ...(process.getuid?.() === 0 ? ["-o", "sandbox=chroot"] : [])];
    const argv = [...(o.wrapper ?? []), bin, ...args];
    const p = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", fd, fd] });
    closeSync(fd);
    let exited = false;
    p.once("exit", () => (exited = true));
    p.once("error", () => (exited = true));
    const deadline = Date.now() + VIRTIOFSD_START_MS;
    while (!existsSync(o.socket)) {
      if (exited || Date.now() > deadline) {
        p.kill("SIGKILL");
        throw new CodedError("share.virtiofsd_failed", `virtiofsd for ${o.source} did not start`, { subject: o.source, hint: `see ${o.logFile}` });
      }
      await Bun.sleep(50);
    }
    return new Virtiofsd(p, o.socket);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (p.exitCode === null && p.signalCode === null) {
      const gone = new Promise<void>((r) => p.once("exit", () => r()));
      p.kill("SIGTERM");
      const t = setTimeout(() => p.kill("SIGKILL"), 3_000);
      await gone;
      clearTimeout(t);
    }
    rmSync(this.socket, { force: true });
  }
}
