import { describe, expect, test } from "bun:test";
import { TcpConnection, type CloseReason } from "./mod.ts";
import { ACK, FIN, SYN, type TcpFields, type TcpSegment } from "../tcp.ts";
import { ManualClock } from "../../core/clock/testing/manual_clock.ts";

type Wire = { fields: TcpFields; payload: Uint8Array };
const seg = (w: Wire): TcpSegment => ({ ...w.fields, options: w.fields.options ?? {}, optionsMalformed: false, payload: w.payload });

/** Two endpoints joined by queues the test controls (drop, reorder, withhold). */
function pair(opts: { rcvBuf?: number; coalesceAcks?: boolean } = {}) {
  const clock = new ManualClock();
  const aOut: Wire[] = [];
  const bOut: Wire[] = [];
  const got = { a: [] as number[], b: [] as number[], closed: [] as string[] };
  const a = new TcpConnection({
    clock,
    mss: 1460,
    localPort: 1,
    remotePort: 2,
    iss: 0xfffffff0,
    send: (fields, payload) => aOut.push({ fields, payload }),
    events: { onData: (d) => (got.a.push(...d), true), onClose: (r: CloseReason) => got.closed.push(`a:${r}`) },
  });
  const b = new TcpConnection({
    clock,
    mss: 1460,
    localPort: 2,
    remotePort: 1,
    iss: 1000,
    rcvBuf: opts.rcvBuf,
    coalesceAcks: opts.coalesceAcks,
    send: (fields, payload) => bOut.push({ fields, payload }),
    events: { onData: (d) => (got.b.push(...d), true), onClose: (r: CloseReason) => got.closed.push(`b:${r}`) },
  });
  const pump = (filter: (w: Wire, from: "a" | "b") => boolean = () => true) => {
    for (let i = 0; i < 10_000 && (aOut.length || bOut.length); i++) {
      const w = aOut.shift();
      if (w && filter(w, "a")) b.input(seg(w));
      const v = bOut.shift();
      if (v && filter(v, "b")) a.input(seg(v));
    }
  };
  const open = () => {
    a.connect();
    const syn = aOut.shift()!;
    expect(syn.fields.flags).toBe(SYN);
    b.accept(seg(syn));
    pump();
  };
  return { clock, a, b, aOut, bOut, got, pump, open };
}

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 255);

