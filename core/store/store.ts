/**
 * The local template store: `<root>/<arch>/<name>/<version>/` holding
 * `disk.qcow2` and `template.wcl` (entity_template_store.md, PRD §6.2).
 *
 * Contract:
 * - Reads (`list`, `resolve`, `get`, `clones`) take no lock: every write
 *   lands by `rename(2)`, so a reader sees whole templates or none.
 * - Writes stage a complete directory under `<root>/.staging/` (see
 *   `staging.ts`), then take the cross-process store lock (`lock.ts`) only
 *   for the checks and renames that publish it. A failed import, adopt or
 *   export leaves nothing behind; two processes installing the same ref
 *   cannot both win (the loser gets `template.exists`).
 * - Stored disks are standalone qcow2 (no backing file) and read-only
 *   (0444): labs boot linked clones of them, never the disk itself.
 * - Removing or overwriting a template that live linked clones back is
 *   refused (`template.in_use`) unless forced; the lab daemon reports its
 *   clones with `registerClone`/`unregisterClone` (`clones.ts`).
 * - Every user-caused failure is a `StoreError` (`errors.ts`).
 *
 * Leaves out: building (`template build`) and registry pulls, which produce
 * a staged directory and publish it through `commit`.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve as resolvePath } from "node:path";
import { dataDir } from "../paths.ts";
import type { ImgOptions } from "../qemu/img.ts";
import { readArchive, writeArchive, type Progress } from "./archive.ts";
import { cloneStatus, readClones, writeClones, type CloneStatus } from "./clones.ts";
import { flattenToQcow2 } from "./convert.ts";
import { asStoreError, inUse, ioError, notFound, StoreError, versionRequired } from "./errors.ts";
import { assertImageSafe } from "./image_safety.ts";
import { sha256File } from "./inspect.ts";
import { StoreLock, type LockOptions } from "./lock.ts";
import { directoryStore, lookupTemplate } from "./lookup.ts";
import { parseMetadata, renderMetadata, METADATA_FORMAT_VERSION, type HardwareAttrs, type TemplateMetadata } from "./metadata.ts";
import { TEMPLATE_DISK, TEMPLATE_METADATA } from "./paths.ts";
import { compareVersions, formatTemplateRef, parseTemplateRef, type TemplateRef } from "./ref.ts";
import { createStaging, sweepStaging, trashName } from "./staging.ts";

export interface TemplateStoreOptions {
  /** The `templates` directory; default `$XDG_DATA_HOME/vmlab/templates`. */
  readonly root?: string;
  /** Clock for `created` stamps and clone registrations. */
  readonly now?: () => Date;
  readonly lock?: LockOptions;
  readonly img?: ImgOptions;
}

/** A concrete template: `<arch>/<name>@<version>` and where it lives. */
export interface ResolvedTemplate {
  readonly ref: string;
  readonly arch: string;
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  readonly disk: string;
}

export interface TemplateEntry extends ResolvedTemplate {
  /** Bytes of `disk.qcow2`. */
  readonly size: number;
  /** Live linked clones backed by it. */
  readonly clones: number;
  /** Undefined when `template.wcl` is missing or invalid (see `problem`). */
  readonly metadata: TemplateMetadata | undefined;
  readonly problem?: string;
}

export interface RemoveResult {
  readonly removed: ResolvedTemplate;
  /** Live clones that were backed by it (non-empty only when forced). */
  readonly orphanedClones: readonly string[];
}

type StoreRef = Extract<TemplateRef, { kind: "store" }>;

/** Stored disks are read-only: labs write to their clones, never here. */
const DISK_MODE = 0o444;

export class TemplateStore {
  readonly root: string;
  private readonly now: () => Date;

  constructor(private readonly opts: TemplateStoreOptions = {}) {
    this.root = opts.root ?? join(dataDir(), "templates");
    this.now = opts.now ?? (() => new Date());
  }

  // ---- reading ---------------------------------------------------------

