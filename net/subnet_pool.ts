/**
 * Subnet allocation for segments without a declared subnet (PRD §9.4).
 *
 * Theory of operation: carve the pool (default 10.213.0.0/16) into blocks of
 * `prefix` bits (default /24) in address order and return the first that overlaps no
 * subnet in `used` — the caller passes every subnet in use host-wide (declared and
 * allocated, all running labs), so two labs never collide. Pure function; returns a
 * typed error value when the pool is exhausted or malformed.
 */
import { cidrOverlaps, cidrToString, parseCidr, type Cidr } from "./addr.ts";

/** Default host-wide pool. */
export const DEFAULT_SUBNET_POOL = "10.213.0.0/16";
/** Default size of an auto-allocated segment subnet. */
export const DEFAULT_SEGMENT_PREFIX = 24;

/** Why allocation failed. */
export interface SubnetPoolError {
  code: "subnet_pool_exhausted" | "subnet_pool_invalid";
  pool: string;
  message: string;
  hint: string;
}

/** Picks the first free block of the pool. */
export function allocateSubnet(used: readonly Cidr[], pool: string | Cidr = DEFAULT_SUBNET_POOL, prefix = DEFAULT_SEGMENT_PREFIX): Cidr | SubnetPoolError {
  const p = typeof pool === "string" ? parseCidr(pool) : pool;
  const poolText = typeof pool === "string" ? pool : cidrToString(pool);
  if (!p || prefix < p.prefix || prefix > 30) {
    return {
      code: "subnet_pool_invalid",
      pool: poolText,
      message: `Cannot allocate /${prefix} subnets from "${poolText}"`,
      hint: "subnet_pool must be a CIDR like 10.213.0.0/16 no longer than the segment prefix",
    };
  }
  const step = 2 ** (32 - prefix);
  const count = 2 ** (prefix - p.prefix);
  for (let k = 0; k < count; k++) {
    const c: Cidr = { network: (p.network + k * step) >>> 0, prefix };
    if (!used.some((u) => cidrOverlaps(u, c))) return c;
  }
  return {
    code: "subnet_pool_exhausted",
    pool: poolText,
    message: `Cannot allocate a subnet: all ${count} /${prefix} blocks of ${poolText} are in use`,
    hint: "declare subnets explicitly or widen subnet_pool in the host config",
  };
}

/** Type guard for the error branch. */
export function isSubnetPoolError(x: Cidr | SubnetPoolError): x is SubnetPoolError {
  return "code" in x;
}
