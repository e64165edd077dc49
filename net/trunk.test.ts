import { describe, expect, test } from "bun:test";
import { MSG_AUTH, MSG_DATA, MSG_HELLO, REPLAY_WINDOW, TrunkSession, type TrunkEvent, type TrunkSessionOptions } from "./trunk.ts";
import { fuzzIterations, fuzzTimeoutMs, mutate, Rng } from "./testing/fuzz.ts";

const enc = new TextEncoder();
const PSK = enc.encode("correct horse battery staple, long and random");
const seeded = (seed: number) => {
  const r = new Rng(seed);
  return (n: number) => r.bytes(n);
};

function pair(over: { dialer?: Partial<TrunkSessionOptions>; listener?: Partial<TrunkSessionOptions> } = {}) {
  const d = new TrunkSession({ role: "dialer", psk: PSK, nodeId: new Uint8Array(16).fill(1), segment: "lan", random: seeded(1), ...over.dialer });
  const l = new TrunkSession({
    role: "listener",
    psk: PSK,
    nodeId: new Uint8Array(16).fill(2),
    acceptSegment: (s) => s === "lan",
    random: seeded(2),
    ...over.listener,
  });
  /** Everything each side said, in order (the wire, as a passive observer sees it). */
  const wire: { from: "d" | "l"; message: Uint8Array }[] = [];
  const events: { d: TrunkEvent[]; l: TrunkEvent[] } = { d: [], l: [] };
  const deliver = (to: "d" | "l", message: Uint8Array): void => {
    const evs = (to === "d" ? d : l).receive(message);
    events[to].push(...evs);
    for (const e of evs)
      if (e.kind === "send") {
        wire.push({ from: to, message: e.message });
        deliver(to === "d" ? "l" : "d", e.message);
      }
  };
  for (const m of d.start()) {
    wire.push({ from: "d", message: m });
    deliver("l", m);
  }
  l.start();
  return { d, l, wire, events };
}

const kinds = (evs: TrunkEvent[]) => evs.map((e) => e.kind);
const frame = (n: number) => new Uint8Array(60).map((_, i) => (i * 7 + n) & 0xff);

describe("trunk handshake", () => {
  test("two ends with the same key establish a session on the asked segment", () => {
    const { d, l, events, wire } = pair();
    expect(d.established && l.established).toBe(true);
    expect(l.segment).toBe("lan");
    expect(kinds(events.d)).toContain("established");
    expect(kinds(events.l)).toContain("established");
    expect(wire.map((w) => `${w.from}${w.message[0]}`)).toEqual([`d${MSG_HELLO}`, `l${MSG_HELLO}`, `d${MSG_AUTH}`, `l${MSG_AUTH}`]);
  });

  test("nothing the handshake sends contains the key", () => {
    const { wire } = pair();
    const all = Buffer.concat(wire.map((w) => w.message));
    expect(all.includes(Buffer.from(PSK))).toBe(false);
    expect(all.includes(Buffer.from(PSK.subarray(0, 8)))).toBe(false);
  });

  test("a wrong key is refused on both sides with wrong_key", () => {
    const { d, l, events } = pair({ dialer: { psk: enc.encode("another key") } });
    expect(d.established || l.established).toBe(false);
    const lf = events.l.find((e) => e.kind === "fail");
    const df = events.d.find((e) => e.kind === "fail");
    expect(lf).toMatchObject({ reason: "wrong_key", refusedByPeer: false });
    expect(df).toMatchObject({ reason: "wrong_key", refusedByPeer: true });
    expect(df?.kind === "fail" && df.message).toContain("pre-shared key");
  });

  test("a version mismatch is refused on both sides, naming both versions", () => {
    const { events } = pair({ dialer: { version: 9 } });
    const lf = events.l.find((e) => e.kind === "fail");
    expect(lf).toMatchObject({ reason: "version_mismatch" });
    expect(lf?.kind === "fail" && lf.message).toContain("version 9");
    expect(events.d.find((e) => e.kind === "fail")).toMatchObject({ reason: "version_mismatch", refusedByPeer: true });
  });

  test("a segment the listener does not open is refused", () => {
    const { events } = pair({ dialer: { segment: "secret" } });
    expect(events.d.find((e) => e.kind === "fail")).toMatchObject({ reason: "unknown_segment", refusedByPeer: true });
  });

  test("a recorded dialer proof does not open a new session (the listener's nonce is fresh)", () => {
    const first = pair();
    const oldAuth = first.wire.find((w) => w.from === "d" && w.message[0] === MSG_AUTH)!.message;
    const oldHello = first.wire.find((w) => w.from === "d" && w.message[0] === MSG_HELLO)!.message;
    const l = new TrunkSession({ role: "listener", psk: PSK, nodeId: new Uint8Array(16).fill(2), acceptSegment: () => true, random: seeded(99) });
    l.start();
    expect(kinds(l.receive(oldHello))).toEqual(["send"]);
    expect(l.receive(oldAuth).find((e) => e.kind === "fail")).toMatchObject({ reason: "wrong_key" });
    expect(l.established).toBe(false);
  });

  test("a listener's proof cannot be reflected back as the dialer's", () => {
    const { d, l } = pair();
    expect(d.established && l.established).toBe(true);
    const x = pair();
    const listenerAuth = x.wire.find((w) => w.from === "l" && w.message[0] === MSG_AUTH)!.message;
    // A fresh listener gets the same HELLO, then the listener proof instead of a dialer proof.
    const l2 = new TrunkSession({ role: "listener", psk: PSK, nodeId: new Uint8Array(16).fill(2), acceptSegment: () => true, random: seeded(2) });
    l2.start();
    l2.receive(x.wire[0]!.message);
    expect(l2.receive(listenerAuth).find((e) => e.kind === "fail")).toMatchObject({ reason: "wrong_key" });
  });
});

