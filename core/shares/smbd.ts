/**
 * One lab's smbd (PRD §7.5, DESIGN §7): a foreground `smbd` on 127.0.0.1:<port> with
 * the generated smb.conf (smb_conf.ts) and all of its state under `.vmlab/smb/`.
 *
 * Theory of operation: smbd needs a Unix account behind every SMB user. Instead of
 * touching /etc/passwd, smbd and smbpasswd run under nss_wrapper (LD_PRELOAD, the
 * way Samba's own test suite runs) with a passwd file of our own that maps every
 * VM's account to the daemon's uid/gid — so files guests write are owned by the
 * user who runs the lab. As non-root, uid_wrapper is preloaded too (smbd insists on
 * switching ids). Accounts go into the private tdbsam passdb with `smbpasswd -s -a`
 * (password on stdin, never in argv or logs).
 *
 * `configure()` writes config, passwd and passdb, then starts smbd or, when it runs,
 * makes it reload (SIGHUP). smbd's output is appended to the lab's `smbd.log`. An
 * smbd that exits without `stop()` is logged and restarted after `RESTART_DELAY_MS`
 * (doubling up to `MAX_RESTART_DELAY_MS`) on the same port, so guests' SMB clients
 * reconnect to the same `<gateway>:445`; it never takes the lab down.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { join } from "node:path";
import { CodedError } from "../errors/mod.ts";
import type { SmbCredential } from "./credentials.ts";
import { smbConf, unsafeConfValue, type SmbShare } from "./smb_conf.ts";
import { smbTools, type SmbTools } from "./tools.ts";

/** First wait before restarting a crashed smbd. */
export const RESTART_DELAY_MS = 500;
/** Longest wait between restarts of an smbd that keeps failing. */
export const MAX_RESTART_DELAY_MS = 30_000;
/** An smbd that ran this long resets the restart back-off. */
export const STABLE_RUN_MS = 60_000;
/** How long a starting smbd may take to accept connections. */
export const START_TIMEOUT_MS = 20_000;
/** Account smbd maps (refused) guests to; it must exist, nobody uses it. */
export const GUEST_ACCOUNT = "vmlab-nobody";

export type SmbLog = (level: "info" | "warn" | "error", event: string, message: string, fields?: Record<string, unknown>) => void;

export interface SmbServerOptions {
  /** `.vmlab/smb` of the lab. */
  stateDir: string;
  /** smbd's own output goes here (the lab's logs folder). */
  logFile: string;
  log: SmbLog;
  tools?: SmbTools;
  /** Runs before smbd's argv (e.g. `setpriv --pdeathsig KILL --`). */
  wrapper?: readonly string[];
}

/** The lab's SMB server. */
export class SmbServer {
  readonly #o: SmbServerOptions;
  #tools: SmbTools | undefined;
  #port: number | undefined;
  #proc: ChildProcess | undefined;
  #running = false;
  #stopping = false;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #delay = RESTART_DELAY_MS;
  #startedAt = 0;
  /** How many times smbd was restarted after exiting on its own. */
  restarts = 0;

  constructor(o: SmbServerOptions) {
    this.#o = o;
  }

