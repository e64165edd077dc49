/**
 * vmlab configuration: the schema (defined once, used to validate and to
 * generate `docs/schema.md`), the typed lab model, semantic checks, host
 * config, profiles as data, hardware precedence, lab-file discovery, and the
 * resolved plan a lab daemon runs (`labPlan`, `LabPlanSchema`, the network plan).
 * Built on core/wcl; knows nothing of QEMU or the daemons.
 */
export * from "./schema.ts";
export * from "./model.ts";
export { schemaMarkdown } from "./markdown.ts";
export {
  checkSchema,
  checkBlock,
  LAB_FILE as LAB_FILE_SPEC,
  HOST_FILE as HOST_FILE_SPEC,
  PROFILE_FILE as PROFILE_FILE_SPEC,
  type RootSpec,
} from "./check_schema.ts";
export { extractConfig, Fields } from "./extract.ts";
export { validateLab, type Validation } from "./validate.ts";
export type { CheckContext, FileKind, FileProbe, HostResources, ScriptChecker } from "./context.ts";
export { EVENTS } from "./checks_vms.ts";
export { labPath } from "./checks_files.ts";
export { loadProfiles, SHIPPED_PROFILES_WCL, type Profile, type ProfileSet } from "./profiles.ts";
export { resolveHardware, DEFAULT_HARDWARE, type HardwareLayer, type Layer, type Resolution, type ResolvedHardware } from "./resolve.ts";
export { loadHostConfig, DEFAULT_HOST_CONFIG, type HostConfig, type HostConfigResult } from "./host.ts";
export { discoverLabFile, type Discovery } from "./discover.ts";
export { LIBRARIES, VMLAB_LIBRARY } from "./library.ts";
export * from "./net.ts";
export {
  networkPlanFromConfig,
  NetworkPlanSchema,
  ForwardPlanSchema,
  SegmentPlanSchema,
  type NetworkPlan,
  type NetworkPlanInput,
  type ForwardPlan,
  type SegmentPlan,
} from "./network_plan.ts";
export * from "./plan_schema.ts";
export { labPlan, readyTimeoutMs } from "./plan.ts";
