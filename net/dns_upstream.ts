/**
 * Driver: forwards DNS queries the gateway cannot answer to an upstream resolver over
 * UDP (PRD §9.5 "forwarding ... defaulting to the host's resolver").
 *
 * Theory of operation: one unconnected `udp4` socket serves all segments of a daemon.
 * Each query gets a fresh 16-bit ID (the client's is restored on the reply), a timer,
 * and is tried against each upstream in order until one answers; a reply is accepted
 * only from the server the query went to and with the ID we chose (RFC 5452 §4 spirit).
 * Pending queries are bounded (`MAX_PENDING`); beyond it queries fail fast with
 * `undefined` (the caller answers SERVFAIL). `hostResolvers()` reads `nameserver` lines
 * of /etc/resolv.conf; IPv6 upstreams are skipped (this driver is IPv4-only).
 */
import { createSocket, type Socket } from "node:dgram";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import type { Clock, Timer } from "../core/clock/mod.ts";

/** Per-attempt timeout. */
export const UPSTREAM_TIMEOUT_MS = 2000;
/** Queries in flight at once. */
export const MAX_PENDING = 1024;
/** Fallback when resolv.conf names no IPv4 server. */
export const FALLBACK_RESOLVER = "127.0.0.53";

/** Sends a raw query upstream; resolves to the raw reply or `undefined`. */
export type DnsForwarder = (query: Uint8Array) => Promise<Uint8Array | undefined>;

/** An upstream server address. */
export interface Upstream {
  host: string;
  port: number;
}

/** Extracts IPv4 `nameserver` entries from resolv.conf text. */
export function parseResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m?.[1] && isIP(m[1]) === 4) out.push(m[1]);
  }
  return out;
}

/** The host's resolvers (IPv4), or the systemd-resolved stub as a fallback. */
export function hostResolvers(path = "/etc/resolv.conf"): Upstream[] {
  let servers: string[] = [];
  try {
    servers = parseResolvConf(readFileSync(path, "utf8"));
  } catch {
    servers = [];
  }
  return (servers.length ? servers : [FALLBACK_RESOLVER]).map((host) => ({ host, port: 53 }));
}

interface Pending {
  query: Uint8Array;
  clientId: number;
  server: number;
  timer: Timer;
  resolve: (r: Uint8Array | undefined) => void;
}

/** UDP forwarder over one socket. */
export class UdpDnsForwarder {
  readonly #sock: Socket;
  readonly #servers: Upstream[];
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  #nextId = Math.floor(Math.random() * 0x10000);
  #closed = false;

  constructor(opts: { clock: Clock; servers?: Upstream[]; timeoutMs?: number }) {
    this.#servers = opts.servers ?? hostResolvers();
    this.#clock = opts.clock;
    this.#timeoutMs = opts.timeoutMs ?? UPSTREAM_TIMEOUT_MS;
    this.#sock = createSocket("udp4");
    this.#sock.on("message", (msg, rinfo) => this.#onReply(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), rinfo.address, rinfo.port));
    this.#sock.on("error", () => {});
    this.#sock.unref();
  }

  /** The forwarder function to hand to a segment. */
  readonly forward: DnsForwarder = (query) => {
    if (this.#closed || query.byteLength < 12 || this.#pending.size >= MAX_PENDING || !this.#servers.length) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let id = this.#nextId;
      while (this.#pending.has(id)) id = (id + 1) & 0xffff;
      this.#nextId = (id + 1) & 0xffff;
      const q = query.slice();
      const clientId = (q[0]! << 8) | q[1]!;
      q[0] = id >> 8;
      q[1] = id & 255;
      const p: Pending = { query: q, clientId, server: 0, timer: { cancel() {} }, resolve };
      this.#pending.set(id, p);
      this.#send(id, p);
    });
  };

  #send(id: number, p: Pending): void {
    const s = this.#servers[p.server];
    if (!s) {
      this.#pending.delete(id);
      p.resolve(undefined);
      return;
    }
    p.timer = this.#clock.setTimer(this.#timeoutMs, () => {
      p.server++;
      this.#send(id, p);
    });
    this.#sock.send(p.query, s.port, s.host);
  }

  #onReply(msg: Uint8Array, address: string, port: number): void {
    if (msg.byteLength < 12) return;
    const id = (msg[0]! << 8) | msg[1]!;
    const p = this.#pending.get(id);
    const s = p && this.#servers[p.server];
    if (!p || !s || s.host !== address || s.port !== port) return;
    p.timer.cancel();
    this.#pending.delete(id);
    const out = msg.slice();
    out[0] = p.clientId >> 8;
    out[1] = p.clientId & 255;
    p.resolve(out);
  }

  /** Stops the socket; pending queries resolve to `undefined`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of this.#pending.values()) {
      p.timer.cancel();
      p.resolve(undefined);
    }
    this.#pending.clear();
    this.#sock.close();
  }
}
