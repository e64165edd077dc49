/**
 * The shares of one running lab (PRD §7.5): owns the lab's `SmbServer` and the
 * mount state of every VM's shares.
 *
 * Contract:
 *  - `prepare(plan)`: when any VM declares shares, ensures per-VM credentials
 *    (`.vmlab/smb/creds`) and (re)configures smbd; a lab without shares runs none.
 *  - `target()`: where the fabric splices `<gateway>:445` (undefined while smbd is down).
 *  - `mountVm(vm, guest)`: mounts the VM's shares through its guest agent, one at a
 *    time, idempotently (a mounted path is left alone); a failure is a
 *    `share.mount_failed` error naming the share, the VM and the guest's message.
 *    Concurrent calls for one VM share one run.
 *  - `status(vm)`: per share name, guest and host path, transport, read-only, mounted.
 *  - `close()`: stops smbd; mount state is forgotten (the VMs are down).
 */
import { join } from "node:path";
import { CodedError } from "../errors/mod.ts";
import type { LabPlan, SharePlan, VmPlan } from "../config/plan_schema.ts";
import { CredentialStore, type SmbCredential } from "./credentials.ts";
import { isWindowsTarget, linuxMountScript, virtiofsMountScript, windowsMountCommands } from "./guest_mount.ts";
import { SmbServer, type SmbLog } from "./smbd.ts";

/** Limit for one guest mount command (SMB negotiation under TCG is slow). */
export const MOUNT_TIMEOUT_MS = 90_000;

/** A guest command's outcome, as the agent reports it. */
export interface GuestRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** How shares reach a guest: its gateway, and a command run through its agent. */
export interface ShareGuest {
  /** The gateway address of the VM's first NIC's segment. */
  gateway: string;
  /** Runs `program args` in the guest with `input` on stdin. */
  run(program: string, args: readonly string[], input: string, timeoutMs: number): Promise<GuestRun>;
}

export interface LabSharesOptions {
  /** `<lab>/.vmlab/smb` */
  stateDir: string;
  /** The lab's logs folder (smbd.log goes there). */
  logDir: string;
  log: SmbLog;
  wrapper?: readonly string[];
}

interface MountState {
  mounted: boolean;
  error?: string;
}

const isSmb = (s: SharePlan): boolean => s.transport === "smb";

export class LabShares {
  readonly #o: LabSharesOptions;
  readonly #smbd: SmbServer;
  #plan: LabPlan | undefined;
  #creds = new Map<string, SmbCredential>();
  readonly #state = new Map<string, MountState>();
  readonly #inflight = new Map<string, Promise<void>>();

  constructor(o: LabSharesOptions) {
    this.#o = o;
    this.#smbd = new SmbServer({ stateDir: o.stateDir, logFile: join(o.logDir, "smbd.log"), log: o.log, ...(o.wrapper ? { wrapper: o.wrapper } : {}) });
  }

  get smbd(): SmbServer {
    return this.#smbd;
  }

