/**
 * A private vmlab world for lab e2e tests: its own XDG folders (so its
 * supervisor, store and logs touch nothing of the user's), the tiny template
 * adopted into its store, helpers to run `dist/vmlab` in it synchronously or
 * concurrently, and a teardown that stops every daemon and guest it started.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tinyTemplatePath } from "../../core/machine/testing/tiny_guest.ts";
import { waitFor as waitForValue } from "../../core/testing/wait.ts";
import { run, vmlabBin, type RunResult } from "./_bin.ts";

export const TINY_REF = "x86_64/tiny-linux@1.0";

export class World {
  readonly root: string;
  readonly env: Record<string, string>;

  constructor(prefix = "vmlab-e2e-") {
    // Short path: unix socket paths are limited to 108 bytes.
    this.root = mkdtempSync(join(tmpdir(), prefix));
    this.env = {
      XDG_DATA_HOME: join(this.root, "data"),
      XDG_STATE_HOME: join(this.root, "state"),
      XDG_CONFIG_HOME: join(this.root, "config"),
      XDG_RUNTIME_DIR: join(this.root, "run"),
      VMLAB_ACCEL: "tcg",
      VMLAB_FILE: "",
    };
    for (const d of Object.values(this.env)) if (d.startsWith("/")) mkdirSync(d, { recursive: true, mode: 0o700 });
  }

  /** Adopt the tiny template into this world's store. */
  async adoptTiny(ref = TINY_REF): Promise<void> {
    const r = this.vmlab(["template", "import", "--ref", ref, await tinyTemplatePath()]);
    if (r.code !== 0) throw new Error(`template import failed: ${r.stderr}`);
  }

  /** Write a lab folder with `vmlab.wcl`; returns its path. */
  lab(name: string, wcl: string): string {
    const dir = join(this.root, "labs", name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "vmlab.wcl"), wcl);
    return dir;
  }

  hostConfig(wcl: string): void {
    mkdirSync(join(this.env.XDG_CONFIG_HOME as string, "vmlab"), { recursive: true });
    writeFileSync(join(this.env.XDG_CONFIG_HOME as string, "vmlab", "config.wcl"), wcl);
  }

  vmlab(args: readonly string[], opts: { cwd?: string; env?: Record<string, string>; stdin?: string; bin?: string } = {}): RunResult {
    return run(args, {
      cwd: opts.cwd ?? this.root,
      env: { ...this.env, ...(opts.env ?? {}) },
      ...(opts.stdin === undefined ? {} : { stdin: opts.stdin }),
      ...(opts.bin ? { bin: opts.bin } : {}),
    });
  }

  /** Start `dist/vmlab` without waiting (for races). */
  async vmlabAsync(args: readonly string[], opts: { cwd?: string } = {}): Promise<RunResult> {
    const p = Bun.spawn([vmlabBin(), ...args], {
      cwd: opts.cwd ?? this.root,
      env: { ...process.env, NO_COLOR: "1", ...this.env },
      stdout: "pipe",
      stderr: "pipe",
      stdin: "ignore",
    });
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    return { code, stdout, stderr };
  }

  json<T>(args: readonly string[], opts: { cwd?: string } = {}): T {
    const r = this.vmlab(args, opts);
    if (r.code !== 0) throw new Error(`vmlab ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  get stateDir(): string {
    return join(this.env.XDG_STATE_HOME as string, "vmlab");
  }

  get runDir(): string {
    return join(this.env.XDG_RUNTIME_DIR as string, "vmlab");
  }

  supervisorPid(): number | undefined {
    try {
      return Number.parseInt(readFileSync(join(this.runDir, "vmlabd.pid"), "utf8"), 10);
    } catch {
      return undefined;
    }
  }

  /** Stop everything this world started and delete it. */
  teardown(): void {
    this.vmlab(["daemon", "stop", "-q"]);
    // Belt and braces: nothing of this world may outlive the test run.
    const p = Bun.spawnSync(["pkill", "-9", "-f", this.root]);
    void p;
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Poll `fn` (a `vmlab` call, so every 100 ms) until it returns a value other than undefined, or fail after `timeoutMs`. */
export function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  return waitForValue(what, fn, { timeoutMs, intervalMs: 100 });
}

export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
