/**
 * Where a template build starts from (PRD §6.1, entity_template_sources.md):
 * the disk the build VM's working disk is layered on, or a blank one, and
 * what is attached as its CD-ROM.
 *
 *   qcow2     a local image (`path`) or a verified download (`url` + `sha256`)
 *             becomes the backing file of the working disk
 *   iso       a blank working disk of the template's `disk` size; the ISO
 *             (local or downloaded) is the CD-ROM the guest installs from
 *   template  a store template (`from`, layered build): its disk backs the
 *             working disk and its recorded hardware is the layer under the
 *             new template's own settings
 *   scratch   a blank working disk of `disk`; whatever boots comes from media
 *
 * The source digest recorded in the sealed template's metadata is the
 * SHA-256 of the artefact (or the base template's recorded disk digest).
 */
import { existsSync } from "node:fs";
import { CodedError } from "../errors/mod.ts";
import type { TemplateDef } from "../config/model.ts";
import { assertImageSafe } from "../store/image_safety.ts";
import { sha256File } from "../store/inspect.ts";
import type { TemplateStore } from "../store/store.ts";
import type { HardwareAttrs } from "../store/metadata.ts";
import { downloadVerified, type ByteProgress } from "./download.ts";

export interface ResolvedSource {
  readonly kind: "iso" | "qcow2" | "template" | "scratch";
  /** Backing disk of the working disk; undefined → a blank disk of `blankBytes`. */
  readonly base?: { readonly path: string; readonly ref: string };
  readonly blankBytes?: number;
  /** ISO attached as the build VM's CD-ROM. */
  readonly cdrom?: string;
  /** What it was, for the metadata's `origin.source`. */
  readonly describe: string;
  readonly sha256?: string;
  /** Recorded hardware of the base template (layered builds). */
  readonly baseHardware?: HardwareAttrs;
  readonly baseProfile?: string;
}

export interface SourceContext {
  /** Resolve a path of the template file (relative to its folder, `~` expanded). */
  path(p: string): string;
  readonly store: TemplateStore;
  readonly downloads: string;
  readonly onDownload?: ByteProgress;
}

async function artefact(t: TemplateDef, ctx: SourceContext): Promise<{ file: string; sha256: string; describe: string }> {
  const s = t.source;
  if (s?.url !== undefined && s.sha256 !== undefined) {
    const file = await downloadVerified(s.url, s.sha256, { cacheDir: ctx.downloads, ...(ctx.onDownload ? { onProgress: ctx.onDownload } : {}) });
    return { file, sha256: s.sha256.toLowerCase(), describe: s.url };
  }
  const file = ctx.path(s?.path ?? "");
  if (!existsSync(file)) {
    throw new CodedError("build.source_missing", `source file ${file} of template ${t.name} does not exist`, {
      subject: file,
      hint: "check `path` in the source block",
    });
  }
  return { file, sha256: await sha256File(file), describe: file };
}

function needDisk(t: TemplateDef): number {
  if (t.disk === undefined)
    throw new CodedError("build.invalid", `template ${t.name} builds on a blank disk and needs \`disk\``, { subject: t.name, hint: "add disk = 20GiB" });
  return t.disk;
}

export async function resolveSource(t: TemplateDef, ctx: SourceContext): Promise<ResolvedSource> {
  const s = t.source;
  switch (s?.kind) {
    case "qcow2": {
      const a = await artefact(t, ctx);
      // The image becomes the build disk's backing file: it must name no host file itself.
      await assertImageSafe(a.file, { origin: a.describe });
      return { kind: "qcow2", base: { path: a.file, ref: `source:${a.describe}` }, describe: a.describe, sha256: a.sha256 };
    }
    case "iso": {
      const a = await artefact(t, ctx);
      return { kind: "iso", blankBytes: needDisk(t), cdrom: a.file, describe: a.describe, sha256: a.sha256 };
    }
    case "template": {
      const from = s.from ?? "";
      let entry;
      try {
        entry = ctx.store.get(ctx.store.resolve(from).ref);
      } catch (e) {
        throw new CodedError("build.source_missing", `base template ${from} of ${t.name} is not in the store: ${(e as Error).message}`, {
          subject: from,
          hint: "build or pull the base template first",
        });
      }
      return {
        kind: "template",
        base: { path: entry.disk, ref: entry.ref },
        describe: entry.ref,
        ...(entry.metadata ? { sha256: entry.metadata.disk.sha256, baseHardware: entry.metadata.hardware } : {}),
        ...(entry.metadata?.profile ? { baseProfile: entry.metadata.profile } : {}),
      };
    }
    case "scratch":
      return { kind: "scratch", blankBytes: needDisk(t), describe: "scratch" };
    default:
      throw new CodedError("build.invalid", `template ${t.name} has no usable source block`, {
        subject: t.name,
        hint: 'add source "qcow2" { path = "…" } (or iso / template / scratch)',
      });
  }
}