  /** Every template in the store, sorted by arch, name, then version. */
  list(): TemplateEntry[] {
    const out: TemplateEntry[] = [];
    for (const arch of this.children(this.root)) {
      for (const name of this.children(join(this.root, arch))) {
        const versions = this.children(join(this.root, arch, name)).filter((v) => existsSync(join(this.root, arch, name, v, TEMPLATE_DISK)));
        for (const version of versions.sort(compareVersions)) out.push(this.entry(this.located(arch, name, version)));
      }
    }
    return out;
  }

  /** Resolve `<arch>/<name>[@<version>]` to a stored template (highest version when omitted). */
  resolve(text: string): ResolvedTemplate {
    const ref = this.parseStoreRef(text);
    const found = lookupTemplate(directoryStore(this.root), ref);
    if (!found.found) throw notFound(text, [...found.available].sort(compareVersions));
    return this.located(ref.arch, ref.name, found.version);
  }

  /** Full entry of one template. */
  get(text: string): TemplateEntry {
    return this.entry(this.resolve(text));
  }

  /** Registered clones of a template with their live/stale status. */
  clones(text: string): CloneStatus[] {
    const t = this.resolve(text);
    return this.cloneStatuses(t);
  }

  // ---- writing ---------------------------------------------------------

  /** Install a `.tar.zst` made by `exportArchive`. */
  async importArchive(file: string, opts: { readonly overwrite?: boolean; readonly onProgress?: Progress } = {}): Promise<TemplateEntry> {
    const stage = this.stage();
    try {
      const { metadata } = await readArchive(file, stage, opts.onProgress);
      const ref = this.parseStoreRef(`${metadata.arch}/${metadata.name}@${metadata.version}`, file);
      await assertImageSafe(join(stage, TEMPLATE_DISK), { origin: file, ...this.imgBinary() });
      chmodSync(join(stage, TEMPLATE_DISK), DISK_MODE);
      return await this.commit(stage, ref.arch, ref.name, metadata.version, opts.overwrite ?? false);
    } finally {
      rmSync(stage, { recursive: true, force: true });
    }
  }

  /** Write one portable archive (metadata + disk) of a stored template. */
  async exportArchive(text: string, out: string, opts: { readonly onProgress?: Progress } = {}): Promise<TemplateEntry> {
    const t = this.resolve(text);
    const { metadata, metadataText } = this.readMetadata(t);
    await writeArchive({ metadata, metadataText, diskPath: t.disk }, out, opts.onProgress);
    return this.entry(t);
  }

  /**
   * Adopt a bare disk image as `<arch>/<name>@<version>`: it must pass
   * `assertImageSafe` (standalone qcow2 — a backing or data file is refused,
   * never read), then it is converted into the store. `trustedBacking` admits
   * one backing file the caller vouches for (a build's clone of a stored
   * template); the chain is then flattened.
   */
  async adopt(
    text: string,
    source: string,
    opts: {
      readonly profile?: string;
      readonly hardware?: HardwareAttrs;
      readonly overwrite?: boolean;
      readonly onProgress?: (fraction: number) => void;
      readonly trustedBacking?: string;
      readonly origin?: TemplateMetadata["origin"];
      readonly compress?: boolean;
    } = {},
  ): Promise<TemplateEntry> {
    const ref = this.parseStoreRef(text);
    if (ref.version === undefined) throw versionRequired(text, "adopting a disk");
    const src = resolvePath(source);
    if (!existsSync(src))
      throw new StoreError({
        code: "store.source_missing",
        path: src,
        message: `disk image ${src} does not exist`,
        hint: "check the path of the qcow2 to import",
      });
    const stage = this.stage();
    try {
      const disk = join(stage, TEMPLATE_DISK);
      // The source is checked before qemu-img reads it: converting would open its backing or data file.
      await assertImageSafe(src, { origin: src, ...this.imgBinary(), ...(opts.trustedBacking === undefined ? {} : { trustedBacking: opts.trustedBacking }) });
      await flattenToQcow2(src, disk, {
        ...(this.opts.img?.binary ? { binary: this.opts.img.binary } : {}),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        ...(opts.compress ? { compress: true } : {}),
      });
      const info = await assertImageSafe(disk, { origin: src, ...this.imgBinary() });
      const metadata: TemplateMetadata = {
        formatVersion: METADATA_FORMAT_VERSION,
        arch: ref.arch,
        name: ref.name,
        version: ref.version,
        ...(opts.profile === undefined ? {} : { profile: opts.profile }),
        created: this.now().toISOString(),
        disk: { file: TEMPLATE_DISK, format: "qcow2", size: statSync(disk).size, virtualSize: info.virtualSize, sha256: await sha256File(disk) },
        origin: opts.origin ?? { kind: "adopt", source: src },
        hardware: opts.hardware ?? {},
      };
      await Bun.write(join(stage, TEMPLATE_METADATA), renderMetadata(metadata));
      chmodSync(disk, DISK_MODE);
      return await this.commit(stage, ref.arch, ref.name, ref.version, opts.overwrite ?? false);
    } catch (e) {
      throw asStoreError("adopt", src, e);
    } finally {
      rmSync(stage, { recursive: true, force: true });
    }
  }

