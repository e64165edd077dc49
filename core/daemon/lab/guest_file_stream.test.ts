import { afterEach, describe, expect, test } from "bun:test";
import { QgaClient } from "../../qga/client.ts";
import { FakeAgent } from "../../qga/testing/fake_agent.ts";
import { guestFileBody } from "./guest_file_stream.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const agent = await FakeAgent.start();
  cleanups.push(() => agent.stop());
  const qga = await QgaClient.connect(agent.path);
  cleanups.push(() => qga.close());
  agent.endless.add("/dev/zero");
  return { agent, qga };
}
const reads = (agent: FakeAgent) => agent.received.filter((c) => c.execute === "guest-file-read").length;
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5));
};

describe("guestFileBody()", () => {
  test("a reader that stops taking bytes stops the guest reads (bounded buffering)", async () => {
    const { agent, qga } = await setup();
    const body = await guestFileBody(qga.readFileChunks("/dev/zero"));
    const reader = body.getReader();
    for (let i = 0; i < 3; i++) await reader.read();
    await settle();
    const before = reads(agent);
    await settle();
    expect(reads(agent)).toBe(before);
    expect(before).toBeLessThanOrEqual(5);
    await reader.cancel();
  });

  test("cancelling the body closes the guest file handle and no read follows", async () => {
    const { agent, qga } = await setup();
    const body = await guestFileBody(qga.readFileChunks("/dev/zero"));
    const reader = body.getReader();
    await reader.read();
    await reader.cancel();
    await agent.waitForCommand("guest-file-close");
    const after = reads(agent);
    await settle();
    expect(reads(agent)).toBe(after);
    expect(agent.openHandles).toBe(0);
  });

  test("the client going away (request signal aborts) closes the guest file handle", async () => {
    const { agent, qga } = await setup();
    const ac = new AbortController();
    const body = await guestFileBody(qga.readFileChunks("/dev/zero"), ac.signal);
    await body.getReader().read();
    ac.abort();
    await agent.waitForCommand("guest-file-close");
    expect(agent.openHandles).toBe(0);
  });

  test("a file that cannot be opened fails before any byte is sent", async () => {
    const { qga } = await setup();
    await expect(guestFileBody(qga.readFileChunks("/nope"))).rejects.toThrow();
  });

  test("a small file arrives whole, and an empty one as an empty body", async () => {
    const { agent, qga } = await setup();
    agent.files.set("/f", new Uint8Array(3_000_000).fill(7));
    agent.files.set("/e", new Uint8Array(0));
    const got = new Uint8Array(await new Response(await guestFileBody(qga.readFileChunks("/f"))).arrayBuffer());
    expect(got.length).toBe(3_000_000);
    expect(got.every((b) => b === 7)).toBe(true);
    expect((await new Response(await guestFileBody(qga.readFileChunks("/e"))).arrayBuffer()).byteLength).toBe(0);
    expect(agent.openHandles).toBe(0);
  });
});
