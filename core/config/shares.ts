/**
 * Share names and transports (PRD §7.5, entity_shares.md): the SMB share name of a
 * `share {}` block is its `name`, else derived from the guest path — the last path
 * component (`/mnt/src` → `src`, `D:\data` → `data`), or the drive letter for a bare
 * drive (`X:` → `x`) — reduced to characters every SMB client accepts. One smbd
 * serves the whole lab, so names are unique per lab (compared case-insensitively, as
 * SMB does); `shareChecks` reports collisions and bad names as validate errors.
 */
import { error, type Diagnostic } from "../wcl/mod.ts";
import type { Lab } from "./model.ts";

/** Longest share name we generate or accept (NetBIOS-era clients stop at 80). */
export const MAX_SHARE_NAME = 64;
const VALID_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The share name derived from a guest path, or "share" when nothing usable is left. */
export function deriveShareName(guest: string): string {
  const parts = guest.split(/[\\/]+/).filter((p) => p !== "");
  let last = parts.at(-1) ?? "";
  const drive = /^([A-Za-z]):$/.exec(last);
  if (drive) last = (drive[1] as string).toLowerCase();
  const clean = last
    .replace(/[^A-Za-z0-9_.-]+/g, "-")
    .replace(/^[-_.]+|-+$/g, "")
    .slice(0, MAX_SHARE_NAME);
  return clean || "share";
}

/** The share name of a block: `name` when set, else derived from `guest`. */
export function shareName(s: { name?: string | undefined; guest: string }): string {
  return s.name ?? deriveShareName(s.guest);
}

/** The transport a share runs on: `auto` is virtiofs for a Linux (absolute POSIX) guest path, SMB otherwise. */
export function shareTransport(s: { transport?: "smb" | "virtiofs" | "auto" | undefined; guest: string }): "smb" | "virtiofs" {
  if (s.transport === "virtiofs") return "virtiofs";
  if (s.transport === "auto") return s.guest.startsWith("/") ? "virtiofs" : "smb";
  return "smb";
}

/** Why `name` cannot be an SMB share name, or undefined. */
export function badShareName(name: string): string | undefined {
  if (name.length > MAX_SHARE_NAME) return `it is longer than ${MAX_SHARE_NAME} characters`;
  if (!VALID_NAME.test(name)) return "use letters, digits, '-', '_' and '.', starting with a letter or digit";
  if (["global", "homes", "printers", "ipc$"].includes(name.toLowerCase())) return "it is reserved by SMB";
  return undefined;
}

/** Validate errors for share names: malformed `name`s and lab-wide collisions. */
export function shareChecks(lab: Lab): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Map<string, string>();
  for (const vm of lab.vms) {
    for (const s of vm.shares) {
      const name = shareName(s);
      const at = s.at.name ?? s.at.guest ?? s.kindSpan;
      const bad = s.name !== undefined ? badShareName(s.name) : undefined;
      if (bad) out.push(error("config.invalid_share_name", `share name "${s.name}" of VM "${vm.name}" is not usable: ${bad}`, at, { name: s.name }));
      if (s.transport === "virtiofs" && !s.guest.startsWith("/")) {
        out.push(
          error(
            "config.virtiofs_needs_linux_path",
            `share "${name}" of VM "${vm.name}" asks for virtiofs but mounts at "${s.guest}"`,
            s.at.transport ?? s.kindSpan,
            { name, hint: 'virtiofs is for Linux guests (a "/…" mount path); Windows guests use transport = "smb"' },
          ),
        );
      }
      const key = name.toLowerCase();
      const other = seen.get(key);
      if (other !== undefined) {
        out.push(
          error("config.duplicate_share_name", `share "${name}" of VM "${vm.name}" has the same name as a share of ${other}`, at, {
            name,
            hint: 'share names are unique per lab (one SMB server serves it): set name = "…" on one of them',
          }),
        );
      } else seen.set(key, `VM "${vm.name}"`);
    }
  }
  return out;
}
