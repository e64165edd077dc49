/**
 * Hashing of disk images entering the store. What may enter at all is
 * decided by `assertImageSafe` in image_safety.ts (no backing or data file,
 * `qemu-img check` clean) — the one gate for import, adoption, pull and build.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** SHA-256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest("hex");
}
