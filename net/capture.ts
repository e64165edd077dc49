/**
 * A packet capture on one switch: pcapng bytes of the frames it sees (vmlab capture).
 *
 * Theory of operation: `startCapture(sw, opts)` writes a Section Header Block at once,
 * then taps the switch (`Switch.addTap`). Each interface of the capture is a switch
 * port; its Interface Description Block (if_name = the port's name, e.g. `web/0`, or
 * `gateway`) is written the first time the port shows a frame. Direction is the
 * switch port's view: a frame entering the switch from a port is inbound on it, a
 * frame the switch sends to a port is outbound.
 *
 * Which frames: without `ports`, every frame once, at ingress (so dropped frames too);
 * with `ports` (a VM's NICs), both ingress from and egress to those ports, so the
 * capture is what the VM sent and received. `match` (capture_filter.ts) narrows further.
 *
 * Blocks produced while one burst of frames is handled go out together: the first
 * frame of a turn schedules a microtask flush, which hands `write` one chunk. `write`
 * is the caller's: it may count and drop under backpressure. The frame is copied into
 * the block at once (the switch reuses nothing, but drivers may). Nanosecond
 * timestamps come from `nowNs` (default: the wall clock anchored once, then advanced
 * by the monotonic high-resolution clock, so timestamps never go backwards).
 */
import { enhancedPacket, interfaceDescription, sectionHeader } from "./pcapng.ts";
import type { FramePredicate } from "./capture_filter.ts";
import type { Switch, SwitchPort, TapPoint } from "./switch.ts";

/** Options of `startCapture`. */
export interface CaptureOptions {
  /** Receives the pcapng byte stream, one chunk per burst. Must not throw. */
  write(chunk: Uint8Array): void;
  /** Record only these ports, both directions (default: every port, ingress only). */
  ports?: (port: SwitchPort) => boolean;
  /** Record only frames this accepts (default: all). */
  match?: FramePredicate;
  /** Text of every interface's if_description (e.g. `lab/segment`). */
  description?: string;
  /** Nanoseconds since the epoch. */
  nowNs?: () => bigint;
}

/** A running capture. */
export interface Capture {
  /** Frames recorded so far. */
  readonly frames: number;
  /** Stops tapping and flushes what is pending; idempotent. */
  stop(): void;
}

/** The default `nowNs`: wall clock at start, monotonic afterwards. */
export function wallClockNs(): () => bigint {
  const base = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  return () => base + process.hrtime.bigint();
}

/** Starts capturing on `sw`. */
export function startCapture(sw: Switch, o: CaptureOptions): Capture {
  const now = o.nowNs ?? wallClockNs();
  const ifIds = new Map<number, number>();
  let pending: Uint8Array[] = [];
  let scheduled = false;
  let frames = 0;
  let stopped = false;

  const flush = (): void => {
    scheduled = false;
    if (!pending.length) return;
    const parts = pending;
    pending = [];
    if (parts.length === 1) return o.write(parts[0] as Uint8Array);
    const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    o.write(out);
  };
  const push = (b: Uint8Array): void => {
    pending.push(b);
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(flush);
    }
  };

  push(sectionHeader());
  const tap = (frame: Uint8Array, port: SwitchPort, point: TapPoint): void => {
    if (o.ports) {
      if (!o.ports(port)) return;
    } else if (point !== "ingress") return;
    if (o.match && !o.match(frame)) return;
    let id = ifIds.get(port.id);
    if (id === undefined) {
      id = ifIds.size;
      ifIds.set(port.id, id);
      push(interfaceDescription(port.name, o.description));
    }
    frames++;
    push(enhancedPacket(id, now(), frame, point === "ingress" ? "inbound" : "outbound"));
  };
  const untap = sw.addTap(tap);
  return {
    get frames() {
      return frames;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      untap();
      flush();
    },
  };
}
