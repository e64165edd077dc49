/**
 * Validation of guest-agent replies: a reply of the wrong shape becomes a
 * `qga.unexpected_reply` error naming the command and the offending field.
 */
import type { z } from "zod";
import { QgaError } from "./errors.ts";

/** Parses `value` with `schema` or throws `qga.unexpected_reply`. */
export function parseReply<S extends z.ZodType>(path: string, command: string, schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new QgaError({
    code: "qga.unexpected_reply",
    path,
    command,
    problem: r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "),
    hint: "the guest agent version may be unsupported",
  });
}

/** Decodes base64 from the agent; invalid characters are ignored, like qemu-ga does. */
export function fromBase64(text: string): Uint8Array {
  const buf = Buffer.from(text, "base64");
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Encodes bytes as standard base64. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
