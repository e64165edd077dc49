/**
 * Port forwards (PRD §9.8): a host TCP listener whose connections become userspace-TCP
 * connections into a guest, through the segment's NAT.
 *
 * Theory of operation: `startTcpForward` binds `hostAddress:hostPort` (127.0.0.1 by
 * default; binding wider is the caller's explicit choice) and hands each accepted
 * socket to `Nat.openToGuest`, which actively opens guestIp:guestPort from the gateway
 * address and splices the streams with backpressure. A port that cannot be bound is
 * a typed error naming the port and the forward — never a silent skip. UDP forwards
 * are not implemented here yet.
 */
import { createServer, type Server } from "node:net";
import { ipv4ToString } from "./addr.ts";
import type { Nat } from "./nat.ts";

/** Default listen address. */
export const DEFAULT_FORWARD_ADDRESS = "127.0.0.1";

/** A TCP forward to start. */
export interface TcpForwardSpec {
  hostPort: number;
  hostAddress?: string;
  guestIp: number;
  guestPort: number;
  /** Name for messages, e.g. `forward 3389 → dc01:3389`. */
  label?: string;
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

/** Starts listening; resolves to the running forward or a typed error. */
export function startTcpForward(nat: Nat, spec: TcpForwardSpec): Promise<{ ok: true; forward: RunningForward } | { ok: false; error: ForwardError }> {
  const address = spec.hostAddress ?? DEFAULT_FORWARD_ADDRESS;
  const label = spec.label ?? `${address}:${spec.hostPort} → ${ipv4ToString(spec.guestIp)}:${spec.guestPort}`;
  const server: Server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (sock) => nat.openToGuest(spec.guestIp, spec.guestPort, sock));
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
      const port = (server.address() as { port: number }).port;
      resolve({ ok: true, forward: { hostPort: port, hostAddress: address, close: () => new Promise<void>((r) => server.close(() => r())) } });
    });
  });
}
