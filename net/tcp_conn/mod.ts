/**
 * A userspace TCP endpoint (RFC 9293), split by concern like gVisor's netstack:
 * `connection.ts` (open, close, the state machine; the theory of operation),
 * `send.ts`, `receive.ts`, `rto.ts`, `congestion.ts`, `seq.ts`. This file only
 * re-exports.
 */
export * from "./connection.ts";
export { INITIAL_RTO_MS, MAX_RTO_MS, MIN_RTO_MS } from "./rto.ts";
