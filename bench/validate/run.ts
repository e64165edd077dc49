/**
 * Benchmark: `vmlab validate` of a generated 200-VM, 50-segment lab with
 * provision and handler scripts (issue 3; target < 150 ms of work after
 * process start). Writes the lab, its scripts and a template store into a
 * temp directory, then times the full validation path the CLI runs (file
 * reads, evaluation, schema, model, checks, store lookups) and prints the
 * median wall time. Usage: bun bench/validate/run.ts [runs]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadProfiles, validateLab } from "../../core/config/mod.ts";
import { diskFiles } from "../../core/cli/io.ts";
import { directoryStore } from "../../core/store/lookup.ts";

/** Lab size under test. */
export const VMS = 200;
export const SEGMENTS = 50;
const DEFAULT_RUNS = 15;
const TARGET_MS = 150;

/** The generated lab text: segments with forwards/records, VMs with NICs, static IPs, deps and scripts. */
export function generateLab(vms = VMS, segments = SEGMENTS): string {
  const out = ["import <vmlab.wcl>", "", 'lab "bench" {'];
  for (let s = 0; s < segments; s++) {
    out.push(
      `  segment "seg${s}" {`,
      `    subnet = "10.${100 + Math.floor(s / 256)}.${s % 256}.0/24"`,
      `    record { name = "svc${s}.internal" ip = "10.${100 + Math.floor(s / 256)}.${s % 256}.5" }`,
    );
    out.push(`    forward { host_port = ${20000 + s} to = "vm${s}:22" }`, "  }");
  }
  for (let v = 0; v < vms; v++) {
    const s = v % segments;
    out.push(`  vm "vm${v}" {`, `    template = "x86_64/linux-modern"`, "    cpus = 2", "    memory = 2GiB");
    out.push(`    nic { segment = "seg${s}" ip = "10.${100 + Math.floor(s / 256)}.${s % 256}.${10 + Math.floor(v / segments)}" }`);
    if (v > 0) out.push(`    depends_on = ["vm${v - 1}"]`);
    out.push("  }");
  }
  for (let p = 0; p < 20; p++) out.push(`  provision "scripts/p${p}.ws" { vms = ["vm${p}"] }`);
  out.push('  on "vm.crashed" { run = "scripts/crash.ws" }', "}", "");
  return out.join("\n");
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

if (import.meta.main) {
  const runs = Number(process.argv[2] ?? DEFAULT_RUNS);
  const dir = mkdtempSync(join(tmpdir(), "vmlab-bench-"));
  try {
    mkdirSync(join(dir, "lab/scripts"), { recursive: true });
    const file = join(dir, "lab/vmlab.wcl");
    writeFileSync(file, generateLab());
    for (let p = 0; p < 20; p++) writeFileSync(join(dir, `lab/scripts/p${p}.ws`), "fn main(lab: Lab) {}\n");
    writeFileSync(join(dir, "lab/scripts/crash.ws"), "fn handle(event: Event, lab: Lab) {}\n");
    mkdirSync(join(dir, "store/x86_64/linux-modern/1.0"), { recursive: true });
    writeFileSync(join(dir, "store/x86_64/linux-modern/1.0/disk.qcow2"), "");
    const times: number[] = [];
    let errors = 0;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const profiles = loadProfiles([]);
      const v = validateLab(file, { files: diskFiles, store: directoryStore(join(dir, "store")), profiles: profiles.profiles, scripts: undefined, home: dir });
      times.push(performance.now() - t0);
      errors = v.diagnostics.length;
    }
    const first = times[0] ?? 0;
    const med = median(times);
    console.log(
      `validate ${VMS} VMs / ${SEGMENTS} segments (${errors} diagnostics): first run ${first.toFixed(1)} ms, median of ${runs} ${med.toFixed(1)} ms (target < ${TARGET_MS} ms)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
