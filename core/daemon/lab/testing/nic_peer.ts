/**
 * A QEMU stand-in for fabric tests: connects to a NIC socket, sends framed
 * Ethernet (4-byte big-endian length, DESIGN §5) and collects what arrives.
 */
import { connect, type Socket } from "node:net";
import { encodeStreamFrame, FrameDecoder } from "../../../../net/mod.ts";

export interface NicPeer {
  readonly sock: Socket;
  send(f: Uint8Array): void;
  /** The first received frame matching `pred` (polls for about a second). */
  next(pred: (f: Uint8Array) => boolean): Promise<Uint8Array>;
}

export async function nicPeer(path: string): Promise<NicPeer> {
  const sock = connect(path);
  await new Promise<void>((r) => sock.once("connect", () => r()));
  const dec = new FrameDecoder();
  const got: Uint8Array[] = [];
  sock.on("data", (c: Buffer) => {
    const r = dec.push(new Uint8Array(c));
    if (r.ok) got.push(...r.frames.map((f) => f.slice()));
  });
  return {
    sock,
    send: (f) => sock.write(encodeStreamFrame(f)),
    async next(pred) {
      for (let i = 0; i < 200; i++) {
        const k = got.findIndex(pred);
        if (k >= 0) return got.splice(k, 1)[0]!;
        await Bun.sleep(5);
      }
      throw new Error("no matching frame");
    },
  };
}
