import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QmpError } from "../qmp/errors.ts";
import { encodePng, encodePpm, newRgb } from "../vision/mod.ts";
import { ScreenError } from "./errors.ts";
import { QmpScreenSource } from "./screen_source.ts";
import { RecordingQmp } from "./testing/recording_qmp.ts";

const dir = mkdtempSync(join(tmpdir(), "vmlab-screendump-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const img = newRgb(4, 3);
img.data[0] = 255;

/** A QMP fake that writes the picture the way QEMU does; `png` false = a QEMU without PNG. */
function qemu(png: boolean) {
  return new RecordingQmp().handle("screendump", (a) => {
    const file = a?.["filename"] as string;
    if (a?.["format"] === "png") {
      if (!png)
        throw new QmpError({
          code: "qmp.command_failed",
          path: "-",
          command: "screendump",
          errorClass: "GenericError",
          desc: "Enable PNG support with libpng for screendump",
          hint: "",
        });
      writeFileSync(file, encodePng(img));
    } else writeFileSync(file, encodePpm(img));
    return {};
  });
}

describe("QmpScreenSource", () => {
  test("frame() reads a PPM screendump and removes the scratch file", async () => {
    const q = qemu(true);
    const f = await new QmpScreenSource(q, "vm", dir).frame();
    expect([f.width, f.height, f.data[0]]).toEqual([4, 3, 255]);
    expect(q.named("screendump")[0]?.args).toMatchObject({ format: "ppm" });
    expect(readdirSync(dir)).toEqual([]);
  });

  test("png() asks QEMU for PNG when it can", async () => {
    const q = qemu(true);
    const s = new QmpScreenSource(q, "vm", dir);
    const png = await s.png();
    expect(Buffer.from(png.subarray(1, 4)).toString()).toBe("PNG");
    expect(s.pngSupported).toBe(true);
  });

  test("png() falls back to PPM + our encoder once, then goes straight to PPM", async () => {
    const q = qemu(false);
    const s = new QmpScreenSource(q, "vm", dir);
    expect(Buffer.from((await s.png()).subarray(1, 4)).toString()).toBe("PNG");
    await s.png();
    expect(s.pngSupported).toBe(false);
    expect(q.named("screendump").map((c) => c.args?.["format"])).toEqual(["png", "ppm", "ppm"]);
  });

  test("a failing screendump is screen.capture_failed with QEMU's words", async () => {
    const q = new RecordingQmp().fail("screendump", "no surface");
    const err = (await new QmpScreenSource(q, "vm", dir).frame().catch((e: unknown) => e)) as ScreenError;
    expect(err).toBeInstanceOf(ScreenError);
    expect(err.message).toContain("cannot capture the screen of VM vm:");
    expect(err.message).toContain("no surface");
    expect(readdirSync(dir)).toEqual([]);
  });
});
