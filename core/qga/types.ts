/**
 * Reply shapes of the guest-agent commands vmlab uses (qemu-ga QAPI schema,
 * `qga/qapi-schema.json`), as zod schemas plus the camel-cased views we return.
 *
 * Wire names are kept in the schemas (`ip-addresses`, `buf-b64`, …); the client maps
 * them to TypeScript-style names so callers never see dashed keys.
 */
import { z } from "zod";

/** `guest-exec` → `GuestExec`. */
export const guestExecSchema = z.object({ pid: z.number().int() });

/** `guest-exec-status` → `GuestExecStatus`. */
export const guestExecStatusSchema = z.object({
  exited: z.boolean(),
  exitcode: z.number().int().optional(),
  signal: z.number().int().optional(),
  "out-data": z.string().optional(),
  "err-data": z.string().optional(),
  "out-truncated": z.boolean().optional(),
  "err-truncated": z.boolean().optional(),
});

/** `guest-file-open` → handle. */
export const fileHandleSchema = z.number().int();

/** `guest-file-read` → `GuestFileRead`. */
export const guestFileReadSchema = z.object({ count: z.number().int(), "buf-b64": z.string(), eof: z.boolean() });

/** `guest-file-write` → `GuestFileWrite`. */
export const guestFileWriteSchema = z.object({ count: z.number().int(), eof: z.boolean() });

const ipAddressSchema = z.object({
  "ip-address-type": z.enum(["ipv4", "ipv6"]),
  "ip-address": z.string(),
  prefix: z.number().int(),
});

const interfaceStatSchema = z.object({
  "rx-bytes": z.number(),
  "rx-packets": z.number(),
  "rx-errs": z.number(),
  "rx-dropped": z.number(),
  "tx-bytes": z.number(),
  "tx-packets": z.number(),
  "tx-errs": z.number(),
  "tx-dropped": z.number(),
});

/** `guest-network-get-interfaces` → `[GuestNetworkInterface]`. */
export const guestNetworkInterfacesSchema = z.array(
  z.object({
    name: z.string(),
    "hardware-address": z.string().optional(),
    "ip-addresses": z.array(ipAddressSchema).optional(),
    statistics: interfaceStatSchema.optional(),
  }),
);

/** `guest-get-osinfo` → `GuestOSInfo` (every field optional). */
export const guestOsInfoSchema = z.object({
  "kernel-release": z.string().optional(),
  "kernel-version": z.string().optional(),
  machine: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  "pretty-name": z.string().optional(),
  version: z.string().optional(),
  "version-id": z.string().optional(),
  variant: z.string().optional(),
  "variant-id": z.string().optional(),
});

/** `guest-info` → `GuestAgentInfo`. */
export const guestAgentInfoSchema = z.object({
  version: z.string(),
  supported_commands: z.array(z.object({ name: z.string(), enabled: z.boolean(), "success-response": z.boolean() })),
});

/** One address of a guest interface. */
export interface GuestIpAddress {
  type: "ipv4" | "ipv6";
  address: string;
  prefix: number;
}

/** A guest network interface as the agent reports it. */
export interface GuestNetworkInterface {
  name: string;
  /** MAC address, lower-case `aa:bb:…`, when the interface has one. */
  hardwareAddress: string | undefined;
  addresses: GuestIpAddress[];
  statistics: z.infer<typeof interfaceStatSchema> | undefined;
}

/** Guest operating-system identification (from `uname` and `os-release`). */
export interface GuestOsInfo {
  kernelRelease?: string;
  kernelVersion?: string;
  machine?: string;
  id?: string;
  name?: string;
  prettyName?: string;
  version?: string;
  versionId?: string;
  variant?: string;
  variantId?: string;
}

/** Agent version and the commands it offers. */
export interface GuestAgentInfo {
  version: string;
  commands: { name: string; enabled: boolean; successResponse: boolean }[];
}

/** Modes of `guest-shutdown`. */
export type GuestShutdownMode = "powerdown" | "reboot" | "halt";
