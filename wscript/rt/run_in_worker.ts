/**
 * `runInWorker`: run a compiled script on a worker thread so that host
 * functions may take minutes (waiting for a VM) while the script stays
 * synchronous and the embedder's event loop stays free.
 *
 * Contract:
 * - The script runs in a fresh `Worker` (worker_entry.ts). Portable
 *   (stdlib) modules run inside it; every other registered function —
 *   sync or `asyncFn` — runs on the calling thread and is awaited there,
 *   while the worker blocks in `Atomics.wait` (worker_protocol.ts).
 * - The Promise resolves with the same `CallResult` a `Vm` returns: the
 *   value, or a fault as data (message, span, script trace). It never
 *   rejects for script faults or host errors.
 * - `signal` aborts: the worker is terminated at once (even mid-loop or
 *   mid-host-call) and the result is the fault "script cancelled".
 * - Output arrives through `stdout` (raw chunks) and `onLog` (complete
 *   lines), in program order relative to host calls.
 * - Host functions may receive script closures; calling one returns a
 *   Promise (the closure runs in the worker while it is blocked in the
 *   host call that received it).
 *
 * Works in the compiled single binary: worker_entry.ts is an extra
 * entrypoint of `Bun.build({compile})` (scripts/build.ts) and is found at
 * its bundled path.
 *
 * @example
 * const lab = new HostModule("lab").asyncFn("wait_boot(vm: string) -> bool", async (vm) => daemon.waitBoot(vm));
 * const r = new Context().module(lab).compile("p.wscript", src);
 * if (r.ok) {
 *   const res = await runInWorker(r.unit, "main", [], { fuel: 1e9, onLog: (l) => log.info(l), signal });
 * }
 */
import type { CompiledUnit } from "../compile.ts";
import { decode, encode, type CodecSide, type Wire } from "./codec.ts";
import { ScriptFault } from "./core.ts";
import { makeRuntime } from "./runtime.ts";
import type { CallResult, RuntimeError } from "./vm.ts";
import type { FromWorker, InitMessage, ToWorker } from "./worker_protocol.ts";

export type WorkerRunOptions = {
  /** Fuel budget (deterministic instruction count); undefined = unmetered. */
  fuel?: number;
  callDepthLimit?: number;
  /** Raw output chunks of print/println. */
  stdout?: (text: string) => void;
  /** Complete output lines (without the newline); a trailing partial line is delivered at the end. */
  onLog?: (line: string) => void;
  /** Abort → the worker is terminated and the result is the fault "script cancelled". */
  signal?: AbortSignal;
};

/** The result of `runInWorker`: a `CallResult` plus the fuel left (undefined when unmetered or cancelled). */
export type WorkerCallResult = CallResult & { fuel: number | undefined };

/** Where the worker entry lives: beside this file from source, at its bundled path inside the compiled binary. */
function workerUrl(): string {
  if (import.meta.url.includes("$bunfs")) return "./wscript/rt/worker_entry.ts";
  return new URL("./worker_entry.ts", import.meta.url).href;
}

const fail = (message: string): RuntimeError => ({ message, span: undefined, trace: [], exitCode: undefined });

