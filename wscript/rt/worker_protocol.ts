/**
 * Messages between the embedder's thread and a script worker
 * (run_in_worker.ts ⇄ worker_entry.ts). All plain, structured-cloneable data.
 *
 * Theory of operation: the worker runs the compiled script synchronously.
 * When the script calls a host function that lives on the embedder's thread
 * it posts `call` and blocks in `Atomics.wait` on a shared counter. The
 * embedder runs (and awaits) the implementation, posts `reply` on a
 * dedicated MessagePort, then bumps the counter and notifies; the worker
 * wakes and reads the reply synchronously with `receiveMessageOnPort`. While
 * blocked, the worker also serves `invoke` (the host calling back into a
 * script closure it was given) and answers with `invoked`. The embedder's
 * event loop is never blocked: it only ever awaits.
 */
import type { ExportedFn } from "../compile.ts";
import type { MapEntry } from "../gen/codegen.ts";
import type { Wire } from "./codec.ts";
import type { PortableSpec } from "../host.ts";
import type { RuntimeError } from "./vm.ts";

/** Everything the worker needs to instantiate and run a unit. */
export type InitMessage = {
  kind: "init";
  code: string;
  map: MapEntry[];
  fnNames: [string, string][];
  exports: [string, ExportedFn][];
  /** Modules rebuilt inside the worker (stdlib). */
  portable: { name: string; spec: PortableSpec }[];
  /** Host keys served by the embedder's thread. */
  remote: string[];
  /** Host constants by key, already encoded. */
  consts: [string, Wire][];
  entry: string;
  args: Wire[];
  fuel: number | undefined;
  callDepthLimit: number | undefined;
  /** Int32 counter the embedder bumps after each message on `replies`. */
  signal: SharedArrayBuffer;
  replies: MessagePort;
};

/** Worker → embedder. */
export type FromWorker =
  | { kind: "stdout"; text: string }
  | { kind: "call"; key: string; args: Wire[] }
  | { kind: "invoked"; callId: number; ok: true; value: Wire }
  | { kind: "invoked"; callId: number; ok: false; error: RuntimeError }
  | { kind: "done"; ok: true; value: Wire; fuel: number | undefined }
  | { kind: "done"; ok: false; error: RuntimeError; fuel: number | undefined };

/** Embedder → worker, on the `replies` port. */
export type ToWorker =
  | { kind: "reply"; ok: true; value: Wire }
  | { kind: "reply"; ok: false; message: string; exitCode: number | undefined; fault: boolean }
  | { kind: "invoke"; callId: number; closure: number; args: Wire[] };
