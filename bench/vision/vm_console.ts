/**
 * A genuine VM console screenshot for bench/vision: boots the tiny test guest (TCG is
 * fine), waits for its banner on the VGA text console, types a few harmless commands on
 * tty1 so the screen holds real console text (prompt, `ls` columns, `uname` output), and
 * saves the QMP `screendump` as PNG at the console's native size (720×400).
 *
 * The PNG is cached under `<cache>/vm-console-<key>.png`, keyed by the template's path,
 * size and mtime and the command list, so reruns skip the boot. Without a template
 * (`$VMLAB_TINY_TEMPLATE` unset and none in the cache) or on any failure this returns a
 * note instead of throwing: the bench goes on without the case.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { machineControls } from "../../core/machine/controls.ts";
import { Machine } from "../../core/machine/machine.ts";
import { tinyGuest } from "../../core/machine/testing/tiny_guest.ts";

/** Longest wait for the guest agent and then for the banner (TCG on a loaded host). */
const BOOT_TIMEOUT_MS = 240_000;
/** Lines typed on tty1; each ends with Enter. Kept read-only. */
const COMMANDS = ["uname -a", "ls -l /", "ls /bin /etc", "cat /proc/cmdline", "df -h"];
/** Pause after typing, so the last command's output has reached the framebuffer. */
const SETTLE_MS = 2_000;

export type ConsoleShot = { kind: "ok"; path: string; cached: boolean } | { kind: "absent"; note: string };

/** The tiny template: `$VMLAB_TINY_TEMPLATE`, else the newest build in the cache, else none. */
function templatePath(): string | undefined {
  const env = process.env.VMLAB_TINY_TEMPLATE;
  if (env) return existsSync(env) ? env : undefined;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  const root = join(base, "vmlab", "tiny-template");
  if (!existsSync(root)) return undefined;
  const found = readdirSync(root)
    .map((d) => join(root, d, "tiny-linux.qcow2"))
    .filter((p) => existsSync(p))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return found[0];
}

/** Returns the cached console PNG, booting the guest to take it on a cache miss. */
export async function vmConsoleShot(cache: string): Promise<ConsoleShot> {
  const template = templatePath();
  if (template === undefined) return { kind: "absent", note: "no tiny template (set VMLAB_TINY_TEMPLATE or run `npm run tiny-template`)" };
  const st = statSync(template);
  const key = createHash("sha256")
    .update(`${template}\n${st.size}\n${st.mtimeMs}\n${COMMANDS.join("\n")}`)
    .digest("hex")
    .slice(0, 16);
  const path = join(cache, `vm-console-${key}.png`);
  if (existsSync(path)) return { kind: "ok", path, cached: true };
  mkdirSync(cache, { recursive: true });
  const guest = tinyGuest(template, { name: "bench-vision", quietAccel: true });
  let machine: Machine | undefined;
  try {
    machine = await Machine.start(guest.spec);
    await machine.waitForAgent(BOOT_TIMEOUT_MS);
    const ctl = machineControls(machine);
    await ctl.screen.waitForText("vmlab tiny linux", { timeoutMs: BOOT_TIMEOUT_MS });
    for (const c of COMMANDS) await ctl.keyboard.typeText(`${c}\n`);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const png = await ctl.screen.screenshot();
    writeFileSync(`${path}.tmp`, png);
    renameSync(`${path}.tmp`, path);
    return { kind: "ok", path, cached: false };
  } catch (err) {
    return { kind: "absent", note: `tiny guest console capture failed: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    await machine?.stop().catch(() => undefined);
    guest.cleanup();
  }
}