/** Run `entry(args)` of a compiled unit on a worker thread. */
export function runInWorker(unit: CompiledUnit, entry: string, args: unknown[] = [], opts: WorkerRunOptions = {}): Promise<WorkerCallResult> {
  const ex = unit.exports.get(entry);
  if (!ex) return Promise.resolve({ ok: false, error: fail(`no function \`${entry}\` in the script`), fuel: undefined });
  if (opts.signal?.aborted) return Promise.resolve({ ok: false, error: fail("script cancelled"), fuel: undefined });

  // The embedder's copy of the unit's classes, so host functions see the same value shapes as with `Vm`.
  const classes = unit.factory(
    makeRuntime(() => {}),
    Object.fromEntries(unit.hostImpls),
  ).classes;
  const pendingInvokes = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let nextCall = 0;
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const channel = new MessageChannel();
  const toWorker = (m: ToWorker) => {
    channel.port1.postMessage(m);
    Atomics.add(counter, 0, 1);
    Atomics.notify(counter, 0);
  };
  const side: CodecSide = {
    classes,
    handles: { byId: new Map(), ids: new Map(), next: 0 },
    closure:
      (id) =>
      (...a: unknown[]) =>
        new Promise((resolve, reject) => {
          const callId = nextCall++;
          pendingInvokes.set(callId, { resolve, reject });
          toWorker({ kind: "invoke", callId, closure: id, args: a.map((x) => encode(x, side)) });
        }),
  };

  const portable = unit.modules.flatMap((m) => (m.portable ? [{ name: m.name, spec: m.portable }] : []));
  const local = new Set(portable.map((p) => p.name));
  const remote: string[] = [];
  const consts: [string, Wire][] = [];
  for (const m of unit.modules) {
    if (local.has(m.name)) continue;
    for (const f of m.fns) remote.push(`${m.name}::${f.name}`);
    for (const c of m.consts) consts.push([`${m.name}::${c.name}`, encode(c.value, side)]);
  }
  for (const m of unit.modules) for (const o of m.opaqueTypes) for (const f of o.methods) remote.push(`${o.name}.${f.name}`);

  return new Promise<WorkerCallResult>((resolve) => {
    let settled = false;
    let partial = "";
    const worker = new Worker(workerUrl());
    const emit = (text: string) => {
      opts.stdout?.(text);
      if (!opts.onLog) return;
      partial += text;
      let nl = partial.indexOf("\n");
      while (nl >= 0) {
        opts.onLog(partial.slice(0, nl));
        partial = partial.slice(nl + 1);
        nl = partial.indexOf("\n");
      }
    };
    const finish = (r: WorkerCallResult) => {
      if (settled) return;
      settled = true;
      if (partial && opts.onLog) opts.onLog(partial);
      opts.signal?.removeEventListener("abort", onAbort);
      worker.terminate();
      channel.port1.close();
      for (const p of pendingInvokes.values()) p.reject(new Error("script finished"));
      resolve(r);
    };
    const onAbort = () => finish({ ok: false, error: fail("script cancelled"), fuel: undefined });
    opts.signal?.addEventListener("abort", onAbort);

    const serve = async (key: string, wire: Wire[]) => {
      const impl = unit.hostImpls.get(key) as ((...a: unknown[]) => unknown) | undefined;
      let reply: ToWorker;
      try {
        if (!impl) throw new Error(`no implementation for \`${key}\``);
        const v = await impl(...wire.map((w) => decode(w, side)));
        reply = { kind: "reply", ok: true, value: encode(v, side) };
      } catch (e) {
        reply =
          e instanceof ScriptFault
            ? { kind: "reply", ok: false, message: e.message, exitCode: e.exitCode, fault: true }
            : { kind: "reply", ok: false, message: e instanceof Error ? e.message : String(e), exitCode: undefined, fault: false };
      }
      if (!settled) toWorker(reply);
    };

    worker.onmessage = (e: MessageEvent) => {
      const m = e.data as FromWorker;
      switch (m.kind) {
        case "stdout":
          emit(m.text);
          return;
        case "call":
          void serve(m.key, m.args);
          return;
        case "invoked": {
          const p = pendingInvokes.get(m.callId);
          pendingInvokes.delete(m.callId);
          if (!p) return;
          if (m.ok) p.resolve(decode(m.value, side));
          else p.reject(new ScriptFault(m.error.message, m.error.exitCode));
          return;
        }
        case "done":
          finish(m.ok ? { ok: true, value: decode(m.value, side), fuel: m.fuel } : { ok: false, error: m.error, fuel: m.fuel });
      }
    };
    worker.onerror = (e: ErrorEvent) => finish({ ok: false, error: fail(`worker error: ${e.message}`), fuel: undefined });

    const init: InitMessage = {
      kind: "init",
      code: unit.generated.code,
      map: unit.generated.map,
      fnNames: [...unit.generated.fnNames],
      exports: [...unit.exports],
      portable,
      remote,
      consts,
      entry,
      args: args.map((a) => encode(a, side)),
      fuel: opts.fuel,
      callDepthLimit: opts.callDepthLimit,
      signal: counter.buffer as SharedArrayBuffer,
      replies: channel.port2,
    };
    worker.postMessage(init, [channel.port2]);
  });
}
