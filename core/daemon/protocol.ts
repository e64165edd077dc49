/**
 * Messages between the CLI, the supervisor and lab daemons (DESIGN §4),
 * as zod schemas so every boundary is validated.
 *
 * The `LabPlan` a lab daemon runs is defined in `core/config/plan_schema.ts`
 * and re-exported here, since `up` carries it.
 */
import { isAbsolute } from "node:path";
import { z } from "zod";
import { ForwardPlanSchema } from "../config/network_plan.ts";
import { LabPlanSchema } from "../config/plan_schema.ts";

export {
  HandlerPlanSchema,
  LabPlanSchema,
  NicPlanSchema,
  ProvisionPlanSchema,
  VmPlanSchema,
  type HandlerPlan,
  type LabPlan,
  type NicPlan,
  type ProvisionPlan,
  type VmPlan,
} from "../config/plan_schema.ts";

/**
 * `paused`: suspended by `vmlab vm suspend` (QMP `stop`; `resume` continues it).
 * `io-error`: QEMU paused the guest on a disk I/O error (e.g. the host file system is full).
 */
export const VmStateSchema = z.enum(["stopped", "starting", "running", "paused", "stopping", "crashed", "io-error"]);
export type VmState = z.infer<typeof VmStateSchema>;

/** One declared share of a VM, as `vmlab status` shows it (PRD §7.5). */
export const ShareStatusSchema = z.object({
  name: z.string(),
  host: z.string(),
  guest: z.string(),
  transport: z.enum(["smb", "virtiofs"]),
  readonly: z.boolean(),
  mounted: z.boolean(),
  /** Why the last mount failed. */
  error: z.string().optional(),
});
export type ShareStatus = z.infer<typeof ShareStatusSchema>;

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
  shares: z.array(ShareStatusSchema).optional(),
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
  /** Frames the segment's switch received and dropped, and captures running (optional: older daemons). */
  frames: z.number().optional(),
  dropped: z.number().optional(),
  captures: z.number().optional(),
  /** Cross-host trunks: peer, direction, state, last error, frame and drop counters. */
  trunks: z
    .array(
      z.object({
        segment: z.string(),
        peer: z.string(),
        direction: z.enum(["out", "in"]),
        state: z.enum(["connecting", "up", "down"]),
        error: z.string().optional(),
        sent: z.number(),
        received: z.number(),
        replayed: z.number(),
        tooOld: z.number(),
        tampered: z.number(),
      }),
    )
    .optional(),
  vxlan: z.object({ remote: z.string(), vni: z.number(), sent: z.number(), received: z.number(), dropped: z.number() }).optional(),
});

/** `GET /v1/segments/:segment/capture` query: a VM's NICs only, a tcpdump-style filter. */
export const CaptureQuerySchema = z.object({ vm: z.string().min(1).optional(), filter: z.string().max(4096).optional() });

/** A running forward: its plan and the target's current address. */
export const ForwardInfoSchema = ForwardPlanSchema.extend({ guestIp: z.string().optional() });

