/**
 * Host tools the share backends need (DESIGN §2: optional tools are clear errors
 * naming the feature and the package): `smbd` and `smbpasswd` from Debian's `samba`,
 * and — so smbd can serve per-VM accounts without touching /etc/passwd —
 * `libnss_wrapper.so` from `libnss-wrapper` (`libuid_wrapper.so` from
 * `libuid-wrapper` too when the daemon is not root, as Samba's own test suite runs).
 */
import { existsSync } from "node:fs";
import { CodedError } from "../errors/mod.ts";

export const SAMBA_PACKAGE = "samba";
export const NSS_WRAPPER_PACKAGE = "libnss-wrapper";
export const UID_WRAPPER_PACKAGE = "libuid-wrapper";

const LIB_DIRS = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"];

function sbin(name: string): string | undefined {
  const p = Bun.which(name) ?? [`/usr/sbin/${name}`, `/usr/bin/${name}`].find((x) => existsSync(x));
  return p ?? undefined;
}

function lib(name: string): string | undefined {
  return LIB_DIRS.map((d) => `${d}/${name}`).find((p) => existsSync(p));
}

/** Paths of the SMB backend's tools. */
export interface SmbTools {
  smbd: string;
  smbpasswd: string;
  nssWrapper: string;
  /** Only needed (and looked up) when not running as root. */
  uidWrapper: string | undefined;
}

/** The missing host package for the SMB backend, or undefined when all are there. */
export function missingSmbPackage(): string | undefined {
  if (!sbin("smbd") || !sbin("smbpasswd")) return SAMBA_PACKAGE;
  if (!lib("libnss_wrapper.so")) return NSS_WRAPPER_PACKAGE;
  if (process.getuid?.() !== 0 && !lib("libuid_wrapper.so")) return UID_WRAPPER_PACKAGE;
  return undefined;
}

/** The SMB backend's tools, or a `share.samba_missing` error naming the package. */
export function smbTools(): SmbTools {
  const missing = missingSmbPackage();
  if (missing) {
    throw new CodedError("share.samba_missing", `shared folders need the host package ${missing}, which is not installed`, {
      subject: missing,
      hint: `install it: apt-get install ${SAMBA_PACKAGE} ${NSS_WRAPPER_PACKAGE}${process.getuid?.() !== 0 ? ` ${UID_WRAPPER_PACKAGE}` : ""}`,
    });
  }
  return {
    smbd: sbin("smbd") as string,
    smbpasswd: sbin("smbpasswd") as string,
    nssWrapper: lib("libnss_wrapper.so") as string,
    uidWrapper: process.getuid?.() === 0 ? undefined : lib("libuid_wrapper.so"),
  };
}
