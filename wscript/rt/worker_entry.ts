/**
 * The script side of `runInWorker`: this file is a Worker entrypoint (and
 * an extra entrypoint of the compiled binary, scripts/build.ts).
 *
 * It receives one `init` message, instantiates the generated code, rebuilds
 * the portable (stdlib) modules locally, and replaces every other host
 * function with a proxy that posts `call` and blocks in `Atomics.wait`
 * until the embedder's thread replies (worker_protocol.ts). Script output is
 * buffered and flushed before every host call, so the embedder sees output
 * and calls in program order. The result or fault is posted as `done`; a
 * fault carries its mapped script trace as data.
 */
import { receiveMessageOnPort } from "node:worker_threads";
import type { CompiledUnit, ExportedFn } from "../compile.ts";
import { instantiate } from "../compile.ts";
import { decode, encode, type CodecSide, type Wire } from "./codec.ts";
import { ScriptFault } from "./core.ts";
import { portableModule } from "../std/mod.ts";
import { Vm } from "./vm.ts";
import type { FromWorker, InitMessage, ToWorker } from "./worker_protocol.ts";

/** Output is flushed to the embedder at this size even without a host call. */
const STDOUT_FLUSH = 1 << 14;
/** Upper bound of one `Atomics.wait` before re-checking the reply port (ms). */
const WAIT_SLICE_MS = 1000;

declare const self: { onmessage: ((e: MessageEvent) => void) | null; postMessage(m: unknown): void };

const post = (m: FromWorker): void => self.postMessage(m);

function run(init: InitMessage): void {
  let out = "";
  const flush = () => {
    if (out) {
      post({ kind: "stdout", text: out });
      out = "";
    }
  };
  const counter = new Int32Array(init.signal);
  const closures: ((...a: unknown[]) => unknown)[] = [];
  const closureIds = new Map<unknown, number>();
  let vm: Vm | undefined;
  const side: CodecSide = {
    classes: {},
    closureId: (f) => {
      let id = closureIds.get(f);
      if (id === undefined) {
        id = closures.length;
        closures.push(f);
        closureIds.set(f, id);
      }
      return id;
    },
  };

  /** Block until the embedder posts on the reply port. */
  const receive = (): ToWorker => {
    for (;;) {
      const seen = Atomics.load(counter, 0);
      const m = receiveMessageOnPort(init.replies);
      if (m) return m.message as ToWorker;
      Atomics.wait(counter, 0, seen, WAIT_SLICE_MS);
    }
  };

  const remote =
    (key: string) =>
    (...args: unknown[]): unknown => {
      flush();
      post({ kind: "call", key, args: args.map((a) => encode(a, side)) });
      for (;;) {
        const m = receive();
        if (m.kind === "reply") {
          if (m.ok) return decode(m.value, side);
          if (m.fault) throw new ScriptFault(m.message, m.exitCode);
          throw new Error(m.message);
        }
        // The host calls back into a script closure while we wait.
        const f = closures[m.closure];
        try {
          const v = f ? f(...m.args.map((a) => decode(a, side))) : undefined;
          flush();
          post({ kind: "invoked", callId: m.callId, ok: true, value: encode(v, side) });
        } catch (e) {
          flush();
          post({ kind: "invoked", callId: m.callId, ok: false, error: (vm as Vm).toRuntimeError(e) });
        }
      }
    };

  const H: Record<string, unknown> = {};
  for (const { spec } of init.portable) {
    const m = portableModule(spec);
    for (const f of m.fns) H[`${m.name}::${f.name}`] = f.impl;
    for (const c of m.consts) H[`${m.name}::${c.name}`] = c.value;
    for (const o of m.opaqueTypes) for (const f of o.methods) H[`${o.name}.${f.name}`] = f.impl;
  }
  for (const key of init.remote) H[key] = remote(key);
  for (const [key, w] of init.consts) H[key] = decode(w, side);

  const unit: CompiledUnit = {
    files: new Map(),
    generated: { code: init.code, map: init.map, fnNames: new Map(init.fnNames) },
    exports: new Map<string, ExportedFn>(init.exports),
    hostImpls: new Map(),
    asyncHost: new Set(),
    modules: [],
    factory: instantiate(init.code),
  };
  vm = new Vm(
    unit,
    {
      stdout: (s) => {
        out += s;
        if (out.length > STDOUT_FLUSH) flush();
      },
      fuel: init.fuel,
      callDepthLimit: init.callDepthLimit,
    },
    H,
  );
  side.classes = vm.classes();
  const res = vm.call(
    init.entry,
    init.args.map((a) => decode(a, side)),
  );
  flush();
  let value: Wire = undefined;
  if (res.ok) {
    try {
      value = encode(res.value, side);
    } catch {
      value = undefined;
    }
    post({ kind: "done", ok: true, value, fuel: vm.fuel() });
  } else post({ kind: "done", ok: false, error: res.error, fuel: vm.fuel() });
}

self.onmessage = (e: MessageEvent) => {
  const m = e.data as InitMessage;
  if (m?.kind !== "init") return;
  self.onmessage = null;
  try {
    run(m);
  } catch (err) {
    post({
      kind: "done",
      ok: false,
      error: { message: `worker error: ${err instanceof Error ? err.message : String(err)}`, span: undefined, trace: [], exitCode: undefined },
      fuel: undefined,
    });
  }
};
