import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { StoreError } from "./errors.ts";
import { CodedError } from "../errors/mod.ts";
import { BREAK_SUFFIX, FileLock, LOCK_FILE, LOCK_STALE_AGE_MS, StoreLock } from "./lock.ts";

const base = mkdtempSync(join(tmpdir(), "vmlab-lock-test-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const freshRoot = () => {
  const d = join(base, String(n++));
  mkdirSync(d);
  return d;
};

/** A manual clock: `sleep` advances it instead of waiting. */
function manualClock(onSleep: () => void = () => {}) {
  let t = 1_000_000;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
      onSleep();
    },
  };
}

describe("StoreLock", () => {
  test("acquire creates the lock file with our pid and release removes it", async () => {
    const root = freshRoot();
    const lock = await StoreLock.acquire(root, "test");
    const rec = JSON.parse(readFileSync(join(root, LOCK_FILE), "utf8"));
    expect(rec).toMatchObject({ pid: process.pid, purpose: "test" });
    lock.release();
    expect(existsSync(join(root, LOCK_FILE))).toBe(false);
  });

  test("a second writer waits until the first releases", async () => {
    const root = freshRoot();
    const first = await StoreLock.acquire(root, "first");
    let sleeps = 0;
    const clock = manualClock(() => {
      sleeps++;
      if (sleeps === 3) first.release();
    });
    const second = await StoreLock.acquire(root, "second", clock);
    expect(sleeps).toBe(3);
    expect(second.record.purpose).toBe("second");
    second.release();
  });

  test("waiting too long fails with store.lock_timeout naming the holder", async () => {
    const root = freshRoot();
    const first = await StoreLock.acquire(root, "import x86_64/a@1");
    let err: unknown;
    try {
      await StoreLock.acquire(root, "other", { ...manualClock(), timeoutMs: 1000 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe("store.lock_timeout");
    expect((err as StoreError).message).toContain(`process ${process.pid} (import x86_64/a@1)`);
    first.release();
  });

  test("a lock left by a dead process is broken", async () => {
    const root = freshRoot();
    const dead = Bun.spawnSync(["true"]).pid;
    writeFileSync(join(root, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), acquired: Date.now(), token: "old", purpose: "crashed" }));
    const lock = await StoreLock.acquire(root, "new", { timeoutMs: 0 });
    expect(lock.record.purpose).toBe("new");
    lock.release();
  });

  test("an unreadable lock file is broken", async () => {
    const root = freshRoot();
    writeFileSync(join(root, LOCK_FILE), "garbage");
    const lock = await StoreLock.acquire(root, "new", { timeoutMs: 0 });
    lock.release();
    expect(existsSync(join(root, LOCK_FILE))).toBe(false);
  });

  test("a lock file of the wrong shape (JSON, but no pid) is judged stale and broken", async () => {
    const root = freshRoot();
    writeFileSync(join(root, LOCK_FILE), JSON.stringify({ pid: "1", host: hostname(), acquired: Date.now(), token: "x" }));
    const lock = await StoreLock.acquire(root, "new", { timeoutMs: 0 });
    expect(lock.record.purpose).toBe("new");
    lock.release();
  });

  test("a very old lock is broken even if its pid is alive (pid reuse)", async () => {
    const root = freshRoot();
    const clock = manualClock();
    writeFileSync(
      join(root, LOCK_FILE),
      JSON.stringify({ pid: process.pid, host: hostname(), acquired: clock.now() - LOCK_STALE_AGE_MS - 1, token: "old", purpose: "ancient" }),
    );
    const lock = await StoreLock.acquire(root, "new", { ...clock, timeoutMs: 0 });
    expect(lock.record.purpose).toBe("new");
    lock.release();
  });

  test("release leaves a lock that is no longer ours alone", async () => {
    const root = freshRoot();
    const lock = await StoreLock.acquire(root, "mine");
    const other = JSON.stringify({ pid: process.pid, host: hostname(), acquired: Date.now(), token: "theirs", purpose: "x" });
    writeFileSync(join(root, LOCK_FILE), other);
    lock.release();
    expect(readFileSync(join(root, LOCK_FILE), "utf8")).toBe(other);
  });
});

describe("FileLock on any path", () => {
  test("a held lock is not broken however long its live holder takes; the waiter times out with lock.timeout naming it", async () => {
    const path = join(freshRoot(), "registry.json.lock");
    const held = await FileLock.acquire(path, "slow holder");
    // Nine minutes of polling (short of LOCK_STALE_AGE_MS): the holder's pid is alive, so it stays.
    const clock = manualClock();
    const err = await FileLock.acquire(path, "waiter", { ...clock, timeoutMs: 9 * 60_000, pollMs: 1000 }).catch((e) => e);
    expect(err).toBeInstanceOf(CodedError);
    expect(err.code).toBe("lock.timeout");
    expect(err.message).toContain("slow holder");
    expect(err.subject).toBe(path);
    expect(JSON.parse(readFileSync(path, "utf8")).token).toBe(held.record.token);
    held.release();
    expect(existsSync(path)).toBe(false);
  });

  test("the lock of a dead process is broken with its breaker file beside the lock, which is gone afterwards", async () => {
    const path = join(freshRoot(), "x.lock");
    writeFileSync(path, JSON.stringify({ pid: 999_999_999, host: hostname(), acquired: Date.now(), token: "dead", purpose: "crashed" }));
    const lock = await FileLock.acquire(path, "next", { isAlive: () => false, timeoutMs: 1000 });
    expect(JSON.parse(readFileSync(path, "utf8")).purpose).toBe("next");
    expect(existsSync(`${path}${BREAK_SUFFIX}`)).toBe(false);
    lock.release();
  });

  test("waiting yields to the event loop: a timer fires while the lock is busy", async () => {
    const path = join(freshRoot(), "y.lock");
    const held = await FileLock.acquire(path, "holder");
    let ticked = false;
    setTimeout(() => {
      ticked = true;
      held.release();
    }, 30);
    const lock = await FileLock.acquire(path, "waiter", { timeoutMs: 5000, pollMs: 5 });
    expect(ticked).toBe(true);
    lock.release();
  });
});