describe("tcp connection", () => {
  test("the handshake negotiates window scaling and clamps the MSS", () => {
    const { a, b, open, aOut } = pair();
    a.connect();
    expect(aOut[0]!.fields.options).toEqual({ mss: 1460, wscale: 7 });
    aOut.length = 0;
    open();
    expect([a.state, b.state]).toEqual(["ESTABLISHED", "ESTABLISHED"]);
  });
  test("data crosses the sequence wrap in both directions", () => {
    const { a, b, got, pump, open } = pair();
    open();
    a.write(bytes(10_000));
    b.write(bytes(3000));
    pump();
    expect(got.b).toEqual([...bytes(10_000)]);
    expect(got.a).toEqual([...bytes(3000)]);
  });
  test("a lost segment is retransmitted after the RTO and the RTO backs off", () => {
    const { a, got, pump, open, clock, aOut } = pair();
    open();
    a.write(bytes(1000));
    aOut.length = 0; // lost
    const rto = a.rto;
    clock.advance(rto);
    expect(aOut.length).toBe(1);
    expect(a.rto).toBe(rto * 2);
    pump();
    expect(got.b.length).toBe(1000);
  });
  test("withheld ACKs exhaust the retries and the connection resets with a timeout", () => {
    const { a, got, open, clock, aOut } = pair();
    open();
    a.write(bytes(100));
    for (let i = 0; i < 12; i++) clock.advance(60_000);
    expect(aOut.filter((w) => w.payload.length === 100).length).toBe(9);
    expect(got.closed).toContain("a:timeout");
  });
  test("out-of-order segments are kept and delivered once the gap fills", () => {
    const { a, b, got, open, aOut } = pair();
    open();
    a.write(bytes(4000));
    const segs = aOut.splice(0);
    expect(segs.length).toBe(3);
    b.input(seg(segs[2]!));
    b.input(seg(segs[1]!));
    expect(got.b.length).toBe(0);
    b.input(seg(segs[0]!));
    expect(got.b).toEqual([...bytes(4000)]);
  });
  test("a paused receiver shrinks its window and the sender stops at it", () => {
    const { a, b, got, pump, open } = pair({ rcvBuf: 8192 });
    let accept = false;
    b.events.onData = (d) => (got.b.push(...d), accept);
    open();
    a.write(bytes(100_000));
    pump();
    expect(got.b.length).toBeLessThanOrEqual(8192 + 1460);
    expect(a.sendBuffered).toBeGreaterThan(80_000);
    accept = true;
    for (let i = 0; i < 50 && got.b.length < 100_000; i++) {
      b.resumeReceive();
      pump();
    }
    expect(got.b.length).toBe(100_000);
  });
  test("FIN handshake closes both ends; the active closer lingers in TIME_WAIT", () => {
    const { a, b, got, pump, open, clock } = pair();
    let fin = false;
    b.events.onPeerFin = () => ((fin = true), b.end());
    open();
    a.write(bytes(10));
    a.end();
    pump();
    expect(fin).toBe(true);
    expect(b.state).toBe("CLOSED");
    expect(a.state).toBe("TIME_WAIT");
    clock.advance(5000);
    expect(got.closed.sort()).toEqual(["a:closed", "b:closed"]);
  });
  test("an exact RST resets, an in-window one only draws a challenge ACK", () => {
    const { a, b, got, open, bOut } = pair();
    open();
    const base = { srcPort: 1, dstPort: 2, ack: 0, window: 0, options: {}, optionsMalformed: false, payload: new Uint8Array(0) };
    bOut.length = 0;
    b.input({ ...base, seq: 0xfffffff1 + 5, flags: 0x04 });
    expect(bOut.at(-1)?.fields.flags).toBe(ACK);
    b.input({ ...base, seq: 0xfffffff1, flags: 0x04 });
    expect(got.closed).toEqual(["b:reset"]);
    void a;
    void FIN;
  });

  test("with coalesced ACKs a burst of segments is acknowledged once, at the end of the turn", async () => {
    const { a, b, aOut, bOut, open, got } = pair({ coalesceAcks: true });
    open();
    a.write(bytes(10 * 1460));
    const burst = aOut.splice(0);
    expect(burst.length).toBe(10);
    for (const w of burst) b.input(seg(w));
    expect(bOut.length).toBe(0);
    await Promise.resolve();
    expect(bOut.length).toBe(1);
    expect(bOut[0]!.fields.ack).toBe((0xfffffff0 + 1 + 10 * 1460) >>> 0);
    expect(got.b.length).toBe(10 * 1460);
  });

  test("after a fast retransmit a partial ACK resends the next hole at once (NewReno)", () => {
    const { a, b, aOut, bOut, open } = pair();
    open();
    a.write(bytes(10 * 1460));
    const burst = aOut.splice(0);
    const firstSeq = burst[0]!.fields.seq;
    const acksToA = () => {
      for (const v of bOut.splice(0)) a.input(seg(v));
    };
    // Lose segments 0 and 2; the rest make b send duplicate ACKs.
    burst.forEach((w, i) => i !== 0 && i !== 2 && b.input(seg(w)));
    acksToA();
    const re1 = aOut.find((w) => w.fields.seq === firstSeq);
    expect(re1).toBeDefined();
    aOut.length = 0;
    b.input(seg(re1!));
    acksToA();
    const re2 = aOut.shift()!;
    expect(re2.fields.seq).toBe((firstSeq + 2 * 1460) >>> 0);
  });
});
