/**
 * Template builds (PRD §6.1, DESIGN §3 `core/build`): source resolution and
 * the download cache, and the per-ref build lock. The synthesised one-VM lab
 * (its VM is named `build`), the flatten and the seal are driven by
 * `vmlab template build` (core/cli/commands/template_build.ts) through the
 * same lab daemon machinery as `vmlab up`, and the store's `adopt`.
 */
export * from "./download.ts";
export * from "./lock.ts";
export * from "./source.ts";
