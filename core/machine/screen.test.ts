import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cropRgb, decodeImage, encodePng, newRgb, type RgbImage } from "../vision/mod.ts";
import { syntheticScreen } from "../vision/testing/synth.ts";
import { ScreenError } from "./errors.ts";
import { Screen } from "./screen.ts";
import { FrameSequence, ScriptedOcr } from "./testing/fake_screen.ts";
import { InstantClock } from "./testing/instant_clock.ts";

const dir = mkdtempSync(join(tmpdir(), "vmlab-screen-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const desktop = syntheticScreen(640, 480, 7);
const blank = newRgb(640, 480);
const icon = { name: "icon", image: cropRgb(desktop, { x: 200, y: 120, w: 64, h: 40 }) };

function screen(frames: RgbImage[], opts: { texts?: string[]; shots?: string } = {}) {
  const source = new FrameSequence(frames);
  const clock = new InstantClock();
  const s = new Screen("win", {
    source,
    clock,
    imageRoot: dir,
    ocrEngine: new ScriptedOcr(opts.texts ?? [""]),
    ...(opts.shots === undefined ? {} : { screenshotDir: opts.shots }),
  });
  return { s, source, clock };
}

describe("Screen.findImage()", () => {
  test("finds a crop of the screen at its place with a perfect score", async () => {
    const { s } = screen([desktop]);
    expect(await s.findImage(icon)).toEqual({ x: 200, y: 120, w: 64, h: 40, cx: 232, cy: 140, score: expect.closeTo(1, 6), text: "" });
  });

  test("returns undefined when the image is not there", async () => {
    const { s } = screen([blank]);
    expect(await s.findImage(icon)).toBeUndefined();
  });

  test("loads a reference image file relative to the image root", async () => {
    writeFileSync(join(dir, "icon.png"), encodePng(icon.image));
    const { s } = screen([desktop]);
    expect(await s.findImage("icon.png", { region: { x: 150, y: 100, w: 200, h: 100 } })).toMatchObject({ x: 200, y: 120 });
  });

  test("a missing file and a bad region are screen.vision errors naming the thing", async () => {
    const { s } = screen([desktop]);
    const missing = (await s.findImage("nope.png").catch((e: unknown) => e)) as ScreenError;
    expect(missing.detail).toMatchObject({ code: "screen.vision", error: { code: "vision.read_failed", source: join(dir, "nope.png") } });
    const region = (await s.findImage(icon, { region: { x: 600, y: 0, w: 100, h: 100 } }).catch((e: unknown) => e)) as ScreenError;
    expect(region.detail).toMatchObject({ code: "screen.vision", error: { code: "vision.bad_region" } });
  });

  test("a threshold outside (0, 1] is rejected", async () => {
    const { s } = screen([desktop]);
    expect(((await s.findImage(icon, { threshold: 1.5 }).catch((e: unknown) => e)) as ScreenError).detail).toMatchObject({
      code: "screen.bad_option",
      option: "threshold",
    });
  });
});

describe("Screen.waitForImage() / waitForAny()", () => {
  test("polls until the image appears", async () => {
    const { s, source } = screen([blank, blank, desktop]);
    expect(await s.waitForImage(icon, { timeoutMs: 10_000 })).toMatchObject({ x: 200, y: 120 });
    expect(source.taken).toBe(3);
  });

  test("waitForAny says which image appeared", async () => {
    const other = { name: "other", image: cropRgb(syntheticScreen(640, 480, 99), { x: 10, y: 10, w: 64, h: 40 }) };
    const { s } = screen([blank, desktop]);
    expect(await s.waitForAny([other, icon], { timeoutMs: 10_000 })).toMatchObject({ index: 1, x: 200, y: 120 });
  });

  test("a timeout reports the best score seen and saves the last screen", async () => {
    const shots = join(dir, "shots");
    const { s } = screen([blank], { shots });
    const err = (await s.waitForImage(icon, { timeoutMs: 3_000 }).catch((e: unknown) => e)) as ScreenError;
    expect(err).toBeInstanceOf(ScreenError);
    const d = err.detail;
    if (d.code !== "screen.timeout") throw new Error(`unexpected ${d.code}`);
    expect(d).toMatchObject({ kind: "image", target: "icon", timeoutMs: 3_000 });
    expect(d.polls).toBeGreaterThan(1);
    expect(d.best).toBeDefined();
    expect(d.screenshot).toStartWith(join(shots, "win-timeout-"));
    const saved = decodeImage(readFileSync(d.screenshot as string), "saved");
    expect(saved.ok && saved.value.width).toBe(640);
    expect(err.message).toMatch(
      /^timed out after 3 s waiting for image icon on VM win \(\d+ screens; best score -?\d\.\d{3} at \(\d+, \d+\); screenshot: .*\.png\)$/,
    );
  });
});

describe("Screen OCR", () => {
  test("waitForText polls OCR until the pattern matches", async () => {
    const { s } = screen([desktop], { texts: ["booting", "booting", "tiny login: _"] });
    expect(await s.waitForText("log[i1]n:", { timeoutMs: 10_000 })).toMatchObject({ text: "login:", score: 1 });
  });

  test("a text timeout carries the last OCR text", async () => {
    const { s } = screen([desktop], { texts: ["Loading kernel ..."] });
    const err = (await s.waitForText("login:", { timeoutMs: 2_000 }).catch((e: unknown) => e)) as ScreenError;
    expect(err.detail).toMatchObject({ code: "screen.timeout", kind: "text", lastText: "Loading kernel ..." });
    expect(err.message).toContain('last OCR text: "Loading kernel ..."');
  });

  test("a bad pattern fails at once", async () => {
    const { s, source } = screen([desktop]);
    expect(((await s.waitForText("(", { timeoutMs: 1_000 }).catch((e: unknown) => e)) as ScreenError).code).toBe("screen.bad_pattern");
    expect(source.taken).toBe(0);
  });

  test("ocr returns the engine's text", async () => {
    const { s } = screen([desktop], { texts: ["hello"] });
    expect(await s.ocr({ x: 0, y: 0, w: 100, h: 50 })).toBe("hello");
  });
});

describe("Screen screenshots", () => {
  test("saveScreenshot auto-names under the screenshot folder, or writes the given path", async () => {
    const shots = join(dir, "auto");
    const { s } = screen([desktop], { shots });
    const auto = await s.saveScreenshot();
    expect(auto).toStartWith(join(shots, "win-"));
    expect(existsSync(auto)).toBe(true);
    const given = await s.saveScreenshot(join(dir, "given", "x.png"));
    expect(readFileSync(given).subarray(1, 4).toString()).toBe("PNG");
  });

  test("auto-naming without a folder is screen.save_failed", async () => {
    const { s } = screen([desktop]);
    expect(((await s.saveScreenshot().catch((e: unknown) => e)) as ScreenError).code).toBe("screen.save_failed");
  });
});
