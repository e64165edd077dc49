/**
 * `vmlab template list|rm|export|import` — the local template store
 * (cli_ref.md "vmlab template", PRD §6.2).
 *
 * - `list [--json]`: a table (ref, disk size, virtual size, profile,
 *   created, live clones), or the full metadata array with sizes in bytes
 *   and RFC 3339 times.
 * - `rm <arch>/<name>@<version> [--force]`: refused while live linked clones
 *   back it; forced removal warns and lists the clones left without a base.
 * - `export <ref> <out.tar.zst>` / `import <archive.tar.zst> [--overwrite]`:
 *   one portable archive (disk + metadata).
 * - `import --ref <arch>/<name>@<ver> [--profile P] <disk.qcow2>`: adopt a
 *   bare qcow2 (flattened into the store).
 *
 * Exit status: 0 ok, 1 failure, 2 usage. Errors print through the CLI's one
 * renderer (core/cli/render.ts). Export/import show bytes done of
 * total on stderr when it is a TTY. The store is used directly: its
 * cross-process lock keeps concurrent CLIs and daemons safe.
 * Registry verbs (push, pull, login, logout, list --remote) live in
 * `template_remote.ts`. Leaves out: build (its own issue).
 */
import type { Command } from "@commander-js/extra-typings";
import { CodedError } from "../../errors/mod.ts";
import { StoreError, TemplateStore, type TemplateEntry } from "../../store/mod.ts";
import { reportError } from "../render.ts";
import { makeStyle, wantsColor, type Style } from "../style.ts";
import { renderTable } from "../table.ts";
import { listRemote, registerRemote } from "./template_remote.ts";

/** Minimum time between two progress redraws. */
export const PROGRESS_INTERVAL_MS = 100;

export interface TemplateIo {
  out(s: string): void;
  err(s: string): void;
  readonly outStyle: Style;
  readonly errStyle: Style;
  /** Draw progress (stderr is a terminal). */
  readonly progress: boolean;
  now(): number;
}

function processIo(): TemplateIo {
  return {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    outStyle: makeStyle(wantsColor(process.env, Boolean(process.stdout.isTTY))),
    errStyle: makeStyle(wantsColor(process.env, Boolean(process.stderr.isTTY))),
    progress: Boolean(process.stderr.isTTY),
    now: () => Date.now(),
  };
}

/** `1.5 GiB`, `512 B`. */
export function humanBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

function printError(io: TemplateIo, e: unknown, json: boolean): number {
  reportError(e, { json, sink: { err: io.err, style: io.errStyle }, notes: e instanceof StoreError ? e.clones : undefined });
  if (e instanceof CodedError && e.code.startsWith("usage.")) return 2;
  return 1;
}

function usage(io: TemplateIo, message: string, hint: string): number {
  reportError(new CodedError("usage.invalid", message, { hint }), { sink: { err: io.err, style: io.errStyle } });
  return 2;
}

/** A throttled one-line `label  done / total (pct%)` on stderr, when it is a TTY. */
function progressLine(io: TemplateIo, label: string): { update(done: number, total: number): void; finish(): void } {
  let last = 0;
  let drawn = false;
  return {
    update(done, total) {
      if (!io.progress) return;
      const t = io.now();
      if (t - last < PROGRESS_INTERVAL_MS && done < total) return;
      last = t;
      drawn = true;
      const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
      io.err(`\r\x1b[2K${label}  ${humanBytes(done)} / ${humanBytes(total)}  (${pct}%)`);
    },
    finish() {
      if (drawn) io.err("\r\x1b[2K");
      drawn = false;
    },
  };
}

function jsonEntry(e: TemplateEntry): Record<string, unknown> {
  const m = e.metadata;
  return {
    ref: e.ref,
    arch: e.arch,
    name: e.name,
    version: e.version,
    size: e.size,
    virtualSize: m?.disk.virtualSize ?? null,
    profile: m?.profile ?? null,
    created: m?.created ?? null,
    clones: e.clones,
    sha256: m?.disk.sha256 ?? null,
    origin: m?.origin ?? null,
    hardware: m?.hardware ?? {},
    path: e.dir,
    ...(e.problem === undefined ? {} : { problem: e.problem }),
  };
}

/** Recorded hardware in one cell: `2 vCPU, 512.0 MiB, ovmf, tpm`. */
export function hardwareSummary(hw: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  if (typeof hw.cpus === "number") parts.push(`${hw.cpus} vCPU`);
  if (typeof hw.memory === "number") parts.push(humanBytes(hw.memory));
  if (typeof hw.firmware === "string") parts.push(hw.firmware);
  if (hw.secure_boot === true) parts.push("secure boot");
  if (hw.tpm === true) parts.push("tpm");
  if (typeof hw.machine === "string") parts.push(hw.machine);
  return parts.join(", ") || "-";
}

