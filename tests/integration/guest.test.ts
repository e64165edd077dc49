/**
 * The QEMU core against a real guest: the tiny template under TCG (or KVM
 * where the probe allows). One guest boots for the whole file; the last test
 * powers it off through ACPI.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Machine } from "../../core/machine/machine.ts";
import { tinyGuest, tinyTemplatePath, type TinyGuest } from "../../core/machine/testing/tiny_guest.ts";
import type { QgaClient } from "../../core/qga/mod.ts";

const BOOT_TIMEOUT_MS = 240_000;
let guest: TinyGuest;
let machine: Machine;
let agent: QgaClient;

beforeAll(async () => {
  guest = tinyGuest(await tinyTemplatePath(), { name: "itest" });
  machine = await Machine.start(guest.spec);
  agent = await machine.waitForAgent(BOOT_TIMEOUT_MS);
}, BOOT_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await machine?.stop();
  guest?.cleanup();
});

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("tiny guest through the QEMU core", () => {
  test("the guest agent is ready and reports the tiny guest's OS", async () => {
    const os = await agent.osInfo();
    expect(os.id).toBe("vmlab-tiny");
    expect(os.kernelRelease).toContain("cloud-amd64");
  });

  test("exec captures stdout, stderr and a non-zero exit code", async () => {
    const r = await agent.exec("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], { timeoutMs: 30_000 });
    expect(r.exitCode).toBe(3);
    expect(text(r.stdout)).toBe("out\n");
    expect(text(r.stderr)).toBe("err\n");
  });

  test("a 5 MiB random file goes in and comes back out sha256-identical", async () => {
    const data = new Uint8Array(randomBytes(5 * 2 ** 20));
    await agent.writeFile("/tmp/blob", data);
    const r = await agent.exec("/bin/sha256sum", ["/tmp/blob"], { timeoutMs: 60_000 });
    expect(text(r.stdout).split(" ")[0]).toBe(sha(data));
    const back = await agent.readFile("/tmp/blob");
    expect(back.length).toBe(data.length);
    expect(sha(back)).toBe(sha(data));
  }, 180_000);

  test("the guest has network interfaces and DHCP tooling running", async () => {
    const ifs = await agent.networkInterfaces();
    expect(ifs.map((i) => i.name)).toContain("lo");
  });

  test("screendump writes an image of the VGA text console's size", async () => {
    const file = join(guest.dir, "screen.ppm");
    await machine.qmp.execute("screendump", { filename: file });
    expect(existsSync(file)).toBe(true);
    const header = readFileSync(file).subarray(0, 32).toString("latin1").split(/\s+/);
    expect(header[0]).toBe("P6");
    expect([Number(header[1]), Number(header[2])]).toEqual([720, 400]);
  });

  test("send-key typing on tty1 reaches the guest", async () => {
    // echo typed42 >/tmp/typed  — '>' is shift+dot on a US layout.
    const keys: string[][] = [];
    for (const ch of "echo typed42 ") keys.push([ch === " " ? "spc" : ch]);
    keys.push(["shift", "dot"]);
    for (const ch of "/tmp/typed") keys.push([ch === "/" ? "slash" : ch]);
    keys.push(["ret"]);
    for (const chord of keys) {
      await machine.qmp.execute("send-key", { keys: chord.map((k) => ({ type: "qcode", data: k })) });
    }
    let content = "";
    for (let i = 0; i < 40 && !content; i++) {
      const r = await agent.exec("/bin/sh", ["-c", "cat /tmp/typed 2>/dev/null"], { timeoutMs: 10_000 });
      content = text(r.stdout);
      if (!content) await Bun.sleep(250);
    }
    expect(content).toBe("typed42\n");
  }, 60_000);

  test("system_powerdown powers the guest off and QEMU exits 0", async () => {
    const exit = await machine.powerdown(120_000);
    expect(exit).toEqual({ code: 0, signal: null });
  }, 150_000);
});
