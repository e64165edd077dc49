/**
 * The lab's persisted state in `<labdir>/.vmlab/state.json`: MAC addresses
 * generated once per NIC (so a guest keeps its DHCP lease and its interface
 * names across `down`/`up`), and the last plan the lab ran with (so `status`
 * can describe a lab that is down). Written atomically (temp + rename).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { LabPlanSchema } from "../protocol.ts";

const StateSchema = z.object({
  version: z.literal(1),
  macs: z.record(z.string(), z.array(z.string())).default({}),
  plan: LabPlanSchema.optional(),
});
export type LabStateFile = z.infer<typeof StateSchema>;

export function stateFilePath(workDir: string): string {
  return join(workDir, "state.json");
}

export function readState(workDir: string): LabStateFile {
  const f = stateFilePath(workDir);
  if (!existsSync(f)) return { version: 1, macs: {} };
  try {
    const parsed = StateSchema.safeParse(JSON.parse(readFileSync(f, "utf8")));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through: an unreadable state file is replaced, not fatal
  }
  return { version: 1, macs: {} };
}

export function writeState(workDir: string, state: LabStateFile): void {
  const f = stateFilePath(workDir);
  const tmp = `${f}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
  renameSync(tmp, f);
}

/** A locally administered unicast MAC in QEMU's 52:54:00 range. */
export function randomMac(): string {
  const b = randomBytes(3);
  return ["52", "54", "00", ...[...b].map((x) => x.toString(16).padStart(2, "0"))].join(":");
}

/**
 * MACs for a VM's NICs: declared ones win, otherwise the persisted ones,
 * otherwise fresh random ones (then persisted by the caller).
 */
export function macsFor(state: LabStateFile, vm: string, declared: readonly (string | undefined)[]): string[] {
  const known = state.macs[vm] ?? [];
  const used = new Set(Object.values(state.macs).flat());
  return declared.map((d, i) => {
    if (d) return d.toLowerCase();
    const k = known[i];
    if (k) return k;
    let m = randomMac();
    while (used.has(m)) m = randomMac();
    used.add(m);
    return m;
  });
}
