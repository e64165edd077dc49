/**
 * Template metadata: the `template.wcl` file beside each stored
 * `disk.qcow2` (entity_template_store.md: "hardware, profile, origin, sha256
 * metadata").
 *
 * Contract: `renderMetadata` writes canonical WCL text; `parseMetadata`
 * evaluates that text with our WCL implementation, converts it to plain data
 * and validates it with zod, so the WCL file is the single source of truth
 * (no second machine-readable copy to drift). `parseMetadata` never throws:
 * bad input is `{ ok: false, reason }`. The same data, as JSON, is what the
 * OCI config blob will carry (fact_oci_artifact.md); keys are snake_case in
 * WCL and camelCase in TypeScript.
 *
 * Leaves out: hardware semantics — `hardware` is an open map of scalar
 * attributes (cpus, memory in bytes, firmware, …) recorded by builds and
 * interpreted by the config layer (precedence VM > template > profile).
 */
import { z } from "zod";
import { evaluateSource, quote, toPlain, type DocBlock } from "../wcl/mod.ts";
import { TEMPLATE_DISK } from "./paths.ts";

/** Version of the metadata layout; bumped when a reader must change. */
export const METADATA_FORMAT_VERSION = 1;

const HardwareValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);

export const TemplateMetadataSchema = z.object({
  formatVersion: z.literal(METADATA_FORMAT_VERSION),
  arch: z.string().min(1),
  name: z.string().min(1),
  version: z.string().min(1),
  profile: z.string().min(1).optional(),
  /** RFC 3339 time the template entered a store for the first time (builds) or was adopted. */
  created: z.iso.datetime({ offset: true }),
  disk: z.object({
    file: z.literal(TEMPLATE_DISK),
    format: z.literal("qcow2"),
    /** Bytes of `disk.qcow2` on disk. */
    size: z.number().int().nonnegative(),
    /** Guest-visible disk size in bytes. */
    virtualSize: z.number().int().nonnegative(),
    /** SHA-256 of `disk.qcow2`, lowercase hex. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  origin: z.object({
    kind: z.enum(["build", "adopt", "import", "pull"]),
    /** Where it came from: a file path, an archive, a registry reference. */
    source: z.string().optional(),
    /** Builds: SHA-256 of the source artefact (or of the base template's disk). */
    sourceSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    /** Builds: the vmlab version that built it. */
    tool: z.string().optional(),
    /** Builds: wall-clock seconds from start to seal. */
    buildSeconds: z.number().nonnegative().optional(),
  }),
  hardware: z.record(z.string(), HardwareValue).default({}),
});

export type TemplateMetadata = z.infer<typeof TemplateMetadataSchema>;
export type HardwareAttrs = TemplateMetadata["hardware"];

export type MetadataResult = { readonly ok: true; readonly metadata: TemplateMetadata } | { readonly ok: false; readonly reason: string };

const KEY = /^[a-z_][a-z0-9_]*$/;

function wclValue(v: z.infer<typeof HardwareValue>): string {
  if (typeof v === "string") return quote(v);
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") return String(v);
  return `[${v.map(quote).join(", ")}]`;
}

function lines(pairs: readonly (readonly [string, string])[], indent: string): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${indent}${k.padEnd(width)} = ${v}\n`).join("");
}

/** Canonical `template.wcl` text for `m`. */
export function renderMetadata(m: TemplateMetadata): string {
  const top: [string, string][] = [
    ["format_version", String(m.formatVersion)],
    ["arch", quote(m.arch)],
    ["version", quote(m.version)],
  ];
  if (m.profile !== undefined) top.push(["profile", quote(m.profile)]);
  top.push(["created", quote(m.created)]);
  const disk: [string, string][] = [
    ["file", quote(m.disk.file)],
    ["format", quote(m.disk.format)],
    ["size", String(m.disk.size)],
    ["virtual_size", String(m.disk.virtualSize)],
    ["sha256", quote(m.disk.sha256)],
  ];
  const origin: [string, string][] = [["kind", quote(m.origin.kind)]];
  if (m.origin.source !== undefined) origin.push(["source", quote(m.origin.source)]);
  if (m.origin.sourceSha256 !== undefined) origin.push(["source_sha256", quote(m.origin.sourceSha256)]);
  if (m.origin.tool !== undefined) origin.push(["tool", quote(m.origin.tool)]);
  if (m.origin.buildSeconds !== undefined) origin.push(["build_seconds", String(m.origin.buildSeconds)]);
  const hw = Object.entries(m.hardware)
    .filter(([k]) => KEY.test(k))
    .map(([k, v]) => [k, wclValue(v)] as const);
  return (
    "// Template metadata written by vmlab (template store). Edit with care:\n" +
    "// disk.sha256 is checked on export and import.\n" +
    `template ${quote(m.name)} {\n` +
    lines(top, "  ") +
    `  disk {\n${lines(disk, "    ")}  }\n` +
    `  origin {\n${lines(origin, "    ")}  }\n` +
    (hw.length > 0 ? `  hardware {\n${lines(hw, "    ")}  }\n` : "") +
    "}\n"
  );
}

function attrsOf(b: DocBlock): Record<string, unknown> {
  return Object.fromEntries(b.attrs.map((a) => [a.name, toPlain(a.value)]));
}

function only(b: DocBlock, kind: string): DocBlock | undefined {
  return b.blocks.find((c) => c.kind === kind);
}

/** Parse and validate `template.wcl` text. `file` only labels messages. */
export function parseMetadata(text: string, file: string): MetadataResult {
  let result;
  try {
    result = evaluateSource(text, file);
  } catch (e) {
    return { ok: false, reason: `cannot evaluate ${file}: ${(e as Error).message}` };
  }
  const first = result.diagnostics.find((d) => d.severity === "error");
  if (first !== undefined) return { ok: false, reason: `${file}: ${first.message}` };
  const blocks = result.document.blocks.filter((b) => b.kind === "template");
  const block = blocks[0];
  if (block === undefined || blocks.length !== 1) return { ok: false, reason: `${file}: expected exactly one template block` };
  const name = block.id ?? (block.args[0] === undefined ? undefined : toPlain(block.args[0]));
  const top = attrsOf(block);
  const disk = only(block, "disk");
  const origin = only(block, "origin");
  const hardware = only(block, "hardware");
  const candidate = {
    formatVersion: top.format_version,
    arch: top.arch,
    name,
    version: top.version,
    ...(top.profile === undefined ? {} : { profile: top.profile }),
    created: top.created,
    disk:
      disk === undefined
        ? undefined
        : (() => {
            const d = attrsOf(disk);
            return { file: d.file, format: d.format, size: d.size, virtualSize: d.virtual_size, sha256: d.sha256 };
          })(),
    origin:
      origin === undefined
        ? undefined
        : (() => {
            const o = attrsOf(origin);
            const opt = (k: string, v: unknown) => (v === undefined ? {} : { [k]: v });
            return {
              kind: o.kind,
              ...opt("source", o.source),
              ...opt("sourceSha256", o.source_sha256),
              ...opt("tool", o.tool),
              ...opt("buildSeconds", o.build_seconds),
            };
          })(),
    hardware: hardware === undefined ? {} : attrsOf(hardware),
  };
  const parsed = TemplateMetadataSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? "" : issue.path.join(".");
    return { ok: false, reason: `${file}: invalid metadata${where ? ` at ${where}` : ""}: ${issue?.message ?? "unknown problem"}` };
  }
  return { ok: true, metadata: parsed.data };
}
