/**
 * `vmlab template build [-f FILE] [name…] [--json] [--overwrite] [--compress]
 * [--timeout S]` (PRD §6.1, concept_template_builds.md, process_build_template.md).
 *
 * Theory of operation, one template at a time:
 *   1. lock     `<store>/.builds/<ref>.lock` (O_EXCL + pid): a second build of
 *               the same ref fails with `build.busy`; refused up front when
 *               the ref is in the store and `--overwrite` is not given.
 *   2. source   resolve the source (core/build/source.ts): a local or
 *               downloaded-and-verified qcow2/ISO, a store template, or a
 *               blank disk.
 *   3. boot     synthesise a one-VM lab in `<dir>/.vmlab/builds/<lab>/` whose VM
 *               is named `build` (working disk = linked clone of the source,
 *               hardware = template > base template > profile) and hand it to
 *               a lab daemon through the supervisor, exactly like `vmlab up`;
 *               the plan names this CLI as its owner, so a killed CLI takes
 *               the build VM (and its swtpm) with it.
 *   4. provision  the template's provision scripts run in that daemon
 *               (`lab.vm("build")`).
 *   5. shutdown the graceful ladder (agent, ACPI, kill).
 *   6. seal     `qemu-img convert` flattens the working disk into a store
 *               staging folder (optionally compressed), qemu-img checks it is
 *               a standalone qcow2, the metadata (recorded hardware, source
 *               digest, build time, tool version) is written beside it and
 *               the folder is renamed into place — atomic.
 *   7. clean    the build lab is destroyed and its folder deleted.
 * A failure at any step (or Ctrl-C, or `--timeout`) keeps a screenshot and
 * the logs, destroys the build lab and fails with `build.<step>_failed`,
 * naming the step, the script location (in the daemon's message) and where
 * the logs and screenshot are. Nothing reaches the store.
 */
import type { Command } from "@commander-js/extra-typings";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { acquireBuildLock, resolveSource, type ResolvedSource } from "../../build/mod.ts";
import { labPath, resolveHardware, type HardwareLayer, type Profile, type TemplateDef } from "../../config/mod.ts";
import type { Resolution } from "../../config/resolve.ts";
import { CodedError } from "../../errors/mod.ts";
import { cacheDir } from "../../paths.ts";
import { labLogDir } from "../../daemon/paths.ts";
import { ScreenshotReplySchema, type LabPlan, type VmPlan } from "../../daemon/protocol.ts";
import { z } from "zod";
import { request } from "../../daemon/transport.ts";
import { createImage } from "../../qemu/img.ts";
import type { HardwareAttrs } from "../../store/metadata.ts";
import { TemplateStore, type TemplateEntry } from "../../store/mod.ts";
import { VERSION } from "../../version.ts";
import { WscriptChecker } from "../../scripting/checker.ts";
import { action, ensureLabDaemon, liveLabSocket, printLoadFailure, streamOperation } from "../client.ts";
import { loadLab, readyTimeoutMs } from "../lab_file.ts";
import { metadataLayer } from "../../config/plan.ts";
import { processIo } from "../io.ts";

/** Default limit for a whole build (boot, provisions, shutdown, seal). */
export const BUILD_TIMEOUT_S = 3600;
const MiB = 1024 * 1024;

type Step = "source" | "boot" | "provision" | "shutdown" | "seal";

export interface BuildResult {
  readonly ref: string;
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  readonly virtualSize: number;
  readonly hardware: HardwareAttrs;
  readonly source: string;
  readonly sourceSha256: string | null;
  readonly seconds: number;
}

interface Ctx {
  readonly root: string;
  readonly home: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly profiles: ReadonlyMap<string, Profile>;
  readonly store: TemplateStore;
  readonly quiet: boolean;
  readonly overwrite: boolean;
  readonly compress: boolean;
  readonly timeoutMs: number;
}

function say(ctx: Ctx, msg: string): void {
  if (!ctx.quiet) process.stderr.write(`==> ${msg}\n`);
}

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The lab name of a build: a DNS label unique per template file and ref. */
function buildLabName(file: string, ref: string, name: string): string {
  const h = createHash("sha256").update(`${file}\n${ref}`).digest("hex").slice(0, 8);
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40) || "t";
  return `build-${slug}-${h}`;
}

/** Hardware attributes worth recording: every setting that did not fall back to the default. */
function recorded(r: Resolution): HardwareAttrs {
  const keys: [keyof Resolution["hardware"], string][] = [
    ["cpus", "cpus"],
    ["memory", "memory"],
    ["display", "display"],
    ["firmware", "firmware"],
    ["tpm", "tpm"],
    ["secureBoot", "secure_boot"],
    ["machine", "machine"],
    ["diskBus", "disk_bus"],
    ["nic", "nic"],
  ];
  const out: Record<string, string | number | boolean> = {};
  for (const [k, w] of keys) if (r.from[k] !== "default") out[w] = r.hardware[k];
  return out;
}

