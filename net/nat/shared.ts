/**
 * What the per-protocol NAT tables share: the options, the flow key, the forward
 * port range, and `NatContext` — the handle the `Nat` facade gives each table to the
 * gateway, the clock, the log, the host address mapping, the common idle sweep and
 * the one ephemeral-port counter used by TCP and UDP forwards alike.
 */
import type { Clock } from "../../core/clock/mod.ts";
import type { Gateway } from "../gateway.ts";
import type { NetLog } from "../log.ts";
import type { PingSocketFactory } from "../ping_socket.ts";

/** Interval of the idle sweep. */
export const SWEEP_MS = 10_000;
/** Ephemeral ports for connections the NAT opens towards guests. */
export const FORWARD_PORT_MIN = 49152;
export const FORWARD_PORT_MAX = 65535;

/** NAT configuration. */
export interface NatOptions {
  clock: Clock;
  gateway: Gateway;
  /** Segment MTU (MSS = MTU − 40). */
  mtu: number;
  log?: NetLog;
  /** Where a guest destination goes on the host; default: gateway → 127.0.0.1, else itself. */
  hostFor?: (ip: number) => string;
  /**
   * False on segments without `nat = true`: guests cannot open flows to the host, and
   * only flows the host opened (port forwards) are carried. Default true.
   */
  outbound?: boolean;
  /** Opens ping sockets for guest echo requests to the outside; absent = gateway-only ping. */
  ping?: PingSocketFactory;
  /** Why `ping` is absent, for the one log line; default `icmpEchoLimit()`. */
  pingUnavailable?: string;
  /**
   * False skips verifying TCP checksums of guest segments (frames from a local QEMU
   * socket are not corrupted in transit; at 64 KiB MTU the check is a third of the
   * NAT's CPU). Default true. Outgoing checksums are always computed.
   */
  verifyGuestChecksums?: boolean;
}

/** The facade's services for one protocol table. */
export interface NatContext {
  readonly options: NatOptions;
  readonly gateway: Gateway;
  readonly clock: Clock;
  readonly log: NetLog;
  /** The host address a guest destination maps to. */
  hostFor(ip: number): string;
  /** Starts the shared idle sweep if it is not running. */
  armSweep(): void;
  /** The next forward source port for which `taken` is false; 0 when all are taken. */
  nextForwardPort(taken: (port: number) => boolean): number;
}

/** Flow key: guest ip:port → remote ip:port. */
export function flowKey(gip: number, gport: number, rip: number, rport: number): string {
  return `${gip}:${gport}>${rip}:${rport}`;
}
