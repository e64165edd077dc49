/**
 * Driver: runs one `TrunkSession` (trunk.ts) over a connected TCP socket and, once the
 * handshake succeeds, joins it to a switch as a trunk port.
 *
 * Theory of operation: messages are framed like QEMU's stream netdev (4-byte length,
 * framing.ts) with a larger limit (`MAX_TRUNK_MESSAGE`). The handshake must finish
 * within `TRUNK_HANDSHAKE_MS`. Established, the link attaches a port (`trunk: true`,
 * so DHCP accepts many MACs behind it) whose egress seals each frame into a DATA
 * message. Services stay per host: frames the switch's service ports (gateway: DHCP,
 * DNS, ARP for .1, NAT) send are not carried, so each host's gateway answers its own
 * guests and two gateways with the same address never meet. A socket backlog beyond
 * `MAX_TRUNK_QUEUE_BYTES` drops frames (counted) rather than growing memory.
 * Any failure — handshake refusal, framing violation, socket error — closes the socket
 * and reports once through `onClose(reason)`; nothing throws into the daemon.
 */
import type { Socket } from "node:net";
import { encodeStreamFrame, FrameDecoder } from "./framing.ts";
import type { Switch, SwitchPort } from "./switch.ts";
import { MAX_TRUNK_MESSAGE, type TrunkFailReason, type TrunkSession, type TrunkStats } from "./trunk.ts";

/** Time allowed from connect to an established session. */
export const TRUNK_HANDSHAKE_MS = 10_000;
/** Unsent bytes allowed on the trunk socket before frames are dropped. */
export const MAX_TRUNK_QUEUE_BYTES = 4 * 1024 * 1024;

/** Why a link ended. */
export interface TrunkClose {
  reason: TrunkFailReason | "closed" | "timeout" | "socket";
  message: string;
  /** The peer sent the refusal (vs. we refused it). */
  refusedByPeer: boolean;
}

/** A running link. */
export interface TrunkLink {
  readonly session: TrunkSession;
  readonly stats: TrunkStats & { queueDrops: number };
  /** The switch port while established. */
  readonly port: SwitchPort | undefined;
  close(): void;
}

export interface TrunkLinkOptions {
  /** The switch of the session's segment (the listener learns the segment from HELLO). */
  switchFor(segment: string): Switch | undefined;
  name: string;
  onEstablished?(link: TrunkLink): void;
  onClose?(why: TrunkClose): void;
  handshakeMs?: number;
}

/** Runs `session` over `socket`. */
export function startTrunkLink(socket: Socket, session: TrunkSession, o: TrunkLinkOptions): TrunkLink {
  const decoder = new FrameDecoder(MAX_TRUNK_MESSAGE, 1);
  let port: SwitchPort | undefined;
  let done = false;
  const stats = Object.assign(session.stats, { queueDrops: 0 });
  const send = (m: Uint8Array) => socket.write(encodeStreamFrame(m));
  const finish = (why: TrunkClose, flush = false): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    port?.detach();
    port = undefined;
    if (flush) {
      // Let a REFUSE we queued reach the peer, then make sure the socket goes.
      socket.end();
      setTimeout(() => socket.destroy(), 1_000).unref();
    } else socket.destroy();
    o.onClose?.(why);
  };
  const timer = setTimeout(
    () =>
      finish({
        reason: "timeout",
        message: `the trunk handshake did not finish within ${(o.handshakeMs ?? TRUNK_HANDSHAKE_MS) / 1000} s`,
        refusedByPeer: false,
      }),
    o.handshakeMs ?? TRUNK_HANDSHAKE_MS,
  );
  const link: TrunkLink = {
    session,
    stats,
    get port() {
      return port;
    },
    close: () => finish({ reason: "closed", message: "closed", refusedByPeer: false }),
  };
  socket.setNoDelay(true);
  socket.on("data", (chunk: Buffer) => {
    if (done) return;
    const r = decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (!r.ok) return finish({ reason: "protocol", message: `the peer broke the trunk framing: ${r.error.message}`, refusedByPeer: false });
    for (const m of r.frames) {
      for (const e of session.receive(m)) {
        switch (e.kind) {
          case "send":
            send(e.message);
            break;
          case "frame":
            port?.receive(e.frame);
            break;
          case "established": {
            clearTimeout(timer);
            const sw = o.switchFor(e.segment);
            if (!sw) return finish({ reason: "unknown_segment", message: `segment ${e.segment} is gone`, refusedByPeer: false });
            port = sw.attach({
              name: o.name,
              trunk: true,
              send: (frame, from) => {
                if (from?.kind === "service") return;
                if (socket.writableLength > MAX_TRUNK_QUEUE_BYTES) {
                  stats.queueDrops++;
                  return;
                }
                const sealed = session.seal(frame);
                if (sealed) send(sealed);
              },
            });
            o.onEstablished?.(link);
            break;
          }
          case "fail":
            return finish({ reason: e.reason, message: e.message, refusedByPeer: e.refusedByPeer }, true);
        }
      }
      if (done) return;
    }
  });
  socket.on("error", (err) => finish({ reason: "socket", message: err.message, refusedByPeer: false }));
  socket.on("close", () => finish({ reason: "closed", message: "the peer closed the connection", refusedByPeer: false }));
  for (const m of session.start()) send(m);
  return link;
}