export const LabStatusSchema = z.object({
  name: z.string(),
  file: z.string(),
  state: z.enum(["up", "partial", "down", "failed", "starting", "stopping"]),
  daemonPid: z.number().nullable(),
  vms: z.array(VmStatusSchema),
  /** Present while the lab's network is open. */
  segments: z.array(SegmentStatusSchema).optional(),
  forwards: z.array(ForwardInfoSchema).optional(),
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

// ---- errors -------------------------------------------------------------------

/** A coded error on the wire (`CodedErrorJson` of core/errors). */
export const ErrorBodySchema = z.object({
  code: z.string().min(1),
  message: z.string(),
  subject: z.string().optional(),
  location: z.object({ file: z.string(), line: z.number().int().optional(), col: z.number().int().optional() }).optional(),
  hint: z.string().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
/** Every non-2xx JSON answer of a control API: `{error: {...}}`. */
export const ErrorReplySchema = z.object({ error: ErrorBodySchema });

// ---- streamed operations and event streams (NDJSON) ----------------------------

export const LogRecordSchema = z.object({ type: z.literal("log"), level: z.enum(["info", "warn", "error"]), msg: z.string(), vm: z.string().optional() });
export const EventRecordSchema = z.object({ type: z.literal("event"), event: EventSchema });
/** Keep-alive on quiet event streams. */
export const HeartbeatRecordSchema = z.object({ type: z.literal("heartbeat"), ts: z.string() });
export const ResultRecordSchema = z.union([
  z.object({ type: z.literal("result"), ok: z.literal(true), data: z.unknown().optional() }),
  z.object({ type: z.literal("result"), ok: z.literal(false), error: ErrorBodySchema }),
]);
/** Records of a streamed long operation: logs and events, then one result. */
export const StreamRecordSchema = z.union([LogRecordSchema, EventRecordSchema, HeartbeatRecordSchema, ResultRecordSchema]);
export type StreamRecord = z.infer<typeof StreamRecordSchema>;

// ---- lab daemon: requests --------------------------------------------------------

export const UpRequestSchema = z.object({ plan: LabPlanSchema, vms: z.array(z.string()).default([]), provision: z.boolean().default(true) });
export const ScriptRequestSchema = z.object({ path: z.string() });
export const DownRequestSchema = z.object({ vms: z.array(z.string()).default([]), force: z.boolean().default(false) });
/** `POST /v1/vms/:vm/start|stop|restart`. */
export const PowerRequestSchema = z.object({ force: z.boolean().default(false) });
/** `POST /v1/vms/:vm/screenshot`: write a PNG of the screen to an absolute host path. */
export const ScreenshotRequestSchema = z.object({ path: z.string().refine(isAbsolute, "must be an absolute path") });
export const ScreenshotReplySchema = z.object({ path: z.string() });

export const ExecRequestSchema = z.object({
  path: z.string(),
  args: z.array(z.string()).default([]),
  timeoutMs: z.number().int().positive().default(300_000),
  /** Standard input for the command, base64. */
  input: z.string().optional(),
});
/** `?path=&mode=` of `PUT|GET /v1/vms/:vm/file`; `mode` is octal. */
export const FileQuerySchema = z.object({
  path: z.string().min(1, "give the guest path as ?path="),
  mode: z
    .string()
    .regex(/^[0-7]{1,4}$/, "must be an octal file mode such as 644")
    .optional(),
});
/** `POST /v1/snapshots/create|restore`; every VM when `vm` is absent. */
export const SnapshotRequestSchema = z.object({ name: z.string().min(1), vm: z.string().optional() });
/** `POST /v1/forwards`: a runtime port forward. */
export const ForwardRequestSchema = z.object({
  hostPort: z.number().int().min(1).max(65535),
  vm: z.string(),
  guestPort: z.number().int().min(1).max(65535),
  proto: z.enum(["tcp", "udp", "both"]).optional(),
  segment: z.string().optional(),
  bind: z.string().optional(),
});
/** `DELETE /v1/forwards/:port?proto=`. */
export const ForwardDeleteSchema = z.object({ port: z.coerce.number().int().min(1).max(65535), proto: z.enum(["tcp", "udp", "both"]).optional() });
/** `?history=1` of the event streams: replay the history first. */
export const EventsQuerySchema = z.object({ history: z.enum(["0", "1"]).optional() });

// ---- lab daemon: replies --------------------------------------------------------

export const OkReplySchema = z.object({ ok: z.literal(true) });
export const LabPingReplySchema = z.object({ ok: z.literal(true), lab: z.string(), pid: z.number() });
/** `POST /v1/vms/:vm/exec`: output base64. */
export const ExecReplySchema = z.object({
  exitCode: z.number().nullable(),
  signal: z.number().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  truncated: z.boolean(),
});
export type ExecReply = z.infer<typeof ExecReplySchema>;
export const FileWriteReplySchema = z.object({ ok: z.literal(true), bytes: z.number().int().nonnegative() });
/** `GET /v1/vms/:vm/osinfo`: the agent's OS info (fields optional, as guests differ). */
export const OsInfoReplySchema = z.object({
  kernelRelease: z.string().optional(),
  kernelVersion: z.string().optional(),
  machine: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  prettyName: z.string().optional(),
  version: z.string().optional(),
  versionId: z.string().optional(),
  variant: z.string().optional(),
  variantId: z.string().optional(),
});
/** One snapshot of a VM as listed (`takenAt` RFC 3339). */
export const SnapshotInfoSchema = z.object({
  name: z.string(),
  id: z.string(),
  takenAt: z.string(),
  online: z.boolean(),
  powerState: z.enum(["running", "stopped"]),
  vmStateBytes: z.number(),
  vmClockMs: z.number(),
});
export type SnapshotInfoReply = z.infer<typeof SnapshotInfoSchema>;
export const SnapshotListReplySchema = z.array(SnapshotInfoSchema);
/** Result data of `POST /v1/snapshots/create|restore`. */
export const SnapshotOpResultSchema = z.object({ done: z.array(SnapshotInfoSchema.extend({ vm: z.string() })), failed: z.array(z.string()) });
export const ForwardListReplySchema = z.array(ForwardInfoSchema);

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

// ---- supervisor ------------------------------------------------------------------

/** `POST /v1/labs/ensure`: run the lab's daemon unless it runs. */
export const EnsureRequestSchema = z.object({
  name: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a DNS label"),
  file: z.string().refine(isAbsolute, "must be an absolute path"),
});
export const SupervisorPingReplySchema = z.object({ ok: z.literal(true), version: z.string(), pid: z.number() });
export const SupervisorStatusSchema = z.object({
  version: z.string(),
  pid: z.number(),
  startedAt: z.string(),
  uptimeSec: z.number(),
  labs: z.array(SupervisorLabSchema),
});
export type SupervisorStatus = z.infer<typeof SupervisorStatusSchema>;
export const SupervisorLabListSchema = z.array(SupervisorLabSchema);