  /** Remove an exact `<arch>/<name>@<version>`; refused while live clones back it unless forced. */
  async remove(text: string, opts: { readonly force?: boolean } = {}): Promise<RemoveResult> {
    const ref = this.parseStoreRef(text);
    if (ref.version === undefined) throw versionRequired(text, "removing a template");
    this.resolve(text); // fail fast, before locking, when it is not there
    const lock = await StoreLock.acquire(this.root, `rm ${text}`, this.opts.lock);
    let trash: string | undefined;
    let result: RemoveResult;
    try {
      const t = this.resolve(text);
      const live = this.cloneStatuses(t)
        .filter((c) => c.live)
        .map((c) => c.path);
      if (live.length > 0 && !opts.force) throw inUse(t.ref, live, "remove");
      trash = trashName(this.root);
      renameSync(t.dir, trash);
      for (const d of [dirname(t.dir), dirname(dirname(t.dir))]) {
        try {
          rmdirSync(d); // only when empty
        } catch {
          break;
        }
      }
      result = { removed: t, orphanedClones: live };
    } catch (e) {
      throw asStoreError("remove", join(this.root, ref.arch, ref.name, ref.version), e);
    } finally {
      lock.release();
    }
    rmSync(trash, { recursive: true, force: true });
    return result;
  }

  /** Record that `clonePath` is a linked clone of the template (call after creating it). */
  async registerClone(text: string, clonePath: string): Promise<void> {
    const path = resolvePath(clonePath);
    await this.withLock(`register clone of ${text}`, () => {
      const t = this.resolve(text);
      const keep = this.cloneStatuses(t).filter((c) => c.path !== path && c.reason !== "missing");
      writeClones(t.dir, [...keep.map(({ path: p, registered }) => ({ path: p, registered })), { path, registered: this.now().toISOString() }]);
    });
  }

  /** Forget a clone (call when deleting it). Unknown templates and clones are ignored. */
  async unregisterClone(text: string, clonePath: string): Promise<void> {
    const path = resolvePath(clonePath);
    await this.withLock(`unregister clone of ${text}`, () => {
      let t: ResolvedTemplate;
      try {
        t = this.resolve(text);
      } catch {
        return;
      }
      const before = readClones(t.dir);
      const after = before.filter((c) => c.path !== path);
      if (after.length !== before.length) writeClones(t.dir, after);
    });
  }

  /**
   * Publish a staged directory (holding `disk.qcow2` and `template.wcl`) as
   * `<arch>/<name>@<version>`. For builds and pulls; the stage is consumed.
   */
  async commit(stage: string, arch: string, name: string, version: string, overwrite: boolean): Promise<TemplateEntry> {
    const ref = `${arch}/${name}@${version}`;
    const dest = join(this.root, arch, name, version);
    let old: string | undefined;
    await this.withLock(`install ${ref}`, () => {
      if (existsSync(dest)) {
        if (existsSync(join(dest, TEMPLATE_DISK))) {
          if (!overwrite)
            throw new StoreError({
              code: "template.exists",
              ref,
              path: dest,
              message: `template ${ref} is already in the store`,
              hint: "pass --overwrite to replace it, or give the new one another version",
            });
          const live = this.cloneStatuses(this.located(arch, name, version))
            .filter((c) => c.live)
            .map((c) => c.path);
          if (live.length > 0) throw inUse(ref, live, "overwrite");
        }
        old = trashName(this.root);
        renameSync(dest, old);
      }
      mkdirSync(dirname(dest), { recursive: true });
      renameSync(stage, dest);
    });
    if (old !== undefined) rmSync(old, { recursive: true, force: true });
    return this.entry(this.located(arch, name, version));
  }

