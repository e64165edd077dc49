/**
 * The host-wide registry of segment subnets (PRD §9.4: "no two running labs collide").
 *
 * Theory of operation: one JSON file (the lab daemon uses
 * `$XDG_RUNTIME_DIR/vmlab/subnets.json`) lists `{lab, segment, subnet, pid}` for every
 * segment of every running lab daemon. `claim` takes vmlab's one file lock
 * (`FileLock` from core/store/lock.ts on `subnets.json.lock`: a lock is broken only
 * when its holder's pid is dead or its record is unreadable, never because the holder
 * is slow), drops entries whose pid is dead, checks a declared subnet against the
 * others or allocates the first free pool block (`allocateSubnet`), and rewrites the
 * file atomically (temp + rename). `release(lab)` removes this process's entries.
 * Errors are data (`SubnetClaimError`), never thrown past the caller. Asynchronous: a
 * claim waiting for another daemon's lock polls on a timer, so the lab daemon keeps
 * serving its sockets meanwhile.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { FileLock } from "../../store/lock.ts";
import { pidAlive } from "../orphans.ts";
import { cidrOverlaps, cidrToString, parseCidr, type Cidr } from "../../../net/addr.ts";
import { allocateSubnet, DEFAULT_SUBNET_POOL, isSubnetPoolError } from "../../../net/subnet_pool.ts";

/** Give up taking the registry lock after this long. */
export const REGISTRY_LOCK_TIMEOUT_MS = 5000;
/** Pause between attempts to take the lock. */
export const REGISTRY_LOCK_POLL_MS = 5;

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
    /** How long a claim waits for the lock (tests shorten it). */
    readonly lockTimeoutMs = REGISTRY_LOCK_TIMEOUT_MS,
  ) {}

  /** Claims `declared` (checked against other labs) or a pool block for lab/segment. */
  async claim(lab: string, segment: string, declared: string | undefined, pool = DEFAULT_SUBNET_POOL): Promise<Cidr | SubnetClaimError> {
    let out: Cidr | SubnetClaimError | undefined;
    const ok = await this.#update(`claim ${lab}/${segment}`, (entries) => {
      const others = entries.filter((e) => !(e.lab === lab && e.segment === segment));
      if (declared !== undefined) {
        const c = parseCidr(declared);
        if (!c || c.prefix > 30) {
          out = {
            code: "subnet_invalid",
            segment,
            message: `Cannot create segment "${segment}": subnet "${declared}" is not an IPv4 CIDR of /30 or wider`,
            hint: 'write it like "10.50.0.0/24"',
          };
          return entries;
        }
        const clash = others.find((e) => {
          const u = parseCidr(e.subnet);
          return u !== undefined && cidrOverlaps(u, c);
        });
        if (clash) {
          out = {
            code: "subnet_in_use",
            segment,
            message: `Cannot create segment "${segment}": subnet ${declared} overlaps ${clash.subnet} of lab ${clash.lab} (segment ${clash.segment})`,
            hint: "choose another subnet or stop the other lab",
          };
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
      return {
        code: "registry_locked",
        segment,
        message: `Cannot create segment "${segment}": the subnet registry ${this.path} stayed locked`,
        hint: "another vmlab daemon holds the lock; retry, or remove a stale .lock file",
      };
    }
    return out;
  }

  /** Removes every entry of `lab` held by this process. */
  async release(lab: string): Promise<void> {
    await this.#update(`release ${lab}`, (entries) => entries.filter((e) => !(e.lab === lab && e.pid === this.pid)));
  }

  /** Live entries (dead daemons pruned), for status and tests. */
  entries(): RegistryEntry[] {
    return readRegistry(this.path).filter((e) => pidAlive(e.pid));
  }

  /** Read-modify-write under the lock; false if the lock could not be taken or the write failed. */
  async #update(purpose: string, update: (entries: RegistryEntry[]) => RegistryEntry[]): Promise<boolean> {
    let lock: FileLock;
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      lock = await FileLock.acquire(`${this.path}.lock`, `subnet registry: ${purpose}`, { timeoutMs: this.lockTimeoutMs, pollMs: REGISTRY_LOCK_POLL_MS });
    } catch {
      return false;
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
      lock.release();
    }
  }
}

function readRegistry(path: string): RegistryEntry[] {
  try {
    const j = JSON.parse(readFileSync(path, "utf8")) as { entries?: unknown };
    if (!Array.isArray(j.entries)) return [];
    return j.entries.filter(
      (e): e is RegistryEntry =>
        typeof e === "object" &&
        e !== null &&
        typeof e.lab === "string" &&
        typeof e.segment === "string" &&
        typeof e.subnet === "string" &&
        typeof e.pid === "number",
    );
  } catch {
    return [];
  }
}
