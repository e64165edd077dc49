/**
 * vmlab as a library: what a program embedding vmlab uses (DESIGN §3; the guide is
 * docs/embedding.md). This file only re-exports.
 *
 *  - `config`: find, load and validate `vmlab.wcl` (host config, profiles, every
 *    semantic check, all diagnostics at once) and resolve it into the `LabPlan` a
 *    lab daemon runs (`labPlan`); `diskFiles` is the real file system for it, and
 *    `WscriptChecker` type-checks the lab's scripts during validation.
 *  - `wscript`: the scripting language's embedding API (`HostModule`, `Context`,
 *    `Session`, `Vm`, `runInWorker`, typed handles) — independent of vmlab.
 *  - `store`: the local template store (`TemplateStore`, references, metadata).
 *  - `daemon`: the client of the per-user supervisor and the lab daemons
 *    (`ensureSupervisor`, `ensureLabDaemon`, `liveLabSocket`, `labStatus`,
 *    `supervisorStatus`, `stopSupervisor`) and its transport (`request`, `stream`:
 *    HTTP over unix sockets, replies parsed with `protocol`'s zod schemas).
 *  - `CodedError`: every error a user can cause, as data (code, message, subject,
 *    location, hint).
 *
 * @example
 * import { config, diskFiles, store } from "./mod.ts";
 * const file = "/home/me/lab/vmlab.wcl";
 * const v = config.validateLab(file, { files: diskFiles, home: "/home/me", store: store.directoryStore(store.vmlabPaths(process.env, "/home/me", 1000).templates), profiles: new Map(), scripts: undefined });
 * for (const d of v.diagnostics) console.log(d.code, d.message);
 */
export { CodedError, type CodedErrorJson, type CodedErrorOptions, type Location } from "./core/errors/mod.ts";
export * as config from "./core/config/mod.ts";
export { diskFiles } from "./core/cli/io.ts";
export { WscriptChecker } from "./core/scripting/checker.ts";
export * as wscript from "./wscript/mod.ts";
export * as store from "./core/store/mod.ts";
export * as daemon from "./core/daemon/client.ts";
export * as protocol from "./core/daemon/protocol.ts";
