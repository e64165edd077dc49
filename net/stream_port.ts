/**
 * Driver: joins one QEMU stream-netdev socket to a switch port.
 *
 * Theory of operation: bytes from the socket go through a `FrameDecoder`; each frame
 * is handed to `port.receive`. Frames the switch sends to the port are collected and
 * written to the socket in one length-prefixed batch per turn of the event loop (a
 * microtask flush), so the frames produced while handling one incoming chunk — data
 * segments, ACKs, replies — cost one `write` instead of one each; while a write is in
 * flight the batch keeps growing and goes out when it completes. The batch is copied
 * into one per-port buffer that is reused (only one write is ever in flight). If the socket's
 * unsent backlog plus the batch exceeds `maxQueueBytes` the frame is dropped (a
 * switch output queue overflowing — TCP recovers), so a stalled VM cannot grow the
 * daemon's memory. A framing violation (garbage, oversized length) logs a
 * `net.port_dropped` warning with the reason, destroys the socket and detaches the
 * port; it never throws into the daemon.
 */
import type { Socket } from "node:net";
import { FrameDecoder, LENGTH_PREFIX } from "./framing.ts";
import { silentLog, type NetLog } from "./log.ts";
import type { Switch, SwitchPort } from "./switch.ts";
import { ETH_HEADER_LEN } from "./ethernet.ts";

/** Unsent bytes allowed per port before frames are dropped (≈ 1400 full 1500-MTU frames). */
export const MAX_PORT_QUEUE_BYTES = 2 * 1024 * 1024;

/** Initial size of a port's reusable output buffer (grows with the largest batch). */
export const INITIAL_OUT_BUFFER = 64 * 1024;

/** Options for `attachStreamSocket`. */
export interface StreamPortOptions {
  name?: string;
  isolated?: boolean;
  log?: NetLog;
  maxQueueBytes?: number;
  /** Called once when the port goes away, with the reason. */
  onClose?: (reason: string) => void;
}

/** Attaches `socket` (already connected) to `sw` as a guest port. */
export function attachStreamSocket(sw: Switch, socket: Socket, opts: StreamPortOptions = {}): SwitchPort {
  const log = opts.log ?? silentLog;
  const maxQueue = opts.maxQueueBytes ?? MAX_PORT_QUEUE_BYTES;
  const decoder = new FrameDecoder(ETH_HEADER_LEN + sw.mtu + 4);
  let closed = false;
  let dropped = 0;
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  let queued = false;
  let writing = false;
  /** Bytes handed to `socket.write` and not yet completed (cheaper than `writableLength`). */
  let inFlight = 0;
  let outBuf = Buffer.allocUnsafe(INITIAL_OUT_BUFFER);
  const flush = (): void => {
    queued = false;
    // While the kernel buffer is full, keep collecting: one big write at 'drain' beats
    // many small appends to the runtime's own buffer.
    if (closed || batch.length === 0 || writing) return;
    const frames = batch;
    // One output buffer per port, reused: a flush only starts once the previous write's
    // callback ran, so the runtime no longer holds it. Grown when a batch outgrows it.
    if (outBuf.byteLength < batchBytes) outBuf = Buffer.allocUnsafe(Math.max(batchBytes, 2 * outBuf.byteLength));
    const out = outBuf.subarray(0, batchBytes);
    batch = [];
    batchBytes = 0;
    let at = 0;
    for (const f of frames) {
      out.writeUInt32BE(f.byteLength, at);
      out.set(f, at + LENGTH_PREFIX);
      at += LENGTH_PREFIX + f.byteLength;
    }
    writing = true;
    inFlight = out.byteLength;
    socket.write(out, () => {
      writing = false;
      inFlight = 0;
      flush();
    });
  };
  const port = sw.attach({
    name: opts.name,
    isolated: opts.isolated,
    kind: "guest",
    send(frame) {
      if (closed) return;
      if (inFlight + batchBytes > maxQueue) {
        dropped++;
        return;
      }
      if (!queued) {
        queued = true;
        queueMicrotask(flush);
      }
      batch.push(frame);
      batchBytes += LENGTH_PREFIX + frame.byteLength;
    },
  });
  const close = (reason: string): void => {
    if (closed) return;
    closed = true;
    port.detach();
    socket.destroy();
    opts.onClose?.(reason);
  };
  socket.on("data", (chunk: Buffer) => {
    const r = decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (!r.ok) {
      log({
        level: "warn",
        event: "net.port_dropped",
        message: `Dropped port ${port.name}: ${r.error.message}`,
        port: port.name,
        code: r.error.code,
        hint: r.error.hint,
      });
      close(r.error.code);
      return;
    }
    for (const f of r.frames) port.receive(f);
  });
  socket.on("error", (e) => close(`socket error: ${e.message}`));
  socket.on("close", () => close(dropped ? `closed (${dropped} frames dropped on a full queue)` : "closed"));
  return port;
}