const VGA = ["std", "virtio", "qxl", "cirrus", "none"] as const;
const DISK_BUS = ["virtio", "ide", "sata", "nvme", "scsi"] as const;
function oneOf<T extends string>(allowed: readonly T[], v: string, fallback: T): T {
  return (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}

/** The one-VM lab a build runs. */
function buildPlan(t: TemplateDef, src: ResolvedSource, hw: Resolution, labName: string, dir: string, ctx: Ctx): LabPlan {
  const h = hw.hardware;
  const vm: VmPlan = {
    name: "build",
    template: { ref: src.base?.ref ?? `blank:${t.name}`, disk: src.base?.path ?? join(dir, "blank.qcow2") },
    arch: t.arch === "aarch64" ? "aarch64" : "x86_64",
    machine: h.machine,
    cpus: h.cpus,
    memoryMiB: Math.max(16, Math.round(h.memory / MiB)),
    firmware: h.firmware === "ovmf" ? "uefi" : "bios",
    secureBoot: h.secureBoot,
    tpm: h.tpm,
    vga: oneOf(VGA, h.display === "virtio-gpu" ? "virtio" : h.display, "std"),
    diskInterface: oneOf(DISK_BUS, h.diskBus, "virtio"),
    ...(src.base && t.disk !== undefined ? { diskSizeBytes: t.disk } : {}),
    dependsOn: [],
    ...(src.cdrom ? { cdrom: src.cdrom } : {}),
    // The template's media folders and extra disks, built and attached by the lab daemon as for any VM.
    media: t.media.map((m) => ({
      kind: m.kind,
      from: labPath({ root: ctx.root, home: ctx.home }, m.from),
      ...(m.label !== undefined ? { label: m.label } : {}),
    })),
    extraDisks: t.extraDisks.map((d) => ({
      name: d.name,
      ...(d.from !== undefined ? { from: labPath({ root: ctx.root, home: ctx.home }, d.from) } : {}),
      ...(d.size !== undefined ? { sizeBytes: d.size } : {}),
    })),
    nested: t.nested === true,
    qemuArgs: [...t.qemuArgs],
    nics: [],
    // Guests booting an installer have no agent yet: ready when QEMU runs, the provision drives the screen.
    agent: src.kind === "qcow2" || src.kind === "template",
    readyTimeoutMs: readyTimeoutMs(ctx.env),
  };
  return {
    name: labName,
    file: join(dir, "vmlab.wcl"),
    dir,
    vms: [vm],
    provisions: t.provisions.map((p) => ({ script: labPath({ root: ctx.root, home: ctx.home }, p.script), vms: [] })),
    handlers: [],
    ownerPid: process.pid,
  };
}

function stepError(step: Step, ref: string, e: unknown, labName: string, screenshot: string | undefined): CodedError {
  const err = CodedError.from(e);
  if (err.code.startsWith("build.") && step === "source") return err;
  const logs = labLogDir(labName);
  const where = `build VM logs: ${logs}/ (serial console: ${join(logs, "build.serial.log")})${screenshot ? `; last screenshot: ${screenshot}` : ""}`;
  return new CodedError(`build.${step}_failed` as never, `build of ${ref} failed at step ${step}: ${err.message}`, {
    subject: err.subject ?? ref,
    // The daemon's own hint speaks of a lab that stays up; a build's lab is gone.
    hint: `${where}${err.hint && step !== "provision" ? `. ${err.hint}` : ""}`,
    detail: { step, cause: err.code, logs, ...(screenshot ? { screenshot } : {}) },
  });
}

/**
 * Kill the build lab's guests at once (whatever it is doing) and let its
 * daemon delete the lab's folder and exit; resolves once QEMU is gone.
 */
async function abandonLab(labName: string, known: string | undefined): Promise<void> {
  const s = known ?? (await liveLabSocket(labName));
  if (s) await request(s, "POST", "/v1/abandon", {}, z.unknown(), 60_000).catch(() => undefined);
}

async function buildOne(t: TemplateDef, ctx: Ctx): Promise<BuildResult> {
  const started = Date.now();
  const ref = `${t.arch}/${t.name}@${t.version}`;
  if (!ctx.overwrite && ctx.store.list().some((e) => e.ref === ref)) {
    throw new CodedError("template.exists", `template ${ref} is already in the store`, {
      subject: ref,
      hint: "pass --overwrite to rebuild it, or bump `version`",
    });
  }
  const lock = acquireBuildLock(ctx.store.root, t.arch, t.name, t.version);
  const labName = buildLabName(ctx.root, ref, t.name);
  const dir = join(ctx.root, ".vmlab", "builds", labName);
  let step: Step = "source";
  let socket: string | undefined;
  let screenshot: string | undefined;
  let aborted: string | undefined;
  let sealed = false;
  const abort = async (why: string): Promise<void> => {
    aborted ??= why;
    await abandonLab(labName, socket);
  };
  const onSigint = (): void => void abort("interrupted (Ctrl-C)");
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);
  const timer = setTimeout(() => void abort(`timed out after ${Math.round(ctx.timeoutMs / 1000)} s`), ctx.timeoutMs);
  try {
    say(ctx, `${ref}: resolving ${t.source?.kind ?? "?"} source`);
    let lastPct = -1;
    const src = await resolveSource(t, {
      path: (p) => labPath({ root: ctx.root, home: ctx.home }, p),
      store: ctx.store,
      downloads: join(cacheDir(), "downloads"),
      onDownload: (done, total) => {
        const pct = total > 0 ? Math.floor((done / total) * 10) * 10 : -1;
        if (pct !== lastPct) say(ctx, `${ref}: downloading ${total > 0 ? `${pct}%` : `${done} bytes`}`);
        lastPct = pct;
      },
    });
    if (src.sha256) say(ctx, `${ref}: source ${src.describe} (sha256 ${src.sha256.slice(0, 16)}…)`);
    const profileName = t.profile ?? src.baseProfile;
    const hw = resolveHardware(
      defined({ cpus: t.cpus, memory: t.memory, display: t.display, firmware: t.firmware, tpm: t.tpm, secureBoot: t.secureBoot }) as HardwareLayer,
      src.baseHardware ? metadataLayer(src.baseHardware) : undefined,
      profileName === undefined ? undefined : ctx.profiles.get(profileName),
    );

    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "vmlab.wcl"), `// Synthesised by \`vmlab template build\` for ${ref}; deleted when the build ends.\nlab "${labName}" { }\n`);
    if (!src.base) createImage(join(dir, "blank.qcow2"), src.blankBytes as number);
    const plan = buildPlan(t, src, hw, labName, dir, ctx);

    step = "boot";
    say(
      ctx,
      `${ref}: booting the build VM (${plan.vms[0]?.cpus} vCPU, ${plan.vms[0]?.memoryMiB} MiB, ${hw.hardware.firmware}${hw.hardware.tpm ? ", TPM" : ""})`,
    );
    socket = (await ensureLabDaemon(labName, plan.file)).socket;
    if (aborted) throw new CodedError("build.aborted", aborted);
    step = plan.provisions.length ? "provision" : "boot";
    if (plan.provisions.length) say(ctx, `${ref}: running ${plan.provisions.length} provision script(s) once the build VM is ready`);
    await streamOperation(socket, "/v1/up", { plan, vms: [], provision: true }, z.unknown(), { quiet: ctx.quiet }).catch(async (e: unknown) => {
      if (aborted) throw new CodedError("build.aborted", aborted);
      // Keep the screen for the error before the VM goes away.
      const png = join(labLogDir(labName), "build-last-screen.png");
      if (socket) {
        await request(socket, "POST", "/v1/vms/build/screenshot", { path: png }, ScreenshotReplySchema)
          .then(() => (screenshot = png))
          .catch(() => undefined);
      }
      throw e;
    });
    if (aborted) throw new CodedError("build.aborted", aborted);

    step = "shutdown";
    say(ctx, `${ref}: shutting the build VM down`);
    await streamOperation(socket, "/v1/down", { vms: [], force: false }, z.unknown(), { quiet: ctx.quiet });
    if (aborted) throw new CodedError("build.aborted", aborted);

    step = "seal";
    say(ctx, `${ref}: flattening${ctx.compress ? " (compressed)" : ""} and sealing into the store`);
    const clone = join(dir, ".vmlab", "vms", "build", "disk.qcow2");
    if (!existsSync(clone)) throw new CodedError("build.invalid", `the build VM's disk ${clone} is missing`);
    const hardware = recorded(hw);
    const entry: TemplateEntry = await ctx.store.adopt(ref, clone, {
      overwrite: ctx.overwrite,
      compress: ctx.compress,
      // The working disk is a linked clone of the source (or of the blank disk): that one backing file is ours.
      trustedBacking: src.base?.path ?? join(dir, "blank.qcow2"),
      ...(profileName === undefined ? {} : { profile: profileName }),
      hardware,
      origin: {
        kind: "build",
        source: src.describe,
        ...(src.sha256 ? { sourceSha256: src.sha256 } : {}),
        tool: `vmlab ${VERSION}`,
        buildSeconds: Math.round((Date.now() - started) / 100) / 10,
      },
    });
    if (aborted) {
      await ctx.store.remove(ref, { force: true }).catch(() => undefined);
      throw new CodedError("build.aborted", aborted);
    }
    sealed = true;
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    say(ctx, `${ref}: built in ${seconds} s`);
    return {
      ref: entry.ref,
      path: entry.disk,
      sha256: entry.metadata?.disk.sha256 ?? "",
      size: entry.size,
      virtualSize: entry.metadata?.disk.virtualSize ?? 0,
      hardware,
      source: src.describe,
      sourceSha256: src.sha256 ?? null,
      seconds,
    };
  } catch (e) {
    const err =
      e instanceof CodedError && e.code === "build.aborted"
        ? new CodedError(aborted?.startsWith("timed out") ? "build.timeout" : "build.interrupted", `build of ${ref} ${aborted} during step ${step}`, {
            subject: ref,
            hint: `build VM logs: ${labLogDir(labName)}/; nothing was added to the store`,
          })
        : stepError(step, ref, e, labName, screenshot);
    throw err;
  } finally {
    clearTimeout(timer);
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
    if (sealed) {
      const s = socket ?? (await liveLabSocket(labName));
      if (s) await streamOperation(s, "/v1/destroy", {}, z.unknown(), { quiet: true }).catch(() => undefined);
    } else {
      await abandonLab(labName, socket);
    }
    rmSync(dir, { recursive: true, force: true });
    lock.release();
  }
}

