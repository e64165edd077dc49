/**
 * The fabric's user-caused errors as data (`FabricError`), carried through promise
 * rejections by `FabricFailure`. Shared by `fabric.ts`, `fabric_forwards.ts` and
 * `fabric_rules.ts`.
 */

/** A user-caused fabric error, as data. */
export interface FabricError {
  code:
    | "unknown_segment" | "subnet_invalid" | "subnet_in_use" | "subnet_pool_exhausted" | "static_ip_invalid" | "registry_locked"
    | "forward_port_taken" | "forward_bind_failed" | "forward_exists" | "forward_not_found" | "forward_no_target"
    | "rule_invalid" | "dns_disabled" | "route_self" | "route_overlap";
  segment: string;
  message: string;
  hint: string;
  /** Host port of the forward concerned. */
  port?: number;
  /** The forward concerned, e.g. `127.0.0.1:8080 → web:80/tcp`. */
  forward?: string;
}

/** Carries a `FabricError` through promise rejections. */
export class FabricFailure extends Error {
  constructor(readonly error: FabricError) {
    super(error.message);
  }
}
