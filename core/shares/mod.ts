/**
 * Shared folders (PRD §7.5, DESIGN §7): the lab's smbd with per-VM credentials
 * (`smbd.ts`, `smb_conf.ts`, `credentials.ts`), guest mount commands
 * (`guest_mount.ts`) and the per-lab orchestration the lab daemon drives
 * (`lab_shares.ts`). Host tool lookup in `tools.ts`.
 */
export * from "./credentials.ts";
export * from "./guest_mount.ts";
export * from "./lab_shares.ts";
export * from "./smb_conf.ts";
export * from "./smbd.ts";
export * from "./tools.ts";
export * from "./virtiofsd.ts";