  /** Credentials and smbd for every share of `plan`; no smbd when there are none. */
  async prepare(plan: LabPlan): Promise<void> {
    this.#plan = plan;
    const owners = plan.vms.filter((v) => (v.shares ?? []).some(isSmb));
    if (!owners.length) return;
    this.#creds = new CredentialStore(this.#o.stateDir).ensure(owners.map((v) => v.name));
    const shares = owners.flatMap((v) =>
      (v.shares ?? []).filter(isSmb).map((s) => ({ name: s.name, path: s.host, user: (this.#creds.get(v.name) as SmbCredential).user, readonly: s.readonly })),
    );
    const smb1 = owners.some((v) => (v.shares ?? []).some((s) => isSmb(s) && s.smb1));
    await this.#smbd.configure(shares, smb1, this.#creds);
  }

  target(): { host: string; port: number } | undefined {
    return this.#smbd.target();
  }

  /** Mounts every share of `vm` in the guest; rejects with the first failure. */
  mountVm(vm: VmPlan, guest: ShareGuest): Promise<void> {
    if (!(vm.shares ?? []).length) return Promise.resolve();
    const have = this.#inflight.get(vm.name);
    if (have) return have;
    const run = this.#mountAll(vm, guest).finally(() => this.#inflight.delete(vm.name));
    this.#inflight.set(vm.name, run);
    return run;
  }

  /** Forget that `vm`'s shares are mounted (it stopped or rebooted). */
  forget(vm: string): void {
    for (const k of [...this.#state.keys()]) if (k.startsWith(`${vm}/`)) this.#state.delete(k);
  }

  status(vm: VmPlan): { name: string; host: string; guest: string; transport: "smb" | "virtiofs"; readonly: boolean; mounted: boolean; error?: string }[] {
    return (vm.shares ?? []).map((s) => {
      const st = this.#state.get(`${vm.name}/${s.name}`);
      return {
        name: s.name,
        host: s.host,
        guest: s.guest,
        transport: s.transport,
        readonly: s.readonly,
        mounted: st?.mounted ?? false,
        ...(st?.error ? { error: st.error } : {}),
      };
    });
  }

  async close(): Promise<void> {
    this.#state.clear();
    await this.#smbd.stop();
  }

  async #mountAll(vm: VmPlan, guest: ShareGuest): Promise<void> {
    const cred = this.#creds.get(vm.name);
    if ((vm.shares ?? []).some(isSmb) && (!cred || !this.#smbd.target())) {
      throw new CodedError("share.unavailable", `cannot mount the shares of ${vm.name}: the lab's SMB server is not running`, {
        subject: vm.name,
        hint: "see smbd.log in the lab's logs (`vmlab logs`)",
      });
    }
    for (const s of vm.shares ?? []) {
      if (isSmb(s)) await this.#mountOne(vm.name, s, guest, cred as SmbCredential);
      else await this.#mountVirtiofs(vm.name, s, guest);
    }
  }

  async #mountVirtiofs(vm: string, s: SharePlan, guest: ShareGuest): Promise<void> {
    let r: GuestRun;
    try {
      r = await guest.run("/bin/sh", ["-s"], virtiofsMountScript(s.name, s.guest, s.readonly), MOUNT_TIMEOUT_MS);
    } catch (e) {
      r = { exitCode: null, stdout: "", stderr: (e as Error).message };
    }
    this.#record(vm, s, r, "the guest kernel needs the virtiofs module");
  }

  #record(vm: string, s: SharePlan, r: GuestRun, hint: string, secret?: string): void {
    const key = `${vm}/${s.name}`;
    if (r.exitCode === 0) {
      this.#state.set(key, { mounted: true });
      return;
    }
    let said = r.stderr.trim() || r.stdout.trim() || `exit status ${r.exitCode}`;
    if (secret) said = said.split(secret).join("***");
    this.#state.set(key, { mounted: false, error: said });
    throw new CodedError("share.mount_failed", `cannot mount share ${s.name} at ${s.guest} in ${vm}: ${said}`, { subject: s.name, hint });
  }

  async #mountOne(vm: string, s: SharePlan, guest: ShareGuest, cred: SmbCredential): Promise<void> {
    const m = { name: s.name, guest: s.guest, readonly: s.readonly, gateway: guest.gateway };
    let r: GuestRun;
    try {
      r = isWindowsTarget(s.guest)
        ? await guest.run("cmd.exe", ["/q"], [...windowsMountCommands(m, cred), "exit %errorlevel%", ""].join("\r\n"), MOUNT_TIMEOUT_MS)
        : await guest.run("/bin/sh", ["-s"], linuxMountScript(m, cred), MOUNT_TIMEOUT_MS);
    } catch (e) {
      r = { exitCode: null, stdout: "", stderr: (e as Error).message };
    }
    this.#record(vm, s, r, `the guest must reach its gateway ${guest.gateway} on TCP 445 and support SMB2+ (Linux: the cifs module)`, cred.password);
  }
}
