/**
 * `core/scripting` — the `vmlab` wscript host module and how vmlab runs scripts
 * (PRD §10, entity_lab_api.md, entity_vm_api.md, entity_seg_api.md, concept_provisions.md).
 *
 * - `handle.ts`: `LabHandle`, `VmHandle`, `SegmentHandle` — the contract the module is
 *   written against; the lab daemon implements it over `LabRuntime`.
 * - `machine_handle.ts`: `MachineLab` / `MachineVm`, the same contract over plain
 *   `Machine`s (tests, template builds).
 * - `module.ts`: `vmlabModule()` — `Lab`, `Vm`, `Segment`, `ExecResult`, `Match`,
 *   `Event`, `vmlab::sleep_ms`.
 * - `run.ts`: `compileScript`, `runProvision` (`main(lab: Lab)`), `runHandler`
 *   (`handle(event: Event, lab: Lab)`), on a worker thread with fuel and depth limits.
 * - `checker.ts`: `WscriptChecker`, the `ScriptChecker` of `vmlab validate`.
 * - `interface.ts`: `vmlabInterface()`, the text of `vmlab.wscripti`.
 */
export type { BlockProto, GuestExecResult, LabHandle, ScreenRegion, SegmentHandle, VmHandle, VmPowerState } from "./handle.ts";
export {
  ACPI_SHUTDOWN_WAIT_MS,
  AGENT_SHUTDOWN_WAIT_MS,
  MachineLab,
  MachineVm,
  READY_PROBE_MS,
  VmOperationError,
  type MachineVmOptions,
} from "./machine_handle.ts";
export { labValue, MAX_SLEEP_MS, VMLAB_MODULE, vmlabModule } from "./module.ts";
export { DEFAULT_IMAGE_THRESHOLD } from "./vm_methods.ts";
export { compileScript, DEFAULT_SCRIPT_CALL_DEPTH, DEFAULT_SCRIPT_FUEL, runHandler, runProvision, SCRIPT_STD, scriptContext } from "./run.ts";
export type { CompiledScript, ScriptRunOptions, ScriptRunResult } from "./run.ts";
export { ENTRY_SIGNATURES, entryProblem, type EntryName } from "./entry.ts";
export { toWclDiagnostic, WscriptChecker } from "./checker.ts";
export { vmlabInterface } from "./interface.ts";
export { errorText, MAX_TIMEOUT_SECS, type ScriptEvent } from "./values.ts";
