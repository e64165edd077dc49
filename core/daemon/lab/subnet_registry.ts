/**
 * The host-wide registry of segment subnets (PRD §9.4: "no two running labs collide").
 *
 * Theory of operation: one JSON file (the lab daemon uses
 * `$XDG_RUNTIME_DIR/vmlab/subnets.json`) lists `{lab, segment, subnet, pid}` for every
 * segment of every running lab daemon. `claim` takes an exclusive lock file (`O_EXCL`
 * create; a lock older than `REGISTRY_LOCK_STALE_MS` was left by a crashed daemon and
 * is broken), drops entries whose pid is dead, checks a declared subnet against the
 * others or allocates the first free pool block (`allocateSubnet`), and rewrites the
 * file atomically (temp + rename). `release(lab)` removes this process's entries.
 * Errors are data (`SubnetClaimError`), never throws past the caller. Synchronous on
 * purpose: a claim is a few file operations done once per segment at `up`.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { cidrOverlaps, cidrToString, parseCidr, type Cidr } from "./addr.ts";
import { allocateSubnet, DEFAULT_SUBNET_POOL, isSubnetPoolError } from "./subnet_pool.ts";

/** Give up taking the registry lock after this long. */
export const REGISTRY_LOCK_TIMEOUT_MS = 5000;
/** A lock file older than this is considered left behind by a crashed daemon. */
export const REGISTRY_LOCK_STALE_MS = 10_000;
/** Pause between attempts to take the lock. */
const LOCK_RETRY_MS = 5;

/** One registered segment subnet. */
export interface RegistryEntry {
  lab: string;
  segment: string;
  subnet: string;
  pid: number;
}

/** Why a subnet could not be claimed. */
export interface SubnetClaimError {
  code: "subnet_invalid" | "subnet_in_use" | "subnet_pool_exhausted" | "registry_locked";
  segment: string;
  message: string;
  hint: string;
}

/** A file-backed, lock-protected subnet registry. */
export class SubnetRegistry {
  constructor(
    readonly path: string,
    readonly pid = process.pid,
  ) {}

  /** Claims `declared` (checked against other labs) or a pool block for lab/segment. */
  claim(lab: string, segment: string, declared: string | undefined, pool = DEFAULT_SUBNET_POOL): Cidr | SubnetClaimError {
    let out: Cidr | SubnetClaimError | undefined;
    const ok = this.#update((entries) => {
      const others = entries.filter((e) => !(e.lab === lab && e.segment === segment));
      if (declared !== undefined) {
        const c = parseCidr(declared);
        if (!c || c.prefix > 30) {
          out = { code: "subnet_invalid", segment, message: `Cannot create segment "${segment}": subnet "${declared}" is not an IPv4 CIDR of /30 or wider`, hint: 'write it like "10.50.0.0/24"' };
          return entries;
        }
        const clash = others.find((e) => {
          const u = parseCidr(e.subnet);
          return u !== undefined && cidrOverlaps(u, c);
        });
        if (clash) {
          out = { code: "subnet_in_use", segment, message: `Cannot create segment "${segment}": subnet ${declared} overlaps ${clash.subnet} of lab ${clash.lab} (segment ${clash.segment})`, hint: "choose another subnet or stop the other lab" };
          return entries;
        }
        out = c;
      } else {
        const used = others.map((e) => parseCidr(e.subnet)).filter((c): c is Cidr => c !== undefined);
        const a = allocateSubnet(used, pool);
        if (isSubnetPoolError(a)) {
          out = { code: "subnet_pool_exhausted", segment, message: a.message, hint: a.hint };
          return entries;
        }
        out = a;
      }
      return [...others, { lab, segment, subnet: cidrToString(out), pid: this.pid }];
    });
    if (!ok || out === undefined) {
      return { code: "registry_locked", segment, message: `Cannot create segment "${segment}": the subnet registry ${this.path} stayed locked`, hint: "another vmlab daemon holds the lock; retry, or remove a stale .lock file" };
    }
    return out;
  }

  /** Removes every entry of `lab` held by this process. */
  release(lab: string): void {
    this.#update((entries) => entries.filter((e) => !(e.lab === lab && e.pid === this.pid)));
  }

  /** Live entries (dead daemons pruned), for status and tests. */
  entries(): RegistryEntry[] {
    return readRegistry(this.path).filter((e) => pidAlive(e.pid));
  }

  /** Read-modify-write under the lock; false if the lock could not be taken. */
  #update(update: (entries: RegistryEntry[]) => RegistryEntry[]): boolean {
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    } catch {
      return false;
    }
    const lock = `${this.path}.lock`;
    const deadline = Date.now() + REGISTRY_LOCK_TIMEOUT_MS;
    for (;;) {
      try {
        closeSync(openSync(lock, "wx"));
        break;
      } catch {
        try {
          if (Date.now() - statSync(lock).mtimeMs > REGISTRY_LOCK_STALE_MS) rmSync(lock, { force: true });
        } catch {
          // The lock vanished between open and stat: retry.
        }
        if (Date.now() > deadline) return false;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, LOCK_RETRY_MS);
      }
    }
    try {
      const next = update(this.entries());
      const tmp = `${this.path}.${this.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ entries: next }, null, 2) + "\n", { mode: 0o600 });
      renameSync(tmp, this.path);
      return true;
    } catch {
      return false;
    } finally {
      rmSync(lock, { force: true });
    }
  }
}

function readRegistry(path: string): RegistryEntry[] {
  try {
    const j = JSON.parse(readFileSync(path, "utf8")) as { entries?: unknown };
    if (!Array.isArray(j.entries)) return [];
    return j.entries.filter(
      (e): e is RegistryEntry => typeof e === "object" && e !== null && typeof e.lab === "string" && typeof e.segment === "string" && typeof e.subnet === "string" && typeof e.pid === "number",
    );
  } catch {
    return [];
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
