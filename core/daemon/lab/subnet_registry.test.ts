import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { cidrToString, type Cidr } from "../../../net/mod.ts";
import { FileLock } from "../../store/lock.ts";
import { SubnetRegistry, type SubnetClaimError } from "./subnet_registry.ts";

const base = mkdtempSync(join(tmpdir(), "vmlab-subnets-test-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(base, String(n++), "subnets.json");
const subnet = (r: Cidr | SubnetClaimError) => ("code" in r ? r.code : cidrToString(r));

describe("SubnetRegistry", () => {
  test("claims allocate distinct pool blocks, a declared overlap is refused, release frees the lab's entries", async () => {
    const path = freshPath();
    const a = new SubnetRegistry(path, process.pid);
    const first = subnet(await a.claim("lab1", "lan", undefined));
    const second = subnet(await a.claim("lab2", "lan", undefined));
    expect(first).not.toBe(second);
    const clash = await a.claim("lab3", "lan", first);
    expect("code" in clash && clash.code).toBe("subnet_in_use");
    expect("code" in clash && clash.message).toContain("lab1");
    await a.release("lab1");
    expect(a.entries().map((e) => e.lab)).toEqual(["lab2"]);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  test("concurrent claims from one process each get their own subnet (the lock serialises them)", async () => {
    const reg = new SubnetRegistry(freshPath(), process.pid);
    const got = await Promise.all(Array.from({ length: 8 }, (_, i) => reg.claim(`lab${i}`, "lan", undefined)));
    const names = got.map(subnet);
    expect(new Set(names).size).toBe(8);
    expect(reg.entries()).toHaveLength(8);
  });

  test("a slow live holder's lock is not broken: the claim answers registry_locked and the daemon keeps running timers meanwhile", async () => {
    const path = freshPath();
    const reg = new SubnetRegistry(path, process.pid, 300);
    await reg.claim("warm", "lan", undefined);
    const held = await FileLock.acquire(`${path}.lock`, "another daemon");
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      const r = await reg.claim("lab", "lan", undefined);
      expect("code" in r && r.code).toBe("registry_locked");
      expect(ticks).toBeGreaterThan(5);
      expect(JSON.parse(readFileSync(`${path}.lock`, "utf8")).token).toBe(held.record.token);
    } finally {
      clearInterval(timer);
      held.release();
    }
  });

  test("a lock left by a dead daemon is broken and the claim goes through", async () => {
    const path = freshPath();
    const reg = new SubnetRegistry(path, process.pid, 1000);
    await reg.claim("warm", "lan", undefined);
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), acquired: Date.now(), token: "gone", purpose: "crashed daemon" }));
    const r = await reg.claim("lab", "lan", undefined);
    expect("code" in r).toBe(false);
  });

  test("entries of dead daemons are dropped on the next claim", async () => {
    const path = freshPath();
    const reg = new SubnetRegistry(path, process.pid);
    await reg.claim("live", "lan", "10.77.0.0/24");
    const dead = new SubnetRegistry(path, 2 ** 22 + 54321);
    // A dead pid's entry is written by hand: the registry only ever writes its own pid.
    const j = JSON.parse(readFileSync(path, "utf8"));
    j.entries.push({ lab: "ghost", segment: "lan", subnet: "10.78.0.0/24", pid: dead.pid });
    writeFileSync(path, JSON.stringify(j));
    const r = await reg.claim("new", "lan", "10.78.0.0/24");
    expect(subnet(r)).toBe("10.78.0.0/24");
    expect(
      reg
        .entries()
        .map((e) => e.lab)
        .sort(),
    ).toEqual(["live", "new"]);
  });
});
