import { afterEach, describe, expect, test } from "bun:test";
import { QmpClient } from "./client.ts";
import { QmpError } from "./errors.ts";
import { click } from "./input.ts";
import { FakeQmpServer } from "./testing/fake_qmp_server.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function connected() {
  const server = await FakeQmpServer.start();
  cleanups.push(() => server.stop());
  const qmp = await QmpClient.connect(server.path);
  cleanups.push(() => qmp.close());
  return { server, qmp };
}

describe("typed QMP helpers", () => {
  test("sendKey sends qcode key values and the hold time", async () => {
    const { server, qmp } = await connected();
    server.handle("send-key", () => ({ return: {} }));
    await qmp.sendKey(["ctrl", "alt", "delete"], { holdTimeMs: 50 });
    expect(server.received.at(-1)?.arguments).toEqual({
      keys: [
        { type: "qcode", data: "ctrl" },
        { type: "qcode", data: "alt" },
        { type: "qcode", data: "delete" },
      ],
      "hold-time": 50,
    });
  });

  test("screendump passes filename, format and optional device", async () => {
    const { server, qmp } = await connected();
    server.handle("screendump", () => ({ return: {} }));
    await qmp.screendump("/tmp/s.png", { format: "png" });
    expect(server.received.at(-1)?.arguments).toEqual({ filename: "/tmp/s.png", format: "png" });
  });

  test("inputSendEvent passes the events and the device", async () => {
    const { server, qmp } = await connected();
    server.handle("input-send-event", () => ({ return: {} }));
    await qmp.inputSendEvent(click("right"), { device: "tablet0" });
    expect(server.received.at(-1)?.arguments).toEqual({
      events: [
        { type: "btn", data: { down: true, button: "right" } },
        { type: "btn", data: { down: false, button: "right" } },
      ],
      device: "tablet0",
    });
  });

  test("a reply of the wrong shape is an unexpected_reply error", async () => {
    const { server, qmp } = await connected();
    server.handle("query-status", () => ({ return: { running: "yes" } }));
    const err = await qmp.queryStatus().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmpError);
    expect((err as QmpError).detail).toMatchObject({ code: "qmp.unexpected_reply", command: "query-status" });
  });

  test("systemPowerdown and systemReset emit their events", async () => {
    const { qmp } = await connected();
    const seen: string[] = [];
    qmp.on("*", (e) => seen.push(e.event));
    const reset = qmp.waitForEvent("RESET", { timeoutMs: 5_000 });
    await qmp.systemPowerdown();
    await qmp.systemReset();
    expect((await reset).data.reason).toBe("host-qmp-system-reset");
    expect(seen).toEqual(["POWERDOWN", "RESET"]);
  });
});
