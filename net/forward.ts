/**
 * Port forwards (PRD §9.8): a host TCP listener whose connections become userspace-TCP
 * connections into a guest, through the segment's NAT.
 *
 * Theory of operation: `startTcpForward` binds `hostAddress:hostPort` (127.0.0.1 by
 * default; binding wider is the caller's explicit choice) and hands each accepted
 * socket to `Nat.openToGuest`, which actively opens guestIp:guestPort from the gateway
 * address and splices the streams with backpressure. A port that cannot be bound is
 * a typed error naming the port and the forward — never a silent skip.
 *
 * UDP (`startUdpForward`): one bound `udp4` socket; each distinct client address gets
 * its own NAT association (`Nat.udpAssociate`: a gateway source port), so the guest's
 * replies return to the client that asked. Associations are bounded and expire with
 * the NAT's UDP flows. `startForward` starts `tcp`, `udp` or `both` (all or nothing).
 */
import { createServer, type Server, type Socket } from "node:net";
import { createSocket } from "node:dgram";
import { ipv4ToString } from "./addr.ts";
import type { Nat, UdpAssociation } from "./nat/mod.ts";

/** Default listen address. */
export const DEFAULT_FORWARD_ADDRESS = "127.0.0.1";

/** A TCP forward to start. */
export interface TcpForwardSpec {
  hostPort: number;
  hostAddress?: string;
  /**
   * The guest's address, or a function asked on every new connection (UDP: every new
   * client) so the forward follows the lease table; `undefined` refuses that client.
   */
  guestIp: number | (() => number | undefined);
  guestPort: number;
  /** Name for messages, e.g. `forward 3389 → dc01:3389`. */
  label?: string;
  /** Told when a client is refused because the guest has no address yet. */
  onNoGuest?: (label: string) => void;
}

function resolveGuest(spec: TcpForwardSpec): number | undefined {
  return typeof spec.guestIp === "number" ? spec.guestIp : spec.guestIp();
}

function describeGuest(spec: TcpForwardSpec): string {
  return typeof spec.guestIp === "number" ? ipv4ToString(spec.guestIp) : "guest";
}

/** A running forward. */
export interface RunningForward {
  readonly hostPort: number;
  readonly hostAddress: string;
  close(): Promise<void>;
}

/** Why a forward could not start. */
export interface ForwardError {
  code: "forward_port_taken" | "forward_bind_failed";
  port: number;
  forward: string;
  message: string;
  hint: string;
}

/** Outcome of starting a forward. */
export type ForwardResult = { ok: true; forward: RunningForward } | { ok: false; error: ForwardError };

/** Which transports a forward carries (`proto = tcp|udp|both`). */
export type ForwardProto = "tcp" | "udp" | "both";

/** Starts listening; resolves to the running forward or a typed error. */
export function startTcpForward(nat: Nat, spec: TcpForwardSpec): Promise<ForwardResult> {
  const address = spec.hostAddress ?? DEFAULT_FORWARD_ADDRESS;
  const label = spec.label ?? `${address}:${spec.hostPort} → ${describeGuest(spec)}:${spec.guestPort}`;
  const live = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (sock) => {
    live.add(sock);
    sock.once("close", () => live.delete(sock));
    const ip = resolveGuest(spec);
    if (ip === undefined) {
      spec.onNoGuest?.(label);
      sock.destroy();
      return;
    }
    nat.openToGuest(ip, spec.guestPort, sock);
  });
  return new Promise((resolve) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      const taken = e.code === "EADDRINUSE";
      resolve({
        ok: false,
        error: {
          code: taken ? "forward_port_taken" : "forward_bind_failed",
          port: spec.hostPort,
          forward: label,
          message: taken ? `Cannot start forward ${label}: host port ${spec.hostPort} is already in use` : `Cannot start forward ${label}: ${e.message}`,
          hint: taken ? `free port ${spec.hostPort} or choose another host_port` : "check host_port and the listen address",
        },
      });
    });
    server.listen(spec.hostPort, address, () => {
      server.removeAllListeners("error");
      server.on("error", () => {});
      const port = (server.address() as { port: number }).port;
      // Closing a forward ends its connections too: waiting for clients (a keep-alive
      // browser) to hang up would stall `down`.
      const close = (): Promise<void> => {
        const done = new Promise<void>((r) => server.close(() => r()));
        for (const sock of live) sock.destroy();
        return done;
      };
      resolve({ ok: true, forward: { hostPort: port, hostAddress: address, close } });
    });
  });
}

function bindError(e: NodeJS.ErrnoException, spec: TcpForwardSpec, label: string, proto: string): ForwardError {
  const taken = e.code === "EADDRINUSE";
  return {
    code: taken ? "forward_port_taken" : "forward_bind_failed",
    port: spec.hostPort,
    forward: label,
    message: taken ? `Cannot start forward ${label}: host ${proto} port ${spec.hostPort} is already in use` : `Cannot start forward ${label}: ${e.message}`,
    hint: taken ? `free port ${spec.hostPort} or choose another host_port` : "check host_port and the listen address",
  };
}

/** Starts a UDP forward; resolves to the running forward or a typed error. */
export function startUdpForward(nat: Nat, spec: TcpForwardSpec): Promise<ForwardResult> {
  const address = spec.hostAddress ?? DEFAULT_FORWARD_ADDRESS;
  const label = spec.label ?? `udp ${address}:${spec.hostPort} → ${describeGuest(spec)}:${spec.guestPort}`;
  const sock = createSocket("udp4");
  const clients = new Map<string, UdpAssociation>();
  sock.on("message", (msg, rinfo) => {
    const id = `${rinfo.address}:${rinfo.port}`;
    let a = clients.get(id);
    if (!a) {
      const ip = resolveGuest(spec);
      if (ip === undefined) {
        spec.onNoGuest?.(label);
        return;
      }
      a = nat.udpAssociate(
        ip,
        spec.guestPort,
        (payload) => sock.send(payload, rinfo.port, rinfo.address),
        () => clients.delete(id),
      );
      if (!a) return; // association table full: the datagram is dropped, as a full NAT would
      clients.set(id, a);
    }
    a.send(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength).slice());
  });
  return new Promise((resolve) => {
    sock.once("error", (e: NodeJS.ErrnoException) => {
      sock.close();
      resolve({ ok: false, error: bindError(e, spec, label, "UDP") });
    });
    sock.bind(spec.hostPort, address, () => {
      sock.removeAllListeners("error");
      sock.on("error", () => {});
      const close = (): Promise<void> => {
        for (const a of clients.values()) a.close();
        clients.clear();
        return new Promise<void>((r) => sock.close(() => r()));
      };
      resolve({ ok: true, forward: { hostPort: sock.address().port, hostAddress: address, close } });
    });
  });
}

/** Starts `proto` (`both` = TCP and UDP on the same port, all or nothing). */
export async function startForward(nat: Nat, spec: TcpForwardSpec & { proto?: ForwardProto }): Promise<ForwardResult> {
  const proto = spec.proto ?? "tcp";
  if (proto === "tcp") return startTcpForward(nat, spec);
  if (proto === "udp") return startUdpForward(nat, spec);
  const t = await startTcpForward(nat, spec);
  if (!t.ok) return t;
  const u = await startUdpForward(nat, { ...spec, hostPort: t.forward.hostPort });
  if (!u.ok) {
    await t.forward.close();
    return u;
  }
  return {
    ok: true,
    forward: {
      hostPort: t.forward.hostPort,
      hostAddress: t.forward.hostAddress,
      close: async () => void (await Promise.all([t.forward.close(), u.forward.close()])),
    },
  };
}