describe("trunk data", () => {
  test("frames cross sealed, both directions, and arrive intact", () => {
    const { d, l } = pair();
    const m = d.seal(frame(1))!;
    expect(m[0]).toBe(MSG_DATA);
    expect(Buffer.from(m).includes(Buffer.from(frame(1).subarray(0, 16)))).toBe(false);
    expect(l.receive(m)).toEqual([{ kind: "frame", frame: frame(1) }]);
    expect(d.receive(l.seal(frame(2))!)).toEqual([{ kind: "frame", frame: frame(2) }]);
  });

  test("a replayed frame is dropped and counted", () => {
    const { d, l } = pair();
    const m = d.seal(frame(1))!;
    l.receive(m);
    expect(l.receive(m)).toEqual([]);
    expect(l.stats).toMatchObject({ received: 1, replayed: 1 });
  });

  test("a bit-flipped frame (payload, sequence or tag) is dropped and counted as tampered", () => {
    const { d, l } = pair();
    for (const at of [20, 5, -1]) {
      const m = d.seal(frame(at))!;
      const i = at < 0 ? m.byteLength - 1 : at;
      m[i] = (m[i] as number) ^ 0x10;
      expect(l.receive(m)).toEqual([]);
    }
    expect(l.stats.tampered).toBe(3);
    expect(l.receive(d.seal(frame(0))!)).toHaveLength(1);
  });

  test("reordering inside the window is accepted; beyond it is dropped as too old", () => {
    const { d, l } = pair();
    const ms = Array.from({ length: REPLAY_WINDOW + 5 }, (_, i) => d.seal(frame(i))!);
    expect(l.receive(ms[3]!)).toHaveLength(1);
    expect(l.receive(ms[1]!)).toHaveLength(1);
    expect(l.receive(ms[ms.length - 1]!)).toHaveLength(1);
    expect(l.receive(ms[2]!)).toEqual([]);
    expect(l.stats.tooOld).toBe(1);
    expect(l.receive(ms[ms.length - 2]!)).toHaveLength(1);
  });

  test("frames from another session's keys do not decrypt", () => {
    const a = pair();
    const b = pair({ dialer: { random: seeded(7) } });
    expect(b.l.receive(a.d.seal(frame(1))!)).toEqual([]);
    expect(b.l.stats.tampered).toBe(1);
  });
});

const FUZZ_N = fuzzIterations();

test(
  `the trunk decoder survives ${FUZZ_N} mutated messages in every phase without throwing (fuzz)`,
  () => {
    const rng = new Rng(1414);
    const base = pair();
    const samples = [...base.wire.map((w) => w.message), base.d.seal(frame(1))!, base.d.seal(new Uint8Array(1500))!];
    let delivered = 0;
    let fresh = pair();
    for (let i = 0; i < FUZZ_N; i++) {
      if (i % 1000 === 0) fresh = pair({ dialer: { random: seeded(10_000 + i) } });
      const junk = mutate(rng.pick(samples), rng, 4096);
      const target =
        i % 4 === 0
          ? new TrunkSession({
              role: i % 8 === 0 ? "listener" : "dialer",
              psk: PSK,
              nodeId: new Uint8Array(16),
              segment: "lan",
              acceptSegment: () => true,
              random: seeded(i),
            })
          : fresh.l;
      if (i % 4 === 0) target.start();
      const evs = target.receive(junk);
      delivered += evs.filter((e) => e.kind === "frame").length;
    }
    // Other sessions' keys: no message, mutated or not, may authenticate as a frame.
    expect(delivered).toBe(0);
  },
  fuzzTimeoutMs(FUZZ_N, 0.2),
);
