/**
 * Semantic checks of `template` blocks (PRD §6.1, entity_template_sources):
 * name is a clean identifier, arch known, version non-empty, name+arch+
 * version unique; exactly one `source`, whose attributes match its kind
 * (`path` xor `url` for iso/qcow2, `url` needs a 64-hex `sha256`, `from` a
 * valid store reference for kind template, `scratch` needs the template's
 * `disk`); the profile exists; secure boot needs OVMF; extra disks have a
 * size or a folder (shared with VMs).
 */
import { didYouMean, error, type Diagnostic } from "../wcl/mod.ts";
import { KNOWN_ARCHES, parseTemplateRef } from "../store/ref.ts";
import type { CheckContext } from "./context.ts";
import type { ExtraDisk, LabConfig } from "./model.ts";
import { resolveHardware } from "./resolve.ts";

const SHA256 = /^[0-9a-f]{64}$/i;
const TEMPLATE_NAME = /^[a-z0-9][a-z0-9._-]*$/i;

export function checkTemplates(config: LabConfig, ctx: CheckContext, out: Diagnostic[]): void {
  const seen = new Set<string>();
  for (const t of config.templates) {
    const nameAt = t.at.name ?? t.kindSpan;
    if (t.name !== "" && !TEMPLATE_NAME.test(t.name))
      out.push(error("config.invalid_name", `template name "${t.name}" may only hold letters, digits, '.', '_' and '-'`, nameAt, { name: t.name }));
    if (t.arch !== "" && !KNOWN_ARCHES.includes(t.arch))
      out.push(
        error("config.unknown_arch", `unknown architecture "${t.arch}" on template "${t.name}"`, t.at.arch ?? t.kindSpan, {
          name: t.arch,
          hint: didYouMean(t.arch, KNOWN_ARCHES) ?? `known: ${KNOWN_ARCHES.join(", ")}`,
        }),
      );
    if (t.at.version !== undefined && t.version.trim() === "")
      out.push(error("config.invalid_value", `template "${t.name}" has an empty version`, t.at.version, { name: "version" }));
    const key = `${t.arch}/${t.name}@${t.version}`;
    if (seen.has(key))
      out.push(error("config.duplicate_name", `template ${key} is declared more than once`, nameAt, { name: t.name, hint: "bump the version" }));
    seen.add(key);
    if (t.profile !== undefined && !ctx.profiles.has(t.profile)) {
      out.push(
        error("config.unknown_profile", `template "${t.name}" uses unknown profile "${t.profile}"`, t.at.profile ?? t.kindSpan, {
          name: t.profile,
          hint: didYouMean(t.profile, ctx.profiles.keys()),
        }),
      );
    }
    const hw = resolveHardware(t, undefined, t.profile !== undefined ? ctx.profiles.get(t.profile) : undefined);
    if (hw.hardware.secureBoot && hw.hardware.firmware !== "ovmf") {
      out.push(
        error(
          "config.secure_boot_needs_ovmf",
          `template "${t.name}" enables secure boot with ${hw.hardware.firmware} firmware`,
          t.at.secure_boot ?? t.at.firmware ?? t.kindSpan,
          { name: t.name, hint: 'set firmware = "ovmf"' },
        ),
      );
    }
    const s = t.source;
    if (s === undefined) {
      out.push(
        error("config.missing_block", `template "${t.name}" has no \`source\` block`, t.kindSpan, {
          name: "source",
          hint: 'add source "iso" { path = "…" } (or qcow2 / template / scratch)',
        }),
      );
    } else if (s.kind !== undefined) {
      const at = s.kindSpan;
      const stray = (attr: "path" | "url" | "sha256" | "from") => {
        if (s[attr] !== undefined)
          out.push(error("config.invalid_source", `\`${attr}\` does not apply to a ${s.kind} source`, s.at[attr] ?? at, { name: attr }));
      };
      if (s.kind === "iso" || s.kind === "qcow2") {
        if (s.path !== undefined && s.url !== undefined)
          out.push(
            error("config.invalid_source", `${s.kind} source of template "${t.name}" sets both \`path\` and \`url\``, s.at.url ?? at, {
              name: "url",
              hint: "use one of them",
            }),
          );
        if (s.path === undefined && s.url === undefined)
          out.push(error("config.invalid_source", `${s.kind} source of template "${t.name}" needs \`path\` or \`url\``, at, { name: s.kind }));
        if (s.url !== undefined && !/^https?:\/\/\S+$/.test(s.url))
          out.push(error("config.invalid_source", `source url "${s.url}" is not an http(s) URL`, s.at.url ?? at, { name: s.url }));
        if (s.url !== undefined && s.sha256 === undefined)
          out.push(
            error("config.url_needs_sha256", `a downloaded ${s.kind} needs \`sha256\``, s.at.url ?? at, {
              name: "sha256",
              hint: 'add sha256 = "<64 hex digits>" so the download is verified',
            }),
          );
        if (s.sha256 !== undefined && !SHA256.test(s.sha256))
          out.push(error("config.invalid_source", "`sha256` must be 64 hex digits", s.at.sha256 ?? at, { name: s.sha256 }));
        stray("from");
      } else if (s.kind === "template") {
        if (s.from === undefined)
          out.push(
            error("config.invalid_source", `template source of "${t.name}" needs \`from\``, at, {
              name: "from",
              hint: 'e.g. from = "x86_64/linux-modern@1.0"',
            }),
          );
        else {
          const r = parseTemplateRef(s.from);
          if (!r.ok) out.push(error(r.code, r.reason, s.at.from ?? at, { name: s.from, hint: r.hint }));
          else if (r.ref.kind !== "store")
            out.push(error("config.invalid_template_ref", `a layered build starts from a store template, not "${s.from}"`, s.at.from ?? at, { name: s.from }));
        }
        for (const a of ["path", "url", "sha256"] as const) stray(a);
      } else {
        if (t.disk === undefined)
          out.push(
            error("config.scratch_incomplete", `template "${t.name}" builds from scratch and needs \`disk\``, t.kindSpan, {
              name: "disk",
              hint: "add disk = 64GiB",
            }),
          );
        for (const a of ["path", "url", "sha256", "from"] as const) stray(a);
      }
    }
    checkDisks(t.extraDisks, `template "${t.name}"`, out);
  }
  for (const vm of config.lab?.vms ?? []) checkDisks(vm.extraDisks, `VM "${vm.name}"`, out);
  for (const m of [...(config.lab?.vms ?? []).flatMap((v) => v.media), ...config.templates.flatMap((t) => t.media)]) {
    if (m.label !== undefined && !/^[A-Za-z0-9_ -]{1,32}$/.test(m.label))
      out.push(
        error("config.invalid_value", `media label "${m.label}" must be 1–32 letters, digits, spaces, '_' or '-'`, m.at.label ?? m.kindSpan, { name: m.label }),
      );
    else if (m.kind === "floppy" && m.label !== undefined && m.label.length > 11)
      out.push(
        error("config.invalid_value", `floppy label "${m.label}" is longer than 11 characters (the FAT limit)`, m.at.label ?? m.kindSpan, { name: m.label }),
      );
  }
}

function checkDisks(disks: readonly ExtraDisk[], owner: string, out: Diagnostic[]): void {
  const names = new Set<string>();
  for (const d of disks) {
    if (d.size === undefined && d.from === undefined && d.at.size === undefined)
      out.push(
        error("config.disk_size_or_from", `disk "${d.name}" of ${owner} needs \`size\` or \`from\``, d.kindSpan, { name: d.name, hint: "e.g. size = 10GiB" }),
      );
    if (names.has(d.name))
      out.push(error("config.duplicate_name", `disk "${d.name}" is declared more than once on ${owner}`, d.at.name ?? d.kindSpan, { name: d.name }));
    names.add(d.name);
  }
}
