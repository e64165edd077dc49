/**
 * Guest-side mount commands for SMB shares (PRD §7.5), pure: they build what the
 * guest agent runs; `lab_shares.ts` runs them.
 *
 * Linux (`linuxMountScript`): a POSIX `sh` script fed to `/bin/sh -s` on the agent's
 * stdin, so the credential is in no process's argv and in none of our logs. With
 * cifs-utils' `mount.cifs` it writes a `credentials=` file; on guests with only
 * busybox (the tiny test guest) it writes a one-line fstab and runs `mount -T` on
 * it — both files live in a 0700 temp folder removed when the script exits. An
 * existing mount at the guest path is left alone (after an online snapshot restore
 * the kernel's SMB client reconnects by itself), so the script is idempotent.
 *
 * Windows (`windowsMountCommands`, not exercised here — no Windows guest in CI):
 * a drive target (`X:`) is `net use X: \\gw\share <pw> /user:<u> /persistent:no`; a
 * folder target authenticates the UNC path with `net use` and links the folder to it
 * (`mklink /D`). `net.exe` takes the password in argv, visible to local admins for
 * the instant it runs — documented; the lines go to `cmd.exe` on stdin, not argv.
 */
import type { SmbCredential } from "./credentials.ts";

/** One share to mount in a guest. */
export interface GuestMount {
  /** SMB share name. */
  name: string;
  /** Guest mount path (Linux) or drive/folder (Windows). */
  guest: string;
  readonly: boolean;
  /** The segment gateway the VM reaches smbd at. */
  gateway: string;
}

/** Kernel cifs options every Linux mount gets (UTF-8 names, root-owned files). */
export const LINUX_CIFS_OPTIONS = ["iocharset=utf8", "uid=0", "gid=0", "file_mode=0644", "dir_mode=0755", "sec=ntlmssp"] as const;

/** True when `guest` is a Windows target (`X:`, `X:\dir`, `\\?\…`). */
export function isWindowsTarget(guest: string): boolean {
  return /^[A-Za-z]:($|[\\/])/.test(guest);
}

/** `s` as one single-quoted sh word. */
export function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** fstab field escaping (getmntent decodes octal escapes). */
function fstabField(s: string): string {
  return s.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`);
}

/** The sh script that mounts `m` with `cred` in a Linux guest (feed it on stdin; it contains the password). */
export function linuxMountScript(m: GuestMount, cred: SmbCredential): string {
  const unc = `//${m.gateway}/${m.name}`;
  const opts = [...LINUX_CIFS_OPTIONS, ...(m.readonly ? ["ro"] : ["rw"])].join(",");
  return [
    "set -e",
    "umask 077",
    `dir=${shQuote(m.guest)}`,
    'mkdir -p "$dir"',
    'if mountpoint -q "$dir" 2>/dev/null; then echo already-mounted; exit 0; fi',
    "modprobe cifs 2>/dev/null || true",
    "t=$(mktemp -d)",
    `trap 'rm -rf "$t"' EXIT`,
    "if command -v mount.cifs >/dev/null 2>&1; then",
    `  printf 'username=%s\\npassword=%s\\n' ${shQuote(cred.user)} ${shQuote(cred.password)} > "$t/creds"`,
    `  mount.cifs ${shQuote(unc)} "$dir" -o "credentials=$t/creds,${opts}"`,
    "else",
    `  printf '%s %s cifs %s 0 0\\n' ${shQuote(unc)} ${shQuote(fstabField(m.guest))} ${shQuote(`username=${cred.user},password=${cred.password},${opts}`)} > "$t/fstab"`,
    '  mount -T "$t/fstab" "$dir"',
    "fi",
    "echo mounted",
    "",
  ].join("\n");
}

/** `cmd.exe` lines that map `m` in a Windows guest (feed them on stdin; they contain the password). */
export function windowsMountCommands(m: GuestMount, cred: SmbCredential): string[] {
  const unc = `\\\\${m.gateway}\\${m.name}`;
  const auth = `${cred.password} /user:${cred.user} /persistent:no`;
  const drive = /^([A-Za-z]:)\\?$/.exec(m.guest);
  if (drive) return [`net use ${drive[1]} /delete /y >nul 2>&1`, `net use ${drive[1]} ${unc} ${auth}`];
  const folder = m.guest.replace(/\//g, "\\");
  return [`net use ${unc} ${auth}`, `if exist "${folder}" rmdir "${folder}"`, `mklink /D "${folder}" "${unc}"`];
}

/** The sh script that mounts virtiofs tag `tag` at `guest` in a Linux guest (idempotent). */
export function virtiofsMountScript(tag: string, guest: string, readonly: boolean): string {
  return [
    "set -e",
    `dir=${shQuote(guest)}`,
    'mkdir -p "$dir"',
    'if mountpoint -q "$dir" 2>/dev/null; then echo already-mounted; exit 0; fi',
    "modprobe virtiofs 2>/dev/null || true",
    `mount -t virtiofs -o ${readonly ? "ro" : "rw"} ${shQuote(tag)} "$dir"`,
    "echo mounted",
    "",
  ].join("\n");
}