  /** A fresh staging directory inside the store (stale ones are swept first). */
  stage(): string {
    try {
      mkdirSync(this.root, { recursive: true });
      sweepStaging(this.root);
      return createStaging(this.root);
    } catch (e) {
      throw ioError("prepare", this.root, e);
    }
  }

  // ---- helpers ---------------------------------------------------------

  private async withLock(purpose: string, fn: () => void): Promise<void> {
    try {
      mkdirSync(this.root, { recursive: true });
    } catch (e) {
      throw ioError("create", this.root, e);
    }
    const lock = await StoreLock.acquire(this.root, purpose, this.opts.lock);
    try {
      fn();
    } catch (e) {
      throw asStoreError(purpose, this.root, e);
    } finally {
      lock.release();
    }
  }

  private imgBinary(): { binary?: string } {
    return this.opts.img?.binary ? { binary: this.opts.img.binary } : {};
  }

  private parseStoreRef(text: string, path?: string): StoreRef {
    const r = parseTemplateRef(text);
    const at = path === undefined ? {} : { path };
    if (!r.ok) throw new StoreError({ code: "template.invalid_ref", ref: text, ...at, message: r.reason, hint: r.hint });
    if (r.ref.kind !== "store") {
      const hint =
        r.ref.kind === "registry"
          ? `pull it into the store first: \`vmlab template pull ${text} --arch <arch>\``
          : "scratch is a blank disk, not a stored template";
      throw new StoreError({
        code: "template.invalid_ref",
        ref: text,
        ...at,
        message: `"${formatTemplateRef(r.ref)}" is not a store reference <arch>/<name>[@<version>]`,
        hint,
      });
    }
    return r.ref;
  }

  private located(arch: string, name: string, version: string): ResolvedTemplate {
    const dir = join(this.root, arch, name, version);
    return { ref: `${arch}/${name}@${version}`, arch, name, version, dir, disk: join(dir, TEMPLATE_DISK) };
  }

  private children(dir: string): string[] {
    try {
      return readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && !d.name.startsWith("."))
        .map((d) => d.name)
        .sort();
    } catch {
      return [];
    }
  }

  private cloneStatuses(t: ResolvedTemplate): CloneStatus[] {
    return readClones(t.dir).map((c) => cloneStatus(c, t.disk));
  }

  private readMetadata(t: ResolvedTemplate): { metadata: TemplateMetadata; metadataText: string } {
    const file = join(t.dir, TEMPLATE_METADATA);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new StoreError({
        code: "template.metadata_invalid",
        ref: t.ref,
        path: file,
        message: `cannot read metadata of ${t.ref}: ${(e as Error).message}`,
        hint: `remove it with \`vmlab template rm ${t.ref}\` and import it again`,
      });
    }
    const parsed = parseMetadata(text, file);
    if (!parsed.ok)
      throw new StoreError({
        code: "template.metadata_invalid",
        ref: t.ref,
        path: file,
        message: parsed.reason,
        hint: `fix ${file}, or remove the template and import it again`,
      });
    return { metadata: parsed.metadata, metadataText: text };
  }

  private entry(t: ResolvedTemplate): TemplateEntry {
    let size = 0;
    try {
      size = statSync(t.disk).size;
    } catch {
      // raced with a removal: report it as empty
    }
    const clones = this.cloneStatuses(t).filter((c) => c.live).length;
    try {
      return { ...t, size, clones, metadata: this.readMetadata(t).metadata };
    } catch (e) {
      return { ...t, size, clones, metadata: undefined, problem: (e as Error).message };
    }
  }
}
