/**
 * ICMP echo NAT: with a `ping` factory (Linux ping sockets, `ping_socket.ts`) each
 * guest echo session (guest ip, identifier) gets its own ping socket; replies go back
 * with the guest's identifier and the replying address as source, and sessions expire
 * like UDP flows (`UDP_IDLE_MS`). Without a factory the `Nat` facade logs once why
 * (`icmpEchoLimit()`). Out of scope: ICMP errors for NAT'd flows.
 */
import { readFileSync } from "node:fs";
import type { EthernetFrame } from "../ethernet.ts";
import { encodeIcmpFrame, ICMP_ECHO_REPLY, type IcmpMessage } from "../icmp.ts";
import type { Ipv4Packet } from "../ipv4.ts";
import type { PingSocket } from "../ping_socket.ts";
import type { NatContext } from "./shared.ts";
import { UDP_IDLE_MS } from "./udp.ts";

/** Bound on the echo session table. */
export const MAX_ICMP_FLOWS = 256;

interface IcmpFlow {
  key: string;
  guestMac: Uint8Array;
  sock: PingSocket;
  last: number;
}

/** Guest echo sessions relayed through host ping sockets. */
export class IcmpNat {
  readonly #c: NatContext;
  readonly #flows = new Map<string, IcmpFlow>();

  constructor(c: NatContext) {
    this.#c = c;
  }

  /** Live echo sessions. */
  get size(): number {
    return this.#flows.size;
  }

  /** Relays a guest echo request through its session's ping socket. */
  echo(eth: EthernetFrame, ip: Ipv4Packet, m: IcmpMessage): void {
    const gw = this.#c.gateway;
    const clock = this.#c.clock;
    const k = `${ip.src}#${m.id}`;
    let flow = this.#flows.get(k);
    if (!flow) {
      if (this.#flows.size >= MAX_ICMP_FLOWS) return;
      const guestIp = ip.src;
      const guestId = m.id;
      const nf: IcmpFlow = { key: k, guestMac: eth.src.slice(), sock: undefined as unknown as PingSocket, last: clock.now() };
      const sock = this.#c.options.ping?.((r) => {
        nf.last = clock.now();
        gw.sendFrame(
          encodeIcmpFrame(
            { srcMac: gw.mac, dstMac: nf.guestMac, src: r.src, dst: guestIp, id: gw.nextIpId() },
            ICMP_ECHO_REPLY,
            0,
            ((guestId << 16) | r.seq) >>> 0,
            r.data,
          ),
        );
      });
      if (!sock) return;
      nf.sock = sock;
      this.#flows.set(k, nf);
      this.#c.armSweep();
      flow = nf;
    }
    flow.last = clock.now();
    flow.sock.send(ip.dst, m.seq, m.data.slice());
  }

  /** Closes sessions idle for `UDP_IDLE_MS` at `now`. */
  sweep(now: number): void {
    for (const f of [...this.#flows.values()]) {
      if (now - f.last >= UDP_IDLE_MS) {
        f.sock.close();
        this.#flows.delete(f.key);
      }
    }
  }

  /** Closes every session. */
  close(): void {
    for (const f of this.#flows.values()) f.sock.close();
    this.#flows.clear();
  }
}

/**
 * Why outside ping is unavailable, for the log line. Unprivileged ICMP needs ping
 * sockets (`net.ipv4.ping_group_range` covering our group); even where the host allows
 * them, the Bun runtime has no API for `SOCK_DGRAM/IPPROTO_ICMP` sockets.
 */
export function icmpEchoLimit(rangeText = readPingRange(), gid = process.getgid?.() ?? 0): string {
  const [lo, hi] = rangeText.trim().split(/\s+/).map(Number);
  const allowed = lo !== undefined && hi !== undefined && lo <= gid && gid <= hi;
  return allowed
    ? "the host allows ping sockets but the runtime offers no ICMP socket API"
    : `the host does not allow unprivileged ping sockets (net.ipv4.ping_group_range = "${rangeText.trim()}")`;
}

function readPingRange(): string {
  try {
    return readFileSync("/proc/sys/net/ipv4/ping_group_range", "utf8");
  } catch {
    return "1 0";
  }
}
