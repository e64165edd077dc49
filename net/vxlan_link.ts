/**
 * Driver: joins a switch to a VXLAN segment (RFC 7348) over one UDP socket — the lab's
 * segment becomes one more VTEP of a Linux bridge with a `vxlan` device, Open vSwitch or
 * a hardware VTEP.
 *
 * Theory of operation: the socket listens on `localPort` (default 4789) and sends every
 * frame the switch gives its port to the one remote VTEP (`remote:port`), encapsulated
 * with the segment's VNI (head-end replication to a single peer: no multicast, no
 * learning of several remotes). Datagrams are accepted only from the remote's address
 * and with our VNI; anything else is counted as dropped. Unlike a trunk, a VXLAN port
 * carries the gateway's frames too: the remote network meets the lab's gateway, DHCP
 * and DNS like any other host. Never throws on input.
 */
import { createSocket, type Socket } from "node:dgram";
import type { Switch, SwitchPort } from "./switch.ts";
import { encodeVxlan, parseVxlan, VXLAN_PORT } from "./vxlan.ts";

export interface VxlanLinkOptions {
  remote: string;
  remotePort?: number;
  vni: number;
  localPort?: number;
  localAddress?: string;
  name?: string;
}

/** Counters of a VXLAN link. */
export interface VxlanStats {
  sent: number;
  received: number;
  /** Datagrams from another address, with another VNI, or malformed. */
  dropped: number;
}

export interface VxlanLink {
  readonly port: SwitchPort;
  readonly stats: VxlanStats;
  close(): void;
}

/** Binds the UDP socket and attaches the port; rejects when the local port is taken. */
export async function startVxlanLink(sw: Switch, o: VxlanLinkOptions): Promise<VxlanLink> {
  const sock: Socket = createSocket({ type: "udp4", reuseAddr: false });
  const stats: VxlanStats = { sent: 0, received: 0, dropped: 0 };
  const remotePort = o.remotePort ?? VXLAN_PORT;
  await new Promise<void>((resolve, reject) => {
    sock.once("error", reject);
    sock.bind(o.localPort ?? VXLAN_PORT, o.localAddress ?? "0.0.0.0", () => {
      sock.off("error", reject);
      resolve();
    });
  });
  const port = sw.attach({
    name: o.name ?? `vxlan:${o.remote}`,
    trunk: true,
    send: (frame) => {
      stats.sent++;
      sock.send(encodeVxlan(o.vni, frame), remotePort, o.remote);
    },
  });
  sock.on("message", (msg, rinfo) => {
    const v = rinfo.address === o.remote ? parseVxlan(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength)) : undefined;
    if (!v || v.vni !== o.vni) {
      stats.dropped++;
      return;
    }
    stats.received++;
    port.receive(v.frame);
  });
  sock.on("error", () => {
    stats.dropped++;
  });
  return {
    port,
    stats,
    close() {
      port.detach();
      try {
        sock.close();
      } catch {
        // already closed
      }
    },
  };
}
