/**
 * Screen automation against the real tiny guest (TCG): PNG screenshots through QMP,
 * OCR of the VGA console banner, template matching of a crop of a real screenshot, and
 * a timeout that explains itself. One guest for the whole file.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { machineControls, type MachineControls } from "../../core/machine/controls.ts";
import { ScreenError } from "../../core/machine/errors.ts";
import { Machine } from "../../core/machine/machine.ts";
import { tinyGuest, tinyTemplatePath, type TinyGuest } from "../../core/machine/testing/tiny_guest.ts";
import { cropRgb, decodeImage } from "../../core/vision/mod.ts";
import { syntheticScreen } from "../../core/vision/testing/synth.ts";

const BOOT_TIMEOUT_MS = 240_000;
let guest: TinyGuest;
let machine: Machine;
let ctl: MachineControls;
let shots: string;

beforeAll(async () => {
  guest = tinyGuest(await tinyTemplatePath(), { name: "screen" });
  machine = await Machine.start(guest.spec);
  await machine.waitForAgent(BOOT_TIMEOUT_MS);
  shots = join(guest.dir, "screenshots");
  ctl = machineControls(machine, { screenshotDir: shots });
}, BOOT_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await machine?.stop();
  guest?.cleanup();
});

describe("screen of the tiny guest", () => {
  test("screenshot() returns a PNG of the 720×400 VGA text console", async () => {
    const png = await ctl.screen.screenshot();
    expect(Buffer.from(png.subarray(1, 4)).toString()).toBe("PNG");
    const img = decodeImage(png, "screenshot");
    expect(img.ok && [img.value.width, img.value.height]).toEqual([720, 400]);
  });

  test("waitForText finds the banner the guest prints on tty1, with its place on screen", async () => {
    const m = await ctl.screen.waitForText("vmlab tiny linux", { timeoutMs: 120_000 });
    expect(m.text).toBe("vmlab tiny linux");
    expect(m.score).toBeGreaterThan(0.5);
    expect(m.w).toBeGreaterThan(50);
    expect(m.x + m.w).toBeLessThanOrEqual(720);
    expect(m.y + m.h).toBeLessThanOrEqual(400);
    expect(await ctl.screen.ocr({ x: 0, y: Math.max(0, m.y - 8), w: 720, h: m.h + 16 })).toContain("tiny");
  }, 150_000);

  test("findImage locates a crop of an earlier screenshot at its coordinates and rejects an unrelated image", async () => {
    const banner = await ctl.screen.waitForText("vmlab tiny linux", { timeoutMs: 60_000 });
    const frame = await ctl.screen.capture();
    const region = { x: Math.max(0, banner.x - 4), y: Math.max(0, banner.y - 4), w: banner.w + 8, h: banner.h + 8 };
    const crop = { name: "banner-crop", image: cropRgb(frame, region) };
    const hit = await ctl.screen.findImage(crop);
    expect(hit).toMatchObject({ x: region.x, y: region.y, w: region.w, h: region.h });
    expect(hit?.score).toBeGreaterThanOrEqual(0.99);
    expect(await ctl.screen.waitForImage(crop, { timeoutMs: 30_000 })).toMatchObject({ x: region.x, y: region.y });
    const unrelated = { name: "unrelated", image: cropRgb(syntheticScreen(320, 200, 42), { x: 40, y: 40, w: region.w, h: region.h }) };
    expect(await ctl.screen.findImage(unrelated)).toBeUndefined();
  }, 120_000);

  test("a text wait that times out names the last OCR text and saves the screen it saw", async () => {
    const err = (await ctl.screen.waitForText("no such text on screen", { timeoutMs: 2_000 }).catch((e: unknown) => e)) as ScreenError;
    expect(err).toBeInstanceOf(ScreenError);
    const d = err.detail;
    if (d.code !== "screen.timeout") throw new Error(`unexpected ${d.code}: ${err.message}`);
    expect(d.lastText).toContain("tiny");
    expect(d.screenshot).toBeDefined();
    expect(existsSync(d.screenshot as string)).toBe(true);
    expect(err.message).toContain("last OCR text");
  }, 120_000);

  test("saveScreenshot() auto-names PNG files in the screenshot folder", async () => {
    const path = await ctl.screen.saveScreenshot();
    expect(path.startsWith(join(shots, "screen-"))).toBe(true);
    expect(readdirSync(shots)).toContain(path.slice(shots.length + 1));
  });
});
