/**
 * The fabric's user-caused errors as data (`FabricError`), carried through promise
 * rejections by `FabricFailure`. Shared by `fabric.ts`, `fabric_forwards.ts` and
 * `fabric_rules.ts`.
 */
import { CodedError } from "../../errors/mod.ts";

/** A user-caused fabric error, as data. */
export interface FabricError {
  code:
    | "unknown_segment"
    | "subnet_invalid"
    | "subnet_in_use"
    | "subnet_pool_exhausted"
    | "static_ip_invalid"
    | "registry_locked"
    | "forward_port_taken"
    | "forward_bind_failed"
    | "forward_exists"
    | "forward_not_found"
    | "forward_no_target"
    | "rule_invalid"
    | "dns_disabled"
    | "route_self"
    | "route_overlap"
    | "capture_filter_invalid"
    | "capture_vm_not_attached"
    | "trunk_no_psk"
    | "trunk_port_taken"
    | "vxlan_port_taken";
  segment: string;
  message: string;
  hint: string;
  /** Host port of the forward concerned. */
  port?: number;
  /** The forward concerned, e.g. `127.0.0.1:8080 → web:80/tcp`. */
  forward?: string;
}

/** The dotted code each fabric error reaches users with (status by its kind). */
const FABRIC_CODES: Record<FabricError["code"], string> = {
  unknown_segment: "network.segment_not_found",
  subnet_invalid: "network.subnet_invalid",
  subnet_in_use: "network.subnet_in_use",
  subnet_pool_exhausted: "network.subnet_pool_exhausted",
  static_ip_invalid: "network.static_ip_invalid",
  registry_locked: "network.registry_busy",
  forward_port_taken: "network.port_taken",
  forward_bind_failed: "network.port_taken",
  forward_exists: "network.forward_exists",
  forward_not_found: "network.forward_not_found",
  forward_no_target: "network.forward_no_target",
  rule_invalid: "network.rule_invalid",
  dns_disabled: "network.dns_disabled",
  route_self: "network.route_self",
  route_overlap: "network.route_overlap",
  capture_filter_invalid: "network.capture_filter_invalid",
  capture_vm_not_attached: "network.capture_vm_not_attached",
  trunk_no_psk: "network.trunk_no_psk",
  trunk_port_taken: "network.trunk_port_taken",
  vxlan_port_taken: "network.vxlan_port_taken",
};

/** Carries a `FabricError` through promise rejections, as a `CodedError` (`network.*`). */
export class FabricFailure extends CodedError {
  override readonly name = "FabricFailure";
  constructor(readonly error: FabricError) {
    super(FABRIC_CODES[error.code], error.message, { subject: error.port !== undefined ? String(error.port) : error.segment, hint: error.hint });
  }
}
