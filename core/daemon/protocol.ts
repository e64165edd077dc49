/**
 * Messages between the CLI, the supervisor and lab daemons (DESIGN §4),
 * as zod schemas so every boundary is validated.
 *
 * The `LabPlan` a lab daemon runs is defined in `core/config/plan_schema.ts`
 * and re-exported here, since `up` carries it.
 */
import { z } from "zod";
import { ForwardPlanSchema } from "../config/network_plan.ts";
import { LabPlanSchema } from "../config/plan_schema.ts";

export {
  HandlerPlanSchema, LabPlanSchema, NicPlanSchema, ProvisionPlanSchema, VmPlanSchema,
  type HandlerPlan, type LabPlan, type NicPlan, type ProvisionPlan, type VmPlan,
} from "../config/plan_schema.ts";

/** `io-error`: QEMU paused the guest on a disk I/O error (e.g. the host file system is full). */
export const VmStateSchema = z.enum(["stopped", "starting", "running", "stopping", "crashed", "io-error"]);
export type VmState = z.infer<typeof VmStateSchema>;

export const VmStatusSchema = z.object({
  name: z.string(),
  state: VmStateSchema,
  ready: z.boolean(),
  pid: z.number().nullable(),
  ips: z.array(z.string()),
  uptimeSec: z.number().nullable(),
  template: z.string(),
  accel: z.string().nullable(),
  lastExit: z.string().nullable(),
  /** Why the VM is in `io-error`: device, operation and QEMU's reason. */
  ioError: z.string().nullable().optional(),
});
export type VmStatus = z.infer<typeof VmStatusSchema>;

export const SegmentStatusSchema = z.object({
  name: z.string(),
  subnet: z.string(),
  gateway: z.string(),
  nat: z.boolean(),
  mtu: z.number(),
  leases: z.array(z.object({ vm: z.string().optional(), ip: z.string(), mac: z.string() })),
});

export const LabStatusSchema = z.object({
  name: z.string(),
  file: z.string(),
  state: z.enum(["up", "partial", "down", "failed", "starting", "stopping"]),
  daemonPid: z.number().nullable(),
  vms: z.array(VmStatusSchema),
  /** Present while the lab's network is open. */
  segments: z.array(SegmentStatusSchema).optional(),
  forwards: z.array(ForwardPlanSchema.extend({ guestIp: z.string().optional() })).optional(),
});
export type LabStatus = z.infer<typeof LabStatusSchema>;

/** Lifecycle events (fact_events.md). */
export const EventSchema = z.object({
  type: z.string(),
  ts: z.string(),
  lab: z.string(),
  vm: z.string().optional(),
  data: z.record(z.string(), z.unknown()).default({}),
});
export type LabEvent = z.infer<typeof EventSchema>;

/** Records of a streamed long operation. */
export type StreamRecord =
  | { type: "log"; level: "info" | "warn" | "error"; msg: string; vm?: string }
  | { type: "event"; event: LabEvent }
  | { type: "result"; ok: true; data?: unknown }
  | { type: "result"; ok: false; error: { code: string; message: string; hint?: string; subject?: string } };

export const UpRequestSchema = z.object({ plan: LabPlanSchema, vms: z.array(z.string()).default([]), provision: z.boolean().default(true) });
export const ScriptRequestSchema = z.object({ path: z.string() });
export const DownRequestSchema = z.object({ vms: z.array(z.string()).default([]), force: z.boolean().default(false) });
export const ExecRequestSchema = z.object({
  path: z.string(),
  args: z.array(z.string()).default([]),
  timeoutMs: z.number().int().positive().default(300_000),
  /** Standard input for the command, base64. */
  input: z.string().optional(),
});

export const SupervisorLabSchema = z.object({
  name: z.string(),
  file: z.string(),
  pid: z.number().nullable(),
  socket: z.string(),
  state: z.enum(["starting", "running", "failed", "stopped"]),
  startedAt: z.string().nullable(),
  reason: z.string().optional(),
});
export type SupervisorLab = z.infer<typeof SupervisorLabSchema>;