function list(store: TemplateStore, io: TemplateIo, json: boolean): number {
  const entries = store.list();
  if (json) {
    io.out(`${JSON.stringify(entries.map(jsonEntry), null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    io.out(`No templates in ${store.root}.\n`);
    io.err(
      `${io.errStyle.cyan("hint")}: import one with \`vmlab template import <archive.tar.zst>\` or \`vmlab template import --ref <arch>/<name>@<version> <disk.qcow2>\`\n`,
    );
    return 0;
  }
  const s = io.outStyle;
  const rows = entries.map((e) => [
    e.ref,
    humanBytes(e.size),
    e.metadata ? humanBytes(e.metadata.disk.virtualSize) : "-",
    e.metadata?.profile ?? "-",
    e.metadata ? e.metadata.created.replace(/\.\d+Z$/, "Z") : s.red(`invalid: ${e.problem ?? "?"}`),
    e.clones > 0 ? s.yellow(String(e.clones)) : "0",
    hardwareSummary(e.metadata?.hardware ?? {}),
  ]);
  io.out(`${renderTable(["REF", "SIZE", "VIRTUAL", "PROFILE", "CREATED", "CLONES", "HARDWARE"], rows, s)}\n`);
  return 0;
}

async function remove(store: TemplateStore, io: TemplateIo, ref: string, force: boolean): Promise<number> {
  const r = await store.remove(ref, { force });
  if (r.orphanedClones.length > 0) {
    const s = io.errStyle;
    io.err(`${s.yellow(s.bold("warning"))}: ${r.orphanedClones.length} linked clone(s) were backed by ${r.removed.ref} and will no longer start:\n`);
    io.err(r.orphanedClones.map((c) => `  ${c}\n`).join(""));
  }
  io.out(`removed ${r.removed.ref}\n`);
  return 0;
}

async function exportTemplate(store: TemplateStore, io: TemplateIo, ref: string, file: string): Promise<number> {
  const resolved = store.resolve(ref).ref;
  const p = progressLine(io, `exporting ${resolved}`);
  try {
    const e = await store.exportArchive(resolved, file, { onProgress: p.update });
    p.finish();
    io.out(`exported ${e.ref} to ${file} (${humanBytes(Bun.file(file).size)})\n`);
    return 0;
  } finally {
    p.finish();
  }
}

async function importTemplate(
  store: TemplateStore,
  io: TemplateIo,
  file: string,
  opts: { overwrite?: boolean; ref?: string; profile?: string },
): Promise<number> {
  if (opts.ref === undefined) {
    if (opts.profile !== undefined)
      return usage(
        io,
        "--profile only applies when adopting a disk with --ref",
        "vmlab template import --ref <arch>/<name>@<version> --profile <profile> <disk.qcow2>",
      );
    const p = progressLine(io, `importing ${file}`);
    try {
      const e = await store.importArchive(file, { overwrite: opts.overwrite ?? false, onProgress: p.update });
      p.finish();
      io.out(`imported ${e.ref} (${humanBytes(e.size)})\n`);
      return 0;
    } finally {
      p.finish();
    }
  }
  const p = progressLine(io, `adopting ${file}`);
  try {
    const e = await store.adopt(opts.ref, file, {
      overwrite: opts.overwrite ?? false,
      ...(opts.profile === undefined ? {} : { profile: opts.profile }),
      onProgress: (f) => p.update(Math.round(f * 100), 100),
    });
    p.finish();
    io.out(`imported ${e.ref} from ${file} (${humanBytes(e.size)})\n`);
    return 0;
  } finally {
    p.finish();
  }
}

export interface TemplateDeps {
  readonly store?: () => TemplateStore;
  readonly io?: () => TemplateIo;
}

/** The `template` verbs, with injectable store and I/O (tests). */
export function templateCommand(deps: TemplateDeps = {}): { register(program: Command): void } {
  const run = async (fn: (store: TemplateStore, io: TemplateIo) => number | Promise<number>, json = false): Promise<void> => {
    const io = (deps.io ?? processIo)();
    try {
      process.exitCode = await fn((deps.store ?? (() => new TemplateStore()))(), io);
    } catch (e) {
      process.exitCode = printError(io, e, json);
    }
  };
  return {
    register(program) {
      const t = program.command("template").description("manage and share disk templates in the local store");
      t.command("list")
        .description("List templates in the store, or a registry repository's tags with --remote")
        .option("--json", "emit the full metadata array (ref, sizes in bytes, RFC 3339 created)")
        .option("--remote <repo>", "list the tags of a registry repository (host/repo)")
        .action((o) => run((s, io) => (o.remote === undefined ? list(s, io, o.json ?? false) : listRemote(io, o.remote, o.json ?? false)), o.json ?? false));
      t.command("rm")
        .description("Remove a template from the store (exact version required)")
        .argument("<ref>", "<arch>/<name>@<version>")
        .option("--force", "remove even if linked clones back it")
        .action((ref, o) => run((s, io) => remove(s, io, ref, o.force ?? false)));
      t.command("export")
        .description("Export a stored template to a portable archive")
        .argument("<ref>", "<arch>/<name>[@<version>]")
        .argument("<file>", "output archive (.tar.zst)")
        .action((ref, file) => run((s, io) => exportTemplate(s, io, ref, file)));
      t.command("import")
        .description("Import a template archive, or adopt a bare qcow2 with --ref")
        .argument("<file>", "archive.tar.zst, or disk.qcow2 with --ref")
        .option("--overwrite", "replace an existing store entry")
        .option("--ref <ref>", "adopt <file> as a bare qcow2 under <arch>/<name>@<version>")
        .option("--profile <profile>", "guest OS profile to record (with --ref)")
        .action((file, o) => run((s, io) => importTemplate(s, io, file, o)));
      registerRemote(t, run);
    },
  };
}

export function register(program: Command): void {
  templateCommand().register(program);
}
