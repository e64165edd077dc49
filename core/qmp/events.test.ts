import { describe, expect, test } from "bun:test";
import { EVENT_QUEUE_LIMIT, EventHub } from "./events.ts";
import type { QmpEvent } from "./messages.ts";

const ev = (event: string, n = 0): QmpEvent => ({ event, data: { n }, timestamp: { seconds: n, microseconds: 0 } });

describe("EventHub", () => {
  test("a stream buffers events until read and finishes after end()", async () => {
    const hub = new EventHub();
    const s = hub.stream();
    hub.emit(ev("STOP"));
    hub.emit(ev("RESUME"));
    hub.end();
    const names: string[] = [];
    for await (const e of s) names.push(e.event);
    expect(names).toEqual(["STOP", "RESUME"]);
  });

  test("a slow stream drops the oldest events beyond the limit and counts them", async () => {
    const hub = new EventHub();
    const s = hub.stream();
    for (let i = 0; i < EVENT_QUEUE_LIMIT + 5; i++) hub.emit(ev("X", i));
    expect(s.dropped).toBe(5);
    expect((await s.next()).value?.data).toEqual({ n: 5 });
  });

  test("breaking out of for-await unsubscribes the stream", async () => {
    const hub = new EventHub();
    const s = hub.stream();
    hub.emit(ev("A"));
    for await (const _ of s) break;
    hub.emit(ev("B"));
    expect(await s.next()).toEqual({ done: true, value: undefined });
  });

  test("a throwing listener does not stop delivery to others", () => {
    const hub = new EventHub();
    const got: string[] = [];
    hub.on("*", () => {
      throw new Error("boom");
    });
    const off = hub.on("STOP", (e) => got.push(e.event));
    hub.emit(ev("STOP"));
    off();
    hub.emit(ev("STOP"));
    expect(got).toEqual(["STOP"]);
  });
});
