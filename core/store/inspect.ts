/**
 * Checks on disk images entering the store.
 *
 * Contract: `checkSource` accepts only qcow2 (a stray file is never probed
 * as a raw disk); `checkStandalone` demands a qcow2 without backing file —
 * what every stored template must be, since labs put their clones on top of
 * it and the store must not depend on files outside itself. Failures are
 * `StoreError`s naming `origin` (the user's file or archive, not our staging
 * path). `sha256File` hashes by streaming.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { imageInfo, ImgError, type ImgOptions } from "../qemu/img.ts";
import { StoreError } from "./errors.ts";

/** An adopted image must be qcow2 (never probed as raw: a stray file is not a disk). */
export function checkSource(src: string, img: ImgOptions = {}): void {
  let format: string;
  try {
    format = imageInfo(src, img).format;
  } catch (e) {
    if (e instanceof ImgError) throw new StoreError({ code: "store.disk_invalid", path: src, message: `${src} is not a disk image qemu-img can open: ${e.reason}`, hint: "give a qcow2 image whose backing files, if any, are present" });
    throw e;
  }
  if (format !== "qcow2") throw new StoreError({ code: "store.disk_invalid", path: src, message: `${src} is a ${format} image, not qcow2`, hint: `convert it first: qemu-img convert -O qcow2 ${src} disk.qcow2` });
}

export function checkStandalone(disk: string, origin: string, code: "store.archive_invalid" | "store.disk_invalid", img: ImgOptions = {}): { virtualSize: number } {
  try {
    const info = imageInfo(disk, img);
    if (info.format !== "qcow2") throw new StoreError({ code, path: origin, message: `${origin}: the disk is ${info.format}, not qcow2`, hint: "templates are qcow2 images" });
    if (info.backingFile !== undefined) throw new StoreError({ code, path: origin, message: `${origin}: the disk has a backing file (${info.backingFile})`, hint: "a template must be standalone; adopt it with `vmlab template import --ref …` to flatten it" });
    return { virtualSize: info.virtualSize };
  } catch (e) {
    if (e instanceof ImgError) throw new StoreError({ code, path: origin, message: `${origin}: the disk is not a valid qcow2 image: ${e.reason}`, hint: "check the file; re-create it if it is damaged" });
    throw e;
  }
}

/** SHA-256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest("hex");
}
