/**
 * Where the daemons keep their sockets, state and logs (fact_paths_table.md).
 *
 *   $XDG_RUNTIME_DIR/vmlab/vmlabd.sock              supervisor socket
 *   $XDG_RUNTIME_DIR/vmlab/vmlabd.pid               single-instance lock
 *   $XDG_RUNTIME_DIR/vmlab/labs/<lab>/control.sock  lab daemon socket
 *   $XDG_STATE_HOME/vmlab/vmlabd.log                supervisor JSON-line log
 *   $XDG_STATE_HOME/vmlab/labs.json                 lab registry
 *   $XDG_STATE_HOME/vmlab/labs/<lab>/               lab, VM and daemon logs
 */
import { join } from "node:path";
import { runtimeDir, stateDir } from "../paths.ts";

export function supervisorSocket(): string {
  return join(runtimeDir(), "vmlabd.sock");
}

export function supervisorPidFile(): string {
  return join(runtimeDir(), "vmlabd.pid");
}

export function supervisorLog(): string {
  return join(stateDir(), "vmlabd.log");
}

export function registryFile(): string {
  return join(stateDir(), "labs.json");
}

export function labRunDir(lab: string): string {
  return join(runtimeDir(), "labs", lab);
}

export function labSocket(lab: string): string {
  return join(labRunDir(lab), "control.sock");
}

export function labLogDir(lab: string): string {
  return join(stateDir(), "labs", lab);
}

/** stdout/stderr of the lab daemon process itself (crash traces land here). */
export function labDaemonLog(lab: string): string {
  return join(labLogDir(lab), "daemon.log");
}
