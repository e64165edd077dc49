import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pingSocketsAllowed } from "./ping_socket.ts";

describe("ping sockets", () => {
  test("pingSocketsAllowed() reads net.ipv4.ping_group_range", () => {
    expect(pingSocketsAllowed("1\t0", 0)).toBe(false);
    expect(pingSocketsAllowed("0 2147483647", 1000)).toBe(true);
    expect(pingSocketsAllowed("100 200", 50)).toBe(false);
    expect(pingSocketsAllowed("garbage", 0)).toBe(false);
  });

  // Needs a network namespace where ping sockets can be switched on (root + unshare).
  const canUnshare = process.getuid?.() === 0 && spawnSync("unshare", ["-n", "true"]).status === 0;
  test.skipIf(!canUnshare)("a real ping socket echoes off loopback inside a namespace that allows them", () => {
    const dir = mkdtempSync(join(tmpdir(), "vping-"));
    try {
      const script = join(dir, "ping.ts");
      writeFileSync(
        script,
        `
        import { pingSocketFactory } from ${JSON.stringify(join(import.meta.dir, "ping_socket.ts"))};
        import { systemClock } from ${JSON.stringify(join(import.meta.dir, "..", "core", "clock", "mod.ts"))};
        const f = await pingSocketFactory(systemClock());
        if (!("factory" in f)) { console.log("unavailable", f.reason); process.exit(1); }
        const got = new Promise((resolve) => {
          const s = f.factory((r) => { s?.close(); resolve(r); });
          s?.send(0x7f000001, 9, Uint8Array.of(7, 7, 7));
        });
        const r = await Promise.race([got, Bun.sleep(5000).then(() => undefined)]);
        console.log(JSON.stringify(r === undefined ? null : { src: r.src, seq: r.seq, data: [...r.data] }));
        process.exit(0);
      `,
      );
      const r = spawnSync(
        "unshare",
        ["-n", "sh", "-c", `ip link set lo up && sysctl -qw net.ipv4.ping_group_range="0 0" && exec "${process.execPath}" "${script}"`],
        { encoding: "utf8", timeout: 30_000 },
      );
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout.trim())).toEqual({ src: 0x7f000001, seq: 9, data: [7, 7, 7] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
