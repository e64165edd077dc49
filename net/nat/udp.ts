/**
 * UDP NAT: one connected `udp4` socket per guest flow (guest ip:port → destination
 * ip:port); replies come back with the original destination as source; flows expire
 * after `UDP_IDLE_MS`. `associate` is the port-forward path: a gateway source port
 * whose guest replies go back to the forward's client.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import type { EthernetFrame } from "../ethernet.ts";
import type { Ipv4Packet } from "../ipv4.ts";
import { parseUdp } from "../udp.ts";
import { flowKey, type NatContext } from "./shared.ts";

/** Idle time after which a UDP flow is forgotten. */
export const UDP_IDLE_MS = 60_000;
/** Bound on the UDP flow tables. */
export const MAX_UDP_FLOWS = 1024;
/** Datagrams queued per UDP flow while its socket connects. */
export const MAX_UDP_WAITING = 16;

interface UdpFlow {
  key: string;
  /** Datagrams waiting for the socket's connect; undefined once connected. */
  waiting: Uint8Array[] | undefined;
  guestMac: Uint8Array;
  socket: UdpSocket;
  last: number;
}

interface UdpInbound {
  reply: (payload: Uint8Array) => void;
  onExpire: () => void;
  last: number;
}

/** A host→guest UDP association (see `Nat.udpAssociate`). */
export interface UdpAssociation {
  /** Source port on the gateway address. */
  readonly port: number;
  send(payload: Uint8Array): void;
  close(): void;
}

/** Guest UDP flows and host→guest associations. */
export class UdpNat {
  readonly #c: NatContext;
  readonly #flows = new Map<string, UdpFlow>();
  readonly #inbound = new Map<string, UdpInbound>();

  constructor(c: NatContext) {
    this.#c = c;
  }

  /** Live guest-opened flows. */
  get size(): number {
    return this.#flows.size;
  }

  /** Live flows of both directions (for the sweep). */
  get total(): number {
    return this.#flows.size + this.#inbound.size;
  }

  /** True when an association owns this key (the only UDP carried without outbound NAT). */
  hasInbound(k: string): boolean {
    return this.#inbound.has(k);
  }

  /** See `Nat.udpAssociate`. */
  associate(guestIp: number, guestPort: number, reply: (payload: Uint8Array) => void, onExpire: () => void): UdpAssociation | undefined {
    if (this.#inbound.size >= MAX_UDP_FLOWS) return undefined;
    const gw = this.#c.gateway;
    const port = this.#c.nextForwardPort((p) => this.#inbound.has(flowKey(guestIp, guestPort, gw.ip, p)));
    if (!port) return undefined;
    const k = flowKey(guestIp, guestPort, gw.ip, port);
    const a: UdpInbound = { reply, onExpire, last: this.#c.clock.now() };
    this.#inbound.set(k, a);
    this.#c.armSweep();
    return {
      port,
      send: (payload) => {
        a.last = this.#c.clock.now();
        gw.sendUdp({ srcPort: port, dst: guestIp, dstPort: guestPort, payload });
      },
      close: () => {
        this.#inbound.delete(k);
      },
    };
  }

  /** A guest datagram for the outside (or a reply to an association). */
  input(eth: EthernetFrame, ip: Ipv4Packet): void {
    const d = parseUdp(ip);
    if (!d) return;
    const clock = this.#c.clock;
    const k = flowKey(ip.src, d.srcPort, ip.dst, d.dstPort);
    const assoc = this.#inbound.get(k);
    if (assoc) {
      assoc.last = clock.now();
      assoc.reply(d.payload.slice());
      return;
    }
    let flow = this.#flows.get(k);
    if (!flow) {
      if (this.#flows.size >= MAX_UDP_FLOWS) return;
      const socket = createSocket("udp4");
      const nf: UdpFlow = { key: k, waiting: [], guestMac: eth.src.slice(), socket, last: clock.now() };
      const guestIp = ip.src;
      const guestPort = d.srcPort;
      const remoteIp = ip.dst;
      const remotePort = d.dstPort;
      socket.on("message", (msg) => {
        nf.last = clock.now();
        this.#c.gateway.sendUdp({
          src: remoteIp,
          srcPort: remotePort,
          dst: guestIp,
          dstPort: guestPort,
          dstMac: nf.guestMac,
          payload: new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength),
        });
      });
      socket.on("error", () => this.#drop(nf));
      socket.connect(remotePort, this.#c.hostFor(remoteIp), () => {
        const q = nf.waiting ?? [];
        nf.waiting = undefined;
        for (const p of q) socket.send(p);
      });
      this.#flows.set(k, nf);
      this.#c.armSweep();
      flow = nf;
    }
    flow.last = clock.now();
    const payload = d.payload.slice();
    if (flow.waiting) {
      if (flow.waiting.length < MAX_UDP_WAITING) flow.waiting.push(payload);
    } else flow.socket.send(payload, (err) => err && this.#c.log({ level: "debug", event: "net.nat_udp_send_failed", message: String(err) }));
  }

  /** Forgets flows idle for `UDP_IDLE_MS` at `now`; expired associations get `onExpire`. */
  sweepFlows(now: number): void {
    for (const f of [...this.#flows.values()]) if (now - f.last >= UDP_IDLE_MS) this.#drop(f);
  }

  /** The association half of the sweep. */
  sweepInbound(now: number): void {
    for (const [k, a] of [...this.#inbound]) {
      if (now - a.last >= UDP_IDLE_MS) {
        this.#inbound.delete(k);
        a.onExpire();
      }
    }
  }

  /** Closes every flow and forgets every association. */
  close(): void {
    for (const f of this.#flows.values()) f.socket.close();
    this.#flows.clear();
    this.#inbound.clear();
  }

  #drop(f: UdpFlow): void {
    if (this.#flows.get(f.key) !== f) return;
    this.#flows.delete(f.key);
    f.socket.close();
  }
}
