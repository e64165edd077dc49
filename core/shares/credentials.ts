/**
 * Per-VM SMB credentials (PRD §7.5 access model): every VM with shares gets its own
 * generated account `vmlab-<vm>` and a random password, persisted in
 * `.vmlab/smb/creds` (mode 0600, written atomically) so they survive daemon restarts
 * and are rotated only by `destroy` (which removes `.vmlab/`). Passwords are hex, so
 * they never need quoting in a mount option string or a `net use` line. Never logged.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";

/** Random bytes behind each password (hex-encoded: twice as many characters). */
export const PASSWORD_BYTES = 24;

/** One VM's SMB credential. */
export interface SmbCredential {
  user: string;
  password: string;
}

const CredsFileSchema = z.record(z.string(), z.object({ user: z.string(), password: z.string() }));

/** The SMB account name of `vm`. */
export function smbUser(vm: string): string {
  return `vmlab-${vm}`;
}

/** The lab's credential file, one entry per VM that has ever had shares. */
export class CredentialStore {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = join(dir, "creds");
  }

  /** Credentials of `vms`, generating (and persisting) the missing ones. */
  ensure(vms: readonly string[]): Map<string, SmbCredential> {
    const all = this.#read();
    let changed = false;
    for (const vm of vms) {
      if (all[vm]) continue;
      all[vm] = { user: smbUser(vm), password: randomBytes(PASSWORD_BYTES).toString("hex") };
      changed = true;
    }
    if (changed) this.#write(all);
    return new Map(vms.map((vm) => [vm, all[vm] as SmbCredential]));
  }

  #read(): Record<string, SmbCredential> {
    if (!existsSync(this.file)) return {};
    try {
      const r = CredsFileSchema.safeParse(JSON.parse(readFileSync(this.file, "utf8")));
      return r.success ? r.data : {};
    } catch {
      return {};
    }
  }

  #write(all: Record<string, SmbCredential>): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(all, null, 2) + "\n", { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }
}
