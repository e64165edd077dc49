/**
 * DNS over TCP at the gateway (RFC 1035 §4.2.2, RFC 7766): the fallback guests use
 * after a truncated (TC=1) UDP answer, and for large answers in general.
 *
 * Theory of operation: each message is preceded by its 2-byte big-endian length.
 * Incoming bytes accumulate (bounded by one maximum message plus its prefix); every
 * complete query goes to `resolve` and replies are written back with their length,
 * in query order even when resolution is asynchronous (RFC 7766 §6.2.1.1 allows out
 * of order, in order is simpler for clients). The connection is closed when the guest
 * half-closes and every reply is out, or after `DNS_TCP_IDLE_MS` without a query
 * (RFC 7766 §6.2.3). A zero-length message is a protocol error and resets the
 * connection. Out of scope: DNS over TLS.
 */
import type { Clock, Timer } from "../core/clock/mod.ts";
import type { TcpConnection } from "./tcp_conn/mod.ts";

/** Idle time after which the server closes a DNS TCP connection. */
export const DNS_TCP_IDLE_MS = 10_000;
/** Queries in flight per connection. */
export const DNS_TCP_MAX_PENDING = 16;

/** Answers one query (the full reply, untruncated), or undefined for no answer. */
export type DnsTcpResolver = (query: Uint8Array) => Promise<Uint8Array | undefined>;

/** Serves DNS on one established connection. */
export function serveDnsOverTcp(conn: TcpConnection, resolve: DnsTcpResolver, clock: Clock): void {
  let buf = new Uint8Array(0);
  let peerDone = false;
  let pending = 0;
  let chain: Promise<void> = Promise.resolve();
  let idle: Timer | undefined;
  const arm = (): void => {
    idle?.cancel();
    idle = clock.setTimer(DNS_TCP_IDLE_MS, () => conn.end());
  };
  const maybeEnd = (): void => {
    if (peerDone && pending === 0) {
      idle?.cancel();
      conn.end();
    }
  };
  arm();
  conn.events.onData = (d) => {
    const next = new Uint8Array(buf.byteLength + d.byteLength);
    next.set(buf);
    next.set(d, buf.byteLength);
    buf = next;
    while (buf.byteLength >= 2) {
      const len = ((buf[0] as number) << 8) | (buf[1] as number);
      if (len === 0) {
        conn.abort();
        return true;
      }
      if (buf.byteLength < 2 + len) break;
      const query = buf.slice(2, 2 + len);
      buf = buf.slice(2 + len);
      if (pending >= DNS_TCP_MAX_PENDING) continue; // a flooding client loses queries, not memory
      pending++;
      arm();
      const answer = resolve(query).catch(() => undefined);
      chain = chain.then(async () => {
        const reply = await answer;
        pending--;
        if (reply && reply.byteLength <= 0xffff) {
          const out = new Uint8Array(2 + reply.byteLength);
          out[0] = reply.byteLength >> 8;
          out[1] = reply.byteLength & 0xff;
          out.set(reply, 2);
          conn.write(out);
        }
        maybeEnd();
      });
    }
    return true;
  };
  conn.events.onPeerFin = () => {
    peerDone = true;
    maybeEnd();
  };
  conn.events.onClose = () => idle?.cancel();
}
