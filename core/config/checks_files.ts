/**
 * File checks: every path a lab or template names must exist with the right
 * kind — CD-ROM/floppy images and source paths are files, share hosts,
 * media and `disk from` folders are directories — and every provision and
 * handler script exists and, once a `ScriptChecker` is injected, type-checks
 * with its entry point (`main` for provisions/first_boot, `handle` for
 * handlers). Paths are relative to the lab root; share hosts may use `~/`.
 */
import { isAbsolute, join } from "node:path";
import { error, type Diagnostic, type Span } from "../wcl/mod.ts";
import type { CheckContext } from "./context.ts";
import type { LabConfig } from "./model.ts";

/** Resolve a path as written in a lab file. */
export function labPath(ctx: Pick<CheckContext, "root" | "home">, p: string): string {
  if (p === "~" || p.startsWith("~/")) return join(ctx.home, p.slice(1));
  return isAbsolute(p) ? p : join(ctx.root, p);
}

export function checkFiles(config: LabConfig, ctx: CheckContext, out: Diagnostic[]): void {
  const want = (p: string | undefined, kind: "file" | "dir", span: Span | undefined, what: string, fallback: Span) => {
    if (p === undefined || p === "") return;
    const full = labPath(ctx, p);
    const got = ctx.files.kind(full);
    if (got === kind) return;
    out.push(
      error(
        "config.missing_path",
        got === undefined
          ? `${what} "${p}" does not exist`
          : `${what} "${p}" is ${got === "dir" ? "a directory" : got === "other" ? "not a regular file (a device, FIFO or socket)" : "a file"}, not a ${kind === "dir" ? "directory" : "file"}`,
        span ?? fallback,
        {
          name: p,
          hint: got === undefined ? `looked for ${full}` : undefined,
        },
      ),
    );
  };
  const script = (p: string, entry: "main" | "handle", span: Span | undefined, what: string, fallback: Span) => {
    if (p === "") return;
    const full = labPath(ctx, p);
    const kind = ctx.files.kind(full);
    if (kind !== "file") {
      out.push(error("config.missing_script", `${what} "${p}" does not exist`, span ?? fallback, { name: p, hint: `looked for ${full}` }));
      return;
    }
    if (!p.endsWith(".ws")) out.push(error("config.invalid_script", `${what} "${p}" is not a wscript file (.ws)`, span ?? fallback, { name: p }));
    if (ctx.scripts === undefined) return;
    const text = ctx.files.read(full);
    if (text === undefined) {
      out.push(error("config.missing_script", `${what} "${p}" cannot be read`, span ?? fallback, { name: p }));
      return;
    }
    out.push(...ctx.scripts.check(full, text, entry));
  };
  const lab = config.lab;
  if (lab) {
    for (const vm of lab.vms) {
      want(vm.cdrom, "file", vm.at.cdrom, `cdrom of VM "${vm.name}"`, vm.kindSpan);
      want(vm.floppy, "file", vm.at.floppy, `floppy of VM "${vm.name}"`, vm.kindSpan);
      for (const s of vm.shares) want(s.host, "dir", s.at.host, `shared folder of VM "${vm.name}"`, s.kindSpan);
      for (const m of vm.media) want(m.from, "dir", m.at.from, `media folder of VM "${vm.name}"`, m.kindSpan);
      for (const d of vm.extraDisks) want(d.from, "dir", d.at.from, `disk "${d.name}" folder of VM "${vm.name}"`, d.kindSpan);
    }
    for (const p of lab.provisions) script(p.script, "main", p.at.script, "provision script", p.kindSpan);
    for (const h of lab.handlers) script(h.run, "handle", h.at.run, `handler script for "${h.event}"`, h.kindSpan);
  }
  for (const t of config.templates) {
    for (const m of t.media) want(m.from, "dir", m.at.from, `media folder of template "${t.name}"`, m.kindSpan);
    for (const d of t.extraDisks) want(d.from, "dir", d.at.from, `disk "${d.name}" folder of template "${t.name}"`, d.kindSpan);
    if (t.source !== undefined && (t.source.kind === "iso" || t.source.kind === "qcow2"))
      want(t.source.path, "file", t.source.at.path, `${t.source.kind} source of template "${t.name}"`, t.source.kindSpan);
    for (const p of t.provisions) script(p.script, "main", p.at.script, `build script of template "${t.name}"`, p.kindSpan);
    if (t.firstBoot !== undefined) script(t.firstBoot, "main", t.at.first_boot, `first_boot script of template "${t.name}"`, t.kindSpan);
  }
}