  get confFile(): string {
    return join(this.#o.stateDir, "smb.conf");
  }

  /** smbd's pid while it runs. */
  get pid(): number | undefined {
    return this.#running ? this.#proc?.pid : undefined;
  }

  /** Where the fabric splices guest connections, while smbd runs. */
  target(): { host: string; port: number } | undefined {
    return this.#running && this.#port !== undefined ? { host: "127.0.0.1", port: this.#port } : undefined;
  }

  /** The 127.0.0.1 port smbd listens on (fixed for the server's life). */
  get port(): number | undefined {
    return this.#port;
  }

  /** Writes config and accounts for `shares`, then starts smbd or makes it reload. */
  async configure(shares: readonly SmbShare[], smb1: boolean, creds: ReadonlyMap<string, SmbCredential>): Promise<void> {
    this.#tools ??= this.#o.tools ?? smbTools();
    for (const s of shares) {
      const bad = unsafeConfValue(s.path);
      if (bad)
        throw new CodedError("share.invalid_path", `share ${s.name}: host path cannot be served: ${bad}`, { subject: s.name, hint: "rename the host folder" });
    }
    this.#stopping = false;
    const d = this.#o.stateDir;
    for (const sub of ["", "private", "lock", "state", "cache", "run", "run/ncalrpc"]) mkdirSync(join(d, sub), { recursive: true, mode: 0o700 });
    this.#port ??= await freePort();
    atomicWrite(this.confFile, smbConf({ port: this.#port, stateDir: d, guestAccount: GUEST_ACCOUNT, shares, smb1 }));
    this.#writeNss(creds);
    for (const c of creds.values()) await this.#addAccount(c);
    if (this.#running && this.#proc?.pid) {
      this.#proc.kill("SIGHUP");
      this.#o.log("info", "share.smbd_reloaded", `smbd reloaded its configuration (${shares.length} share(s))`);
      return;
    }
    await this.#spawn();
  }

  /** Stops smbd and its children; no restart follows. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    const p = this.#proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    killGroup(p, "SIGTERM");
    const t = setTimeout(() => killGroup(p, "SIGKILL"), 5_000);
    await exited;
    clearTimeout(t);
  }

  #env(): Record<string, string> {
    const t = this.#tools as SmbTools;
    const preload = [t.nssWrapper, ...(t.uidWrapper ? [t.uidWrapper] : [])].join(" ");
    return {
      PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
      LD_PRELOAD: preload,
      NSS_WRAPPER_PASSWD: join(this.#o.stateDir, "passwd"),
      NSS_WRAPPER_GROUP: join(this.#o.stateDir, "group"),
      ...(t.uidWrapper ? { UID_WRAPPER: "1", UID_WRAPPER_ROOT: "1" } : {}),
    };
  }

  #writeNss(creds: ReadonlyMap<string, SmbCredential>): void {
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    const users = [`root:x:0:0:root:/nonexistent:/bin/false`, `${GUEST_ACCOUNT}:x:65534:65534:vmlab guest:/nonexistent:/bin/false`];
    for (const c of creds.values()) users.push(`${c.user}:x:${uid}:${gid}:vmlab share account:/nonexistent:/bin/false`);
    atomicWrite(join(this.#o.stateDir, "passwd"), users.join("\n") + "\n");
    atomicWrite(join(this.#o.stateDir, "group"), `root:x:0:\nvmlab-nogroup:x:65534:\n${gid !== 0 ? `vmlab:x:${gid}:\n` : ""}`);
  }

  async #addAccount(c: SmbCredential): Promise<void> {
    const t = this.#tools as SmbTools;
    const p = spawn(t.smbpasswd, ["-c", this.confFile, "-s", "-a", c.user], { env: this.#env(), stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    p.stdout?.on("data", (b: Buffer) => (out += b.toString()));
    p.stderr?.on("data", (b: Buffer) => (out += b.toString()));
    p.stdin?.end(`${c.password}\n${c.password}\n`);
    const code = await new Promise<number | null>((r) => {
      p.once("exit", (c) => r(c));
      p.once("error", () => r(-1));
    });
    if (code !== 0)
      throw new CodedError("share.smbd_failed", `cannot create the SMB account ${c.user}: ${out.trim() || `smbpasswd exited ${code}`}`, {
        subject: c.user,
        hint: `see ${this.confFile}`,
      });
  }

  async #spawn(): Promise<void> {
    const t = this.#tools as SmbTools;
    const fd = openSync(this.#o.logFile, "a");
    const argv = [...(this.#o.wrapper ?? []), t.smbd, "--foreground", "--no-process-group", "--debug-stdout", "--configfile", this.confFile];
    const p = spawn(argv[0] as string, argv.slice(1), { env: this.#env(), stdio: ["ignore", fd, fd], detached: true });
    closeSync(fd);
    this.#proc = p;
    this.#startedAt = Date.now();
    let exited = false;
    p.once("error", () => undefined);
    p.once("exit", (code, signal) => {
      exited = true;
      const wasRunning = this.#running;
      this.#running = false;
      // Children of the dead smbd (notifyd, cleanupd, client sessions) go with it, so
      // guests reconnect to the fresh server instead of a leftover.
      killGroup(p, "SIGKILL");
      if (this.#proc !== p) return;
      if (this.#stopping) {
        this.#o.log("info", "share.smbd_stopped", "smbd stopped");
        return;
      }
      if (!wasRunning) return; // a failed start is reported by #spawn's caller
      if (Date.now() - this.#startedAt >= STABLE_RUN_MS) this.#delay = RESTART_DELAY_MS;
      const why = signal ? `killed by ${signal}` : `exit status ${code}`;
      this.#o.log("warn", "share.smbd_exited", `smbd exited (${why}); restarting in ${this.#delay} ms`, { pid: p.pid });
      this.#restartTimer = setTimeout(() => {
        this.#restartTimer = undefined;
        this.#delay = Math.min(this.#delay * 2, MAX_RESTART_DELAY_MS);
        this.restarts++;
        this.#spawn().then(
          () => this.#o.log("info", "share.smbd_restarted", `smbd restarted (pid ${this.#proc?.pid}) on 127.0.0.1:${this.#port}`, { pid: this.#proc?.pid }),
          (e: unknown) => {
            this.#o.log("error", "share.smbd_restart_failed", `smbd could not be restarted: ${(e as Error).message}`);
            if (!this.#stopping) this.#restartTimer = setTimeout(() => void this.#spawn().catch(() => undefined), this.#delay);
          },
        );
      }, this.#delay);
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await canConnect(this.#port as number))) {
      if (exited || Date.now() > deadline) {
        if (!exited) killGroup(p, "SIGKILL");
        throw new CodedError("share.smbd_failed", `smbd did not start serving on 127.0.0.1:${this.#port}: ${tail(this.#o.logFile) || "no output"}`, {
          subject: "smbd",
          hint: `see ${this.#o.logFile}`,
        });
      }
      await Bun.sleep(100);
    }
    this.#running = true;
    this.#o.log("info", "share.smbd_started", `smbd serving on 127.0.0.1:${this.#port} (pid ${p.pid})`, { pid: p.pid, port: this.#port });
  }
}

function killGroup(p: ChildProcess, sig: NodeJS.Signals): void {
  try {
    if (p.pid) process.kill(-p.pid, sig);
  } catch {
    if (p.exitCode === null && p.signalCode === null) p.kill(sig);
  }
}

function atomicWrite(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}

function tail(file: string): string {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").trim().split("\n").slice(-5).join("\n");
}

/** A free 127.0.0.1 port (bound and released; smbd takes it right after). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host: "127.0.0.1", port });
    c.once("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });
}
