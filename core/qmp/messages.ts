/**
 * The shapes of QMP wire messages (QMP specification, "Protocol specification").
 *
 * Server → client, one JSON object each:
 * - greeting `{"QMP": {"version": {"qemu": {major, minor, micro}, "package"}, "capabilities": [...]}}`
 * - success `{"return": <json>, "id"?: <json>}`
 * - error `{"error": {"class": <string>, "desc": <string>}, "id"?: <json>}`
 * - event `{"event": <string>, "data"?: {...}, "timestamp": {"seconds", "microseconds"}}`
 *
 * `classifyQmpMessage` validates with zod and never throws: anything else is `unknown`.
 * Client → server: `{"execute": <name>, "arguments"?: {...}, "id"?: <json>}`.
 */
import { z } from "zod";

const versionTriple = z.object({ major: z.number(), minor: z.number(), micro: z.number() });

const greetingSchema = z.object({
  QMP: z.object({
    version: z.object({ qemu: versionTriple, package: z.string() }),
    capabilities: z.array(z.string()),
  }),
});

const idSchema = z.union([z.string(), z.number()]).optional();

const returnSchema = z.object({ return: z.unknown(), id: idSchema });

const errorSchema = z.object({
  error: z.object({ class: z.string(), desc: z.string() }),
  id: idSchema,
});

const eventSchema = z.object({
  event: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
  timestamp: z.object({ seconds: z.number(), microseconds: z.number() }),
});

/** The greeting QEMU sends on connect. */
export interface QmpGreeting {
  version: { major: number; minor: number; micro: number; package: string };
  capabilities: string[];
}

/** An asynchronous event. `data` is `{}` when QEMU sent none. */
export interface QmpEvent<D = Record<string, unknown>> {
  event: string;
  data: D;
  timestamp: { seconds: number; microseconds: number };
}

/** A decoded server message. */
export type QmpMessage =
  | { kind: "greeting"; greeting: QmpGreeting }
  | { kind: "return"; id: string | number | undefined; value: unknown }
  | { kind: "error"; id: string | number | undefined; errorClass: string; desc: string }
  | { kind: "event"; event: QmpEvent }
  | { kind: "unknown"; value: Record<string, unknown> };

/** Classifies one decoded JSON object from the QMP socket. */
export function classifyQmpMessage(value: Record<string, unknown>): QmpMessage {
  if ("return" in value) {
    const r = returnSchema.safeParse(value);
    if (r.success) return { kind: "return", id: r.data.id, value: r.data.return };
  } else if ("error" in value) {
    const r = errorSchema.safeParse(value);
    if (r.success) return { kind: "error", id: r.data.id, errorClass: r.data.error.class, desc: r.data.error.desc };
  } else if ("event" in value) {
    const r = eventSchema.safeParse(value);
    if (r.success) {
      return { kind: "event", event: { event: r.data.event, data: r.data.data ?? {}, timestamp: r.data.timestamp } };
    }
  } else if ("QMP" in value) {
    const r = greetingSchema.safeParse(value);
    if (r.success) {
      const q = r.data.QMP;
      return {
        kind: "greeting",
        greeting: { version: { ...q.version.qemu, package: q.version.package }, capabilities: q.capabilities },
      };
    }
  }
  return { kind: "unknown", value };
}

/** Serialises a command; `arguments` is omitted when undefined. */
export function encodeQmpCommand(command: string, args: Record<string, unknown> | undefined, id: string | number): string {
  const msg: Record<string, unknown> = { execute: command };
  if (args !== undefined) msg["arguments"] = args;
  msg["id"] = id;
  return `${JSON.stringify(msg)}\n`;
}
