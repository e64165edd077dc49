/**
 * `vmlab doctor [--json]` — what this host offers vmlab.
 *
 * Reports QEMU emulators and versions, qemu-img, the accelerator verdict
 * (running the KVM probe if no verdict is cached for this boot), optional
 * tools found or missing with the package that provides each, the XDG paths
 * in use and the free space where templates and clones live.
 * Exit status: 0 when vmlab can run guests (qemu-img and at least one
 * emulator present), 1 otherwise.
 */
import type { Command } from "@commander-js/extra-typings";
import { existsSync, statfsSync } from "node:fs";
import { dirname } from "node:path";
import { chooseAccel, type AccelDecision } from "../../qemu/accel.ts";
import { emulatorStatus, locate, OPTIONAL_TOOLS, qemuImgStatus, type ToolStatus } from "../../qemu/host.ts";
import { allPaths } from "../../paths.ts";
import { VERSION } from "../../version.ts";
import { stdoutStyle } from "../style.ts";
import { renderTable } from "../table.ts";

export interface DoctorReport {
  readonly vmlab: string;
  readonly ok: boolean;
  readonly emulators: readonly ToolStatus[];
  readonly qemuImg: ToolStatus;
  readonly accel: AccelDecision | null;
  readonly optional: readonly { name: string; feature: string; package: string; found: boolean; path: string | null }[];
  readonly paths: Record<string, string>;
  readonly disk: { path: string; freeBytes: number; totalBytes: number } | null;
  readonly problems: readonly string[];
}

function freeSpace(path: string): DoctorReport["disk"] {
  let p = path;
  while (!existsSync(p) && p !== "/") p = dirname(p);
  try {
    const s = statfsSync(p);
    return { path, freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  } catch {
    return null;
  }
}

export function collectDoctor(): DoctorReport {
  const emulators = emulatorStatus();
  const qemuImg = qemuImgStatus();
  const x86 = emulators.find((e) => e.name === "qemu-system-x86_64");
  const accel = x86?.path ? chooseAccel("x86_64", { qemuBinary: x86.path }) : null;
  const optional = OPTIONAL_TOOLS.map((t) => {
    const path = locate(t.name, t.paths ?? []);
    return { name: t.name, feature: t.feature, package: t.pkg, found: path !== null, path };
  });
  const paths = allPaths();
  const problems: string[] = [];
  if (!qemuImg.path) problems.push("qemu-img is missing (apt-get install qemu-utils)");
  if (!emulators.some((e) => e.path)) problems.push("no QEMU emulator found (apt-get install qemu-system-x86)");
  return {
    vmlab: VERSION,
    ok: problems.length === 0,
    emulators,
    qemuImg,
    accel,
    optional,
    paths,
    disk: freeSpace(paths.data),
    problems,
  };
}

function gib(n: number): string {
  return `${(n / 2 ** 30).toFixed(1)} GiB`;
}

export function renderDoctor(r: DoctorReport): string {
  const s = stdoutStyle();
  const ok = (b: boolean) => (b ? s.green("ok") : s.red("missing"));
  const out: string[] = [];
  out.push(s.bold(`vmlab ${r.vmlab}`), "");
  out.push(
    renderTable(
      ["TOOL", "STATUS", "VERSION", "PATH"],
      [...r.emulators, r.qemuImg].map((e) => [e.name, ok(e.path !== null), e.version ?? "-", e.path ?? "-"]),
      s,
    ),
  );
  out.push("");
  if (r.accel) {
    const verdict = r.accel.accel === "kvm" ? s.green("kvm") : r.accel.fellBack ? s.yellow("tcg") : "tcg";
    out.push(`accelerator: ${verdict} — ${r.accel.reason}`, "");
  }
  out.push(
    renderTable(
      ["OPTIONAL", "STATUS", "FOR", "PACKAGE"],
      r.optional.map((o) => [o.name, o.found ? s.green("found") : s.dim("missing"), o.feature, o.package]),
      s,
    ),
  );
  out.push("");
  out.push(
    renderTable(
      ["PATH", "LOCATION"],
      Object.entries(r.paths).map(([k, v]) => [k, v]),
      s,
    ),
  );
  if (r.disk) out.push("", `free disk: ${gib(r.disk.freeBytes)} of ${gib(r.disk.totalBytes)} at ${r.disk.path}`);
  for (const p of r.problems) out.push(s.red(`problem: ${p}`));
  return out.join("\n");
}

export function register(program: Command): void {
  program
    .command("doctor")
    .description("check QEMU, the accelerator, optional tools, paths and disk space")
    .option("--json", "print the report as JSON")
    .action((opts) => {
      const report = collectDoctor();
      process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : renderDoctor(report)) + "\n");
      process.exitCode = report.ok ? 0 : 1;
    });
}
