/**
 * Driver: unprivileged ICMP echo through Linux ping sockets (`socket(AF_INET,
 * SOCK_DGRAM, IPPROTO_ICMP)`, allowed when the process's group is inside
 * `net.ipv4.ping_group_range`), so guests behind the NAT can ping the outside (PRD §9.7).
 *
 * Theory of operation: `pingSocketsAllowed()` reads the sysctl and decides at run time;
 * `openPingSocket(onReply)` returns `undefined` when they are not allowed or the
 * runtime cannot create one. The kernel owns the ICMP identifier (the socket's "port")
 * and the checksum; we send type 8 + sequence + data and receive echo replies as ICMP
 * messages without the IP header, plus the replying address. Neither Node nor Bun has
 * an API for these sockets, so the three libc calls go through `bun:ffi`; the fd is
 * non-blocking and is polled every `PING_POLL_MS` only while a request is younger
 * than `PING_REPLY_WAIT_MS` — an idle socket costs nothing.
 * Nothing here throws: every failure is `false`/`undefined`.
 */
import { readFileSync } from "node:fs";
import type { Clock, Timer } from "../core/clock/mod.ts";
import { ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, ICMP_HEADER_LEN } from "./icmp.ts";

/** Poll interval while replies are outstanding. */
export const PING_POLL_MS = 5;
/** How long after the last request we keep polling for its reply. */
export const PING_REPLY_WAIT_MS = 5000;
/** Largest echo payload relayed (a 64 KiB IP packet minus headers). */
export const PING_MAX_DATA = 65_507;

const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const IPPROTO_ICMP = 1;
const MSG_DONTWAIT = 0x40;

/** An echo reply from `src`. */
export interface EchoReply {
  src: number;
  seq: number;
  data: Uint8Array;
}

/** One ping socket. */
export interface PingSocket {
  /** Sends an echo request; false if the kernel refused it. */
  send(dst: number, seq: number, data: Uint8Array): boolean;
  close(): void;
}

/** Creates ping sockets; the NAT takes one of these (undefined = gateway-only ping). */
export type PingSocketFactory = (onReply: (r: EchoReply) => void) => PingSocket | undefined;

/** True if `gid` lies inside the `ping_group_range` text ("lo hi"). */
export function pingSocketsAllowed(rangeText = readPingRange(), gid = process.getgid?.() ?? 0): boolean {
  const [lo, hi] = rangeText.trim().split(/\s+/).map(Number);
  return lo !== undefined && hi !== undefined && lo <= gid && gid <= hi;
}

function readPingRange(): string {
  try {
    return readFileSync("/proc/sys/net/ipv4/ping_group_range", "utf8");
  } catch {
    return "1 0";
  }
}

interface Libc {
  socket(domain: number, type: number, proto: number): number;
  sendto(fd: number, buf: Uint8Array, len: number, flags: number, addr: Uint8Array, addrLen: number): number | bigint;
  recvfrom(fd: number, buf: Uint8Array, len: number, flags: number, addr: Uint8Array, addrLen: Uint8Array): number | bigint;
  close(fd: number): number;
}

let libc: Libc | null | undefined;

/** Loads the libc symbols once; null when the runtime has no FFI. */
async function loadLibc(): Promise<Libc | null> {
  if (libc !== undefined) return libc;
  try {
    const ffi = await import("bun:ffi");
    const T = ffi.FFIType;
    const lib = ffi.dlopen("libc.so.6", {
      socket: { args: [T.i32, T.i32, T.i32], returns: T.i32 },
      sendto: { args: [T.i32, T.ptr, T.u64, T.i32, T.ptr, T.u32], returns: T.i64 },
      recvfrom: { args: [T.i32, T.ptr, T.u64, T.i32, T.ptr, T.ptr], returns: T.i64 },
      close: { args: [T.i32], returns: T.i32 },
    });
    libc = lib.symbols as unknown as Libc;
  } catch {
    libc = null;
  }
  return libc;
}

/**
 * A factory of ping sockets, or the reason there is none (for the one log line).
 * Resolves once; the factory itself is synchronous.
 */
export async function pingSocketFactory(clock: Clock): Promise<{ factory: PingSocketFactory } | { reason: string }> {
  const range = readPingRange();
  if (!pingSocketsAllowed(range)) return { reason: `the host does not allow unprivileged ping sockets (net.ipv4.ping_group_range = "${range.trim()}")` };
  const c = await loadLibc();
  if (!c) return { reason: "the runtime offers no FFI to open ping sockets" };
  const probe = c.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
  if (probe < 0) return { reason: "the kernel refused a ping socket" };
  c.close(probe);
  return { factory: (onReply) => openPingSocket(c, clock, onReply) };
}

function sockaddr(ip: number): Uint8Array {
  const a = new Uint8Array(16);
  a[0] = AF_INET; // sa_family, little-endian u16 on the hosts vmlab supports
  a[4] = ip >>> 24;
  a[5] = (ip >>> 16) & 255;
  a[6] = (ip >>> 8) & 255;
  a[7] = ip & 255;
  return a;
}

function openPingSocket(c: Libc, clock: Clock, onReply: (r: EchoReply) => void): PingSocket | undefined {
  const fd = c.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
  if (fd < 0) return undefined;
  const buf = new Uint8Array(ICMP_HEADER_LEN + PING_MAX_DATA);
  const from = new Uint8Array(16);
  const fromLen = new Uint8Array(4);
  let closed = false;
  let lastSend = 0;
  let timer: Timer | undefined;
  const poll = (): void => {
    timer = undefined;
    if (closed) return;
    for (;;) {
      new DataView(fromLen.buffer).setUint32(0, 16, true);
      const n = Number(c.recvfrom(fd, buf, buf.byteLength, MSG_DONTWAIT, from, fromLen));
      if (n < ICMP_HEADER_LEN) break;
      if (buf[0] !== ICMP_ECHO_REPLY) continue;
      const src = ((from[4]! << 24) | (from[5]! << 16) | (from[6]! << 8) | from[7]!) >>> 0;
      const seq = (buf[6]! << 8) | buf[7]!;
      try {
        onReply({ src, seq, data: buf.slice(ICMP_HEADER_LEN, n) });
      } catch {
        // A failing consumer must not stop the socket.
      }
    }
    if (clock.now() - lastSend < PING_REPLY_WAIT_MS) timer = clock.setTimer(PING_POLL_MS, poll);
  };
  return {
    send(dst, seq, data) {
      if (closed || data.byteLength > PING_MAX_DATA) return false;
      const pkt = new Uint8Array(ICMP_HEADER_LEN + data.byteLength);
      pkt[0] = ICMP_ECHO_REQUEST;
      pkt[6] = seq >> 8;
      pkt[7] = seq & 255;
      pkt.set(data, ICMP_HEADER_LEN);
      const n = Number(c.sendto(fd, pkt, pkt.byteLength, 0, sockaddr(dst), 16));
      if (n < 0) return false;
      lastSend = clock.now();
      timer ??= clock.setTimer(PING_POLL_MS, poll);
      return true;
    },
    close() {
      if (closed) return;
      closed = true;
      timer?.cancel();
      c.close(fd);
    },
  };
}
