/**
 * A thin, typed wrapper over `qemu-img`.
 *
 * Linked clones (`create -f qcow2 -b <base> -F qcow2`, PRD §4: VMs are
 * copy-on-write children of sealed templates), `info --output=json` parsed
 * with zod, `convert`, and internal snapshots (`snapshot -c/-a/-d/-l`).
 * Every failure is an `ImgError` carrying the subcommand and qemu-img's own
 * message; clone creation is atomic (written to a temp name, then renamed).
 */
import { renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import { CodedError } from "../errors/mod.ts";

export class ImgError extends CodedError {
  override readonly name = "ImgError";
  constructor(
    readonly subcommand: string,
    /** qemu-img's own message. */
    readonly reason: string,
  ) {
    super("qemu.img_failed", `cannot ${subcommand} image: ${reason}`, {
      subject: subcommand,
      hint: "check the image file and that qemu-img can open it (`qemu-img check <file>`)",
    });
  }
}

const ImageInfoSchema = z.object({
  filename: z.string(),
  format: z.string(),
  "virtual-size": z.number(),
  "actual-size": z.number().optional(),
  "cluster-size": z.number().optional(),
  "backing-filename": z.string().optional(),
  "full-backing-filename": z.string().optional(),
  "backing-filename-format": z.string().optional(),
  "dirty-flag": z.boolean().optional(),
  snapshots: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        "vm-state-size": z.number(),
        "date-sec": z.number(),
        "vm-clock-nsec": z.number().optional(),
      }),
    )
    .optional(),
});

export interface ImageInfo {
  readonly filename: string;
  readonly format: string;
  readonly virtualSize: number;
  readonly actualSize?: number;
  readonly backingFile?: string;
  readonly backingFormat?: string;
  readonly snapshots: readonly Snapshot[];
}

export interface Snapshot {
  readonly id: string;
  readonly name: string;
  readonly vmStateSize: number;
  readonly date: Date;
}

/** Which qemu-img binary to run (overridable for tests and odd installs). */
export interface ImgOptions {
  readonly binary?: string;
}

function run(opts: ImgOptions, subcommand: string, args: string[]): string {
  const p = Bun.spawnSync([opts.binary ?? "qemu-img", subcommand, ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  if (p.exitCode !== 0) {
    const msg = p.stderr
      .toString()
      .trim()
      .replace(/^qemu-img: /, "");
    throw new ImgError(subcommand, msg || `qemu-img ${subcommand} exited ${p.exitCode}`);
  }
  return p.stdout.toString();
}

/** `qemu-img info --output=json`. */
export function imageInfo(path: string, opts: ImgOptions = {}): ImageInfo {
  const raw = run(opts, "info", ["--output=json", "-U", path]);
  const parsed = ImageInfoSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new ImgError("info", `unexpected qemu-img output for ${path}: ${parsed.error.message}`);
  const i = parsed.data;
  return {
    filename: i.filename,
    format: i.format,
    virtualSize: i["virtual-size"],
    ...(i["actual-size"] === undefined ? {} : { actualSize: i["actual-size"] }),
    ...((i["full-backing-filename"] ?? i["backing-filename"]) ? { backingFile: i["full-backing-filename"] ?? i["backing-filename"] } : {}),
    ...(i["backing-filename-format"] ? { backingFormat: i["backing-filename-format"] } : {}),
    snapshots: (i.snapshots ?? []).map((s) => ({ id: s.id, name: s.name, vmStateSize: s["vm-state-size"], date: new Date(s["date-sec"] * 1000) })),
  };
}

/**
 * Create a qcow2 linked clone of `base` at `dest` (atomically). `sizeBytes`
 * grows the clone's virtual size beyond the base's when given.
 */
export function createLinkedClone(base: string, dest: string, opts: ImgOptions & { sizeBytes?: number; backingFormat?: "qcow2" | "raw" } = {}): void {
  const tmp = join(dirname(dest), `.${basename(dest)}.tmp-${process.pid}`);
  try {
    const args = ["-q", "-f", "qcow2", "-b", base, "-F", opts.backingFormat ?? "qcow2", tmp];
    if (opts.sizeBytes !== undefined) args.push(String(opts.sizeBytes));
    run(opts, "create", args);
    renameSync(tmp, dest);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Create an empty image. */
export function createImage(dest: string, sizeBytes: number, format: "qcow2" | "raw" = "qcow2", opts: ImgOptions = {}): void {
  run(opts, "create", ["-q", "-f", format, dest, String(sizeBytes)]);
}

/** Convert (and flatten) an image, e.g. a clone into a standalone qcow2. Atomic. */
export function convertImage(src: string, dest: string, outFormat: "qcow2" | "raw" = "qcow2", opts: ImgOptions & { compress?: boolean } = {}): void {
  const tmp = join(dirname(dest), `.${basename(dest)}.tmp-${process.pid}`);
  try {
    const args = ["-q", "-O", outFormat];
    if (opts.compress && outFormat === "qcow2") args.push("-c");
    run(opts, "convert", [...args, src, tmp]);
    renameSync(tmp, dest);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Internal snapshots of a (stopped) qcow2 image. */
export const snapshots = {
  create(path: string, name: string, opts: ImgOptions = {}): void {
    run(opts, "snapshot", ["-c", name, path]);
  },
  apply(path: string, name: string, opts: ImgOptions = {}): void {
    run(opts, "snapshot", ["-a", name, path]);
  },
  delete(path: string, name: string, opts: ImgOptions = {}): void {
    run(opts, "snapshot", ["-d", name, path]);
  },
  list(path: string, opts: ImgOptions = {}): readonly Snapshot[] {
    return imageInfo(path, opts).snapshots;
  },
};