export function register(program: Command): void {
  // `template` itself is registered by template.ts (earlier in COMMANDS); build is one more verb under it.
  const t = (program.commands.find((c) => c.name() === "template") ?? program.command("template")) as unknown as Command;
  t.command("build")
    .description("build templates declared in the lab file (all, or the ones named) into the store")
    .argument("[names...]", "template names to build; default: every template in the file")
    .option("-f, --file <path>", "file declaring the templates (default: $VMLAB_FILE, else the nearest vmlab.wcl walking up)")
    .option("--overwrite", "replace a version already in the store")
    .option("--compress", "compress the sealed qcow2 (smaller, slower to build)")
    .option("--timeout <seconds>", `give up after this long (default ${BUILD_TIMEOUT_S})`)
    .option("--json", "print the results as JSON")
    .option("-q, --quiet", "no progress output")
    .action(
      action(
        async (names: string[], opts) => {
          const io = processIo();
          const flags = { file: opts.file, store: false };
          const loaded = loadLab(io, flags, new WscriptChecker());
          if (!loaded.ok) return printLoadFailure(io, flags, new WscriptChecker()) || 1;
          if (loaded.stage !== "validate") return 2;
          const all = loaded.config.templates;
          for (const n of names) {
            if (!all.some((x) => x.name === n)) {
              throw new CodedError("template.not_found", `${loaded.file} declares no template named ${n}`, {
                subject: n,
                hint: all.length ? `templates in it: ${all.map((x) => x.name).join(", ")}` : 'declare one: template "name" { … }',
              });
            }
          }
          const todo = names.length ? all.filter((x) => names.includes(x.name)) : all;
          if (todo.length === 0)
            throw new CodedError("template.not_found", `${loaded.file} declares no template`, {
              subject: loaded.file,
              hint: 'declare one: template "name" { arch version source … }',
            });
          const timeout = opts.timeout === undefined ? BUILD_TIMEOUT_S : Number(opts.timeout);
          if (!Number.isFinite(timeout) || timeout <= 0)
            throw new CodedError("request.invalid", `--timeout must be a positive number of seconds, not ${opts.timeout}`, { hint: "e.g. --timeout 1800" });
          const ctx: Ctx = {
            root: dirname(loaded.file),
            home: io.home,
            env: io.env,
            profiles: loaded.profiles,
            store: new TemplateStore(),
            quiet: opts.quiet === true || opts.json === true,
            overwrite: opts.overwrite === true,
            compress: opts.compress === true,
            timeoutMs: timeout * 1000,
          };
          const results: BuildResult[] = [];
          for (const x of todo) results.push(await buildOne(x, ctx));
          if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
          else for (const r of results) process.stdout.write(`built ${r.ref} (${(r.size / MiB).toFixed(1)} MiB) in ${r.seconds} s\n`);
          return 0;
        },
        (_n, o) => o.json === true,
      ),
    );
}
