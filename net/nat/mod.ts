/**
 * The userspace NAT (PRD §9.7): `Nat`, the segment gateway's IP stack, over one table
 * per protocol (`tcp.ts`, `udp.ts`, `icmp.ts`); see `nat.ts` for the theory of
 * operation. This file only re-exports.
 */
export { Nat } from "./nat.ts";
export { FORWARD_PORT_MAX, FORWARD_PORT_MIN, SWEEP_MS, type NatOptions } from "./shared.ts";
export { HOST_WRITE_BATCH, MAX_TCP_FLOWS, TCP_IDLE_MS } from "./tcp.ts";
export { MAX_UDP_FLOWS, MAX_UDP_WAITING, UDP_IDLE_MS, type UdpAssociation } from "./udp.ts";
export { icmpEchoLimit, MAX_ICMP_FLOWS } from "./icmp.ts";
