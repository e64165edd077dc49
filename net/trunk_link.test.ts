import { afterEach, describe, expect, test } from "bun:test";
import { connect, createServer, type Server, type Socket } from "node:net";
import { ManualClock } from "../core/clock/testing/manual_clock.ts";
import { parseMac, BROADCAST_MAC } from "./addr.ts";
import { encodeEthernet, ETHERTYPE_IPV4 } from "./ethernet.ts";
import { encodeStreamFrame, FrameDecoder } from "./framing.ts";
import { Switch } from "./switch.ts";
import { MSG_DATA, TrunkSession } from "./trunk.ts";
import { startTrunkLink, type TrunkClose, type TrunkLink } from "./trunk_link.ts";

const PSK = new TextEncoder().encode("a long random pre-shared key for tests");
const mac = (n: number) => parseMac(`52:54:00:00:01:0${n}`) as Uint8Array;
const frame = (n: number) => encodeEthernet(BROADCAST_MAC, mac(1), ETHERTYPE_IPV4, new Uint8Array(46).fill(n));

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

const listen = (s: Server) => new Promise<number>((r) => s.listen(0, "127.0.0.1", () => r((s.address() as { port: number }).port)));
const dial = (port: number) =>
  new Promise<Socket>((r, j) => {
    const c = connect(port, "127.0.0.1", () => r(c));
    c.once("error", j);
  });
const until = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 400 && !ok(); i++) await Bun.sleep(10);
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
};

/** Two switches ("here" with a guest port, "there" with one), joined by a trunk through `through` (a port-forwarding proxy or none). */
async function rig(o: { dialerPsk?: Uint8Array; proxy?: (port: number) => Promise<number> } = {}) {
  const here = new Switch({ clock: new ManualClock() });
  const there = new Switch({ clock: new ManualClock() });
  const gotThere: Uint8Array[] = [];
  const guestHere = here.attach({ name: "a/0", send: () => {} });
  there.attach({ name: "b/0", send: (f) => gotThere.push(f) });
  there.attach({ name: "gateway", kind: "service", send: () => {} });
  const closes: { d?: TrunkClose; l?: TrunkClose } = {};
  let listenerLink: TrunkLink | undefined;
  const server = createServer((sock) => {
    listenerLink = startTrunkLink(
      sock,
      new TrunkSession({ role: "listener", psk: PSK, nodeId: new Uint8Array(16).fill(2), acceptSegment: (s) => s === "lan" }),
      { name: "trunk", switchFor: () => there, onClose: (w) => (closes.l = w) },
    );
  });
  const port = await listen(server);
  const target = o.proxy ? await o.proxy(port) : port;
  const sock = await dial(target);
  const dialerLink = startTrunkLink(sock, new TrunkSession({ role: "dialer", psk: o.dialerPsk ?? PSK, nodeId: new Uint8Array(16).fill(1), segment: "lan" }), {
    name: "trunk",
    switchFor: () => here,
    onClose: (w) => (closes.d = w),
  });
  cleanup.push(() => {
    dialerLink.close();
    listenerLink?.close();
    server.close();
  });
  return { here, there, guestHere, gotThere, closes, dialerLink, listener: () => listenerLink };
}

describe("trunk links over TCP", () => {
  test("frames from a guest on one switch reach the other switch; service ports stay local", async () => {
    const r = await rig();
    await until("the trunk", () => r.dialerLink.port !== undefined && r.listener()?.port !== undefined);
    r.guestHere.receive(frame(7));
    await until("the frame", () => r.gotThere.length === 1);
    expect(r.gotThere[0]).toEqual(frame(7));
    expect(r.there.ports.map((p) => p.name).sort()).toEqual(["b/0", "gateway", "trunk"]);
  });

  test("a wrong key is refused: both sides close with wrong_key", async () => {
    const r = await rig({ dialerPsk: new TextEncoder().encode("not the key") });
    await until("both sides to close", () => r.closes.d !== undefined && r.closes.l !== undefined);
    expect(r.closes.l).toMatchObject({ reason: "wrong_key", refusedByPeer: false });
    expect(r.closes.d).toMatchObject({ reason: "wrong_key", refusedByPeer: true });
    expect(r.there.ports.some((p) => p.name === "trunk")).toBe(false);
  });

  test("a replayed and a bit-flipped frame injected by a proxy are dropped and counted; the link carries on", async () => {
    const proxies: Server[] = [];
    let dataSeen = 0;
    const proxy = async (upstream: number) => {
      const p = createServer((client) => {
        const up = connect(upstream, "127.0.0.1");
        const dec = new FrameDecoder(1 << 20);
        client.on("data", (chunk: Buffer) => {
          const r = dec.push(new Uint8Array(chunk));
          if (!r.ok) return client.destroy();
          for (const m of r.frames) {
            const copy = new Uint8Array(m);
            if (copy[0] === MSG_DATA) {
              dataSeen++;
              if (dataSeen === 1) up.write(encodeStreamFrame(copy)); // replay: the same sealed frame twice
              if (dataSeen === 2) copy[copy.byteLength - 20] = (copy[copy.byteLength - 20] as number) ^ 0x01; // flip one ciphertext bit
            }
            up.write(encodeStreamFrame(copy));
          }
        });
        up.on("data", (d) => client.write(d));
        const end = () => {
          client.destroy();
          up.destroy();
        };
        client.on("close", end);
        up.on("close", end);
        client.on("error", end);
        up.on("error", end);
      });
      proxies.push(p);
      return listen(p);
    };
    const r = await rig({ proxy });
    cleanup.push(() => proxies.forEach((p) => p.close()));
    await until("the trunk", () => r.listener()?.port !== undefined && r.dialerLink.port !== undefined);
    for (const n of [1, 2, 3]) r.guestHere.receive(frame(n));
    await until("frames 1 and 3", () => r.gotThere.length >= 2);
    await Bun.sleep(50);
    expect(r.gotThere).toEqual([frame(1), frame(3)]);
    expect(r.listener()!.stats).toMatchObject({ received: 2, replayed: 1, tampered: 1 });
  });
});
