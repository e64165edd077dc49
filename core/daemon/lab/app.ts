/**
 * The lab daemon's control API (hono, HTTP/1.1 over its unix socket).
 *
 *   GET  /v1/ping                     liveness
 *   GET  /v1/status                   LabStatus
 *   POST /v1/up        {plan, vms}    NDJSON: log/event records, then result
 *   POST /v1/down      {vms, force}   NDJSON
 *   POST /v1/destroy                  NDJSON; the daemon exits afterwards
 *   POST /v1/vms/:vm/start|stop|restart {force}   NDJSON
 *   POST /v1/vms/:vm/suspend|resume    JSON VmStatus (QMP stop/cont)
 *   POST /v1/vms/:vm/exec {path, args, timeoutMs, input}   JSON (base64 output)
 *   PUT  /v1/vms/:vm/file?path=&mode=  body → guest file
 *   GET  /v1/vms/:vm/file?path=        guest file → body
 *   GET  /v1/vms/:vm/osinfo            agent OS info
 *   GET  /v1/vms/:vm/snapshots         SnapshotInfo[]
 *   DELETE /v1/vms/:vm/snapshots/:name
 *   POST /v1/snapshots/create|restore {name, vm?}   NDJSON; every VM when vm is absent
 *   GET|POST /v1/forwards, DELETE /v1/forwards/:port?proto=   runtime port forwards
 *   GET  /v1/segments/:segment/capture?vm=&filter=   pcapng byte stream until the client goes
 *   POST /v1/provision                 NDJSON; re-run every provision script
 *   POST /v1/script {path}             NDJSON; run an ad-hoc script's main(lab)
 *   POST /v1/host-event {type, …}      a host.* event from the supervisor (fires handlers)
 *   GET  /v1/events                    NDJSON event stream (history first with ?history=1)
 *
 * Every error leaves through one mapper as `{error: {code, message, hint, subject}}`.
 */
import { Hono } from "hono";
import type { z } from "zod";
import { CodedError } from "../../errors/mod.ts";
import { isQgaError } from "../../qga/errors.ts";
import {
  CaptureQuerySchema,
  DownRequestSchema,
  EventSchema,
  EventsQuerySchema,
  ExecRequestSchema,
  FileQuerySchema,
  ForwardDeleteSchema,
  ForwardRequestSchema,
  PowerRequestSchema,
  ScreenshotRequestSchema,
  ScriptRequestSchema,
  SnapshotRequestSchema,
  UpRequestSchema,
  type StreamRecord,
} from "../protocol.ts";
import type { ScriptHost } from "./scripts.ts";
import type { LabNetwork } from "./network.ts";
import { mapErrors, ndjsonResponse, parseBody, parseQuery } from "../transport.ts";
import { guestFileBody } from "./guest_file_stream.ts";
import type { LabRuntime, Report } from "./lab_runtime.ts";

/** Unread capture bytes a slow reader may leave queued before frames are dropped (and counted). */
export const CAPTURE_BACKLOG_BYTES = 8 * 1024 * 1024;

/** Interval of keep-alive records on the event stream. */
export const EVENT_HEARTBEAT_MS = 15_000;

export interface LabDaemonHooks {
  /** The lab's network (runtime forwards). */
  readonly network: LabNetwork;
  /** Provision scripts and `vmlab script`. */
  readonly scripts: ScriptHost;
  /** Called after an operation that may leave the lab with nothing running. */
  afterPowerChange(): void;
  /** Called after destroy. */
  destroyed(): void;
  /**
   * Kill every guest now (whatever operation is running), delete the lab's
   * folder and exit: an ephemeral lab's owner gave up on it (a failed,
   * interrupted or timed-out template build). Resolves once QEMU is gone.
   */
  abandon?(why: string): Promise<void>;
}

/**
 * Largest JSON request body. The server itself accepts bodies of any size
 * (file uploads stream), so JSON endpoints cap what they buffer.
 */
export const MAX_JSON_BODY_BYTES = 64 * 1024 * 1024;

/** A JSON request body parsed with the protocol's `schema`, at most `MAX_JSON_BODY_BYTES`. */
const body = <S extends z.ZodType>(req: Request, schema: S): Promise<z.output<S>> => parseBody(req, schema, MAX_JSON_BODY_BYTES);

function streamOp(op: (report: Report, write: (r: StreamRecord) => void) => Promise<unknown>, lab: LabRuntime): Response {
  return ndjsonResponse(async (write) => {
    const unsub = lab.events.subscribe((event) => write({ type: "event", event }));
    try {
      const data = await op((level, msg, vm) => write({ type: "log", level, msg, ...(vm ? { vm } : {}) }), write);
      write({ type: "result", ok: true, ...(data === undefined ? {} : { data }) });
    } catch (e) {
      write({ type: "result", ok: false, error: CodedError.from(e).toJSON() });
    } finally {
      unsub();
    }
  });
}

function agentFor(lab: LabRuntime, name: string) {
  const vm = lab.vm(name);
  const m = vm.machine;
  if (!m || !m.process.running) {
    throw new CodedError("vm.not_running", `VM ${name} is not running`, { subject: name, hint: `start it with \`vmlab vm start ${name}\` or \`vmlab up\`` });
  }
  if (vm.state === "io-error") throw vm.ioErrorFor("answer its guest agent");
  if (vm.state === "paused") throw vm.pausedErrorFor("answer its guest agent");
  if (!vm.ready)
    throw new CodedError("vm.agent_unavailable", `VM ${name} is not ready yet (its guest agent has not answered)`, {
      subject: name,
      hint: "wait for `vmlab up` to finish, then retry",
    });
  return m.agent();
}

export function labApp(lab: LabRuntime, hooks: LabDaemonHooks): Hono {
  const app = new Hono();
  mapErrors(app, lab.ctx.log);

  app.get("/v1/ping", (c) => c.json({ ok: true, lab: lab.plan.name, pid: process.pid }));
  app.get("/v1/status", async (c) => {
    await Promise.all(
      [...lab.vms.values()].map(async (v) => {
        await v.checkIo();
        await v.refreshIps();
      }),
    );
    return c.json(lab.status(process.pid));
  });

  app.post("/v1/up", async (c) => {
    const req = await body(c.req.raw, UpRequestSchema);
    return streamOp(async (report) => {
      try {
        await lab.up(req.plan, req.vms, report, { provision: req.provision });
        return lab.status(process.pid);
      } finally {
        hooks.afterPowerChange();
      }
    }, lab);
  });

  app.post("/v1/down", async (c) => {
    const req = await body(c.req.raw, DownRequestSchema);
    for (const n of req.vms) lab.vm(n);
    return streamOp(async (report) => {
      await lab.down(req.vms, req.force, report);
      hooks.afterPowerChange();
      return lab.status(process.pid);
    }, lab);
  });

  app.post("/v1/destroy", async () =>
    streamOp(async (report) => {
      await lab.destroy(report);
      hooks.destroyed();
    }, lab),
  );

  app.post("/v1/vms/:vm/:action{start|stop|restart}", async (c) => {
    const name = c.req.param("vm");
    const action = c.req.param("action");
    const req = await body(c.req.raw, PowerRequestSchema);
    const vm = lab.vm(name);
    return streamOp(async (report) => {
      const r = (l: "info" | "warn" | "error", m: string) => report(l, m, name);
      await lab.exclusive(`vm ${action} ${name}`, async () => {
        if (action !== "start") await vm.stop(req.force, r);
        if (action !== "stop") await vm.start(r);
      });
      hooks.afterPowerChange();
      return vm.status();
    }, lab);
  });

  app.post("/v1/vms/:vm/:action{suspend|resume}", async (c) => {
    const vm = lab.vm(c.req.param("vm"));
    if (c.req.param("action") === "suspend") await vm.suspend();
    else await vm.resume();
    return c.json(vm.status());
  });

  /** A PNG of the VM's screen written to `path` (QMP screendump; the build keeps one when it fails). */
  app.post("/v1/abandon", async (c) => {
    if (!hooks.abandon) throw new CodedError("request.invalid", "this lab daemon cannot abandon its lab");
    await hooks.abandon("its owner abandoned it");
    return c.json({ ok: true });
  });

  app.post("/v1/vms/:vm/screenshot", async (c) => {
    const req = await body(c.req.raw, ScreenshotRequestSchema);
    const m = lab.vm(c.req.param("vm")).machine;
    if (!m?.process.running) throw new CodedError("vm.not_running", `VM ${c.req.param("vm")} is not running`, { subject: c.req.param("vm") });
    await m.qmp.execute("screendump", { filename: req.path, format: "png" }, { timeoutMs: 10_000 });
    return c.json({ path: req.path });
  });

  app.post("/v1/vms/:vm/exec", async (c) => {
    const name = c.req.param("vm");
    const req = await body(c.req.raw, ExecRequestSchema);
    const agent = await agentFor(lab, name);
    // Arguments may carry secrets (passwords, tokens): log the program and the count only.
    lab.ctx.log.write("info", "exec", { vm: name, path: req.path, argc: req.args.length });
    const r = await agent
      .exec(req.path, req.args, { timeoutMs: req.timeoutMs, ...(req.input === undefined ? {} : { input: new Uint8Array(Buffer.from(req.input, "base64")) }) })
      .catch(async (e: unknown) => {
        // A timeout may be a guest paused on a full host disk: say so rather than "timed out".
        if (await lab.vm(name).checkIo()) throw lab.vm(name).ioErrorFor(`run ${req.path}`);
        // The verb's own codes for the two failures a user causes; any other agent error keeps its code and hint.
        if (isQgaError(e, "qga.exec_timeout"))
          throw new CodedError("exec.timeout", `command ${req.path} in ${name} did not finish within ${req.timeoutMs / 1000} s`, {
            subject: name,
            hint: "raise the limit with `vmlab exec --timeout <seconds>`",
            cause: e,
          });
        if (isQgaError(e, "qga.command_failed"))
          throw new CodedError("exec.failed", `cannot run ${req.path} in ${name}: ${e.message}`, {
            subject: req.path,
            hint: "check the program's path in the guest (the agent does not search $PATH on every OS: use an absolute path or `sh -c`)",
            cause: e,
          });
        throw CodedError.withContext(e, `cannot run ${req.path} in ${name}`, { subject: name });
      });
    return c.json({
      exitCode: r.exitCode,
      signal: r.signal,
      stdout: Buffer.from(r.stdout).toString("base64"),
      stderr: Buffer.from(r.stderr).toString("base64"),
      truncated: r.truncated,
    });
  });

  // Both directions stream: the request body goes to the agent chunk by chunk,
  // and the guest file comes back through a bounded, cancellable body.
  app.put("/v1/vms/:vm/file", async (c) => {
    const name = c.req.param("vm");
    const { path, mode } = parseQuery(c.req.query(), FileQuerySchema);
    const agent = await agentFor(lab, name);
    let bytes = 0;
    const source = c.req.raw.body ?? new Uint8Array(0);
    await agent
      .writeFile(path, source as AsyncIterable<Uint8Array> | Uint8Array, { ...(mode ? { mode: parseInt(mode, 8) } : {}), onProgress: (n) => (bytes = n) })
      .catch((e: unknown) => {
        throw CodedError.withContext(e, `cannot write ${name}:${path}`, { subject: `${name}:${path}` });
      });
    return c.json({ ok: true, bytes });
  });

  app.get("/v1/vms/:vm/file", async (c) => {
    const name = c.req.param("vm");
    const { path } = parseQuery(c.req.query(), FileQuerySchema);
    const agent = await agentFor(lab, name);
    const body = await guestFileBody(agent.readFileChunks(path), c.req.raw.signal).catch((e: unknown) => {
      throw CodedError.withContext(e, `cannot read ${name}:${path}`, { subject: `${name}:${path}` });
    });
    return new Response(body, { headers: { "content-type": "application/octet-stream" } });
  });

  app.get("/v1/vms/:vm/osinfo", async (c) => {
    const agent = await agentFor(lab, c.req.param("vm"));
    return c.json(await agent.osInfo());
  });

  app.get("/v1/vms/:vm/snapshots", async (c) => {
    try {
      return c.json(await lab.vm(c.req.param("vm")).listSnapshots());
    } finally {
      hooks.afterPowerChange();
    }
  });

  app.delete("/v1/vms/:vm/snapshots/:name", async (c) => {
    const vm = lab.vm(c.req.param("vm"));
    try {
      await lab.exclusive(`snapshot delete on ${vm.name}`, () => vm.deleteSnapshot(c.req.param("name")));
    } finally {
      hooks.afterPowerChange();
    }
    return c.json({ ok: true });
  });

  /** Create or restore a snapshot on one VM or (best effort, one after another) on every VM. */
  app.post("/v1/snapshots/:action{create|restore}", async (c) => {
    const req = await body(c.req.raw, SnapshotRequestSchema);
    const action = c.req.param("action");
    const targets = req.vm ? [lab.vm(req.vm)] : [...lab.vms.values()];
    return streamOp(async (report) => {
      const done: unknown[] = [];
      const failed: string[] = [];
      await lab.exclusive(`snapshot ${action} ${req.name}`, async () => {
        for (const v of targets) {
          try {
            const info = action === "create" ? await v.takeSnapshot(req.name) : await v.restoreSnapshot(req.name);
            report("info", `${v.name}: snapshot ${req.name} ${action === "create" ? "taken" : "restored"} (${info.online ? "online" : "offline"})`, v.name);
            done.push({ vm: v.name, ...info });
          } catch (e) {
            const err = CodedError.from(e);
            if (req.vm) throw err;
            failed.push(`${v.name}: ${err.message}`);
            report("error", `${v.name}: ${err.message}`, v.name);
          }
        }
      });
      hooks.afterPowerChange();
      if (failed.length && !done.length)
        throw new CodedError(
          "snapshot.failed",
          `snapshot ${req.name} could not be ${action === "create" ? "taken" : "restored"} on any VM:\n${failed.join("\n")}`,
          { subject: req.name, hint: "see each VM's reason above; `vmlab logs` has the details" },
        );
      return { done, failed };
    }, lab);
  });

  // Runtime port forwards (PRD §9): bound to 127.0.0.1 unless `bind` says otherwise.
  const fabricOf = () => {
    const f = hooks.network.fabric;
    if (!f) throw new CodedError("lab.not_up", `lab ${lab.plan.name} has no network running`, { subject: lab.plan.name, hint: "start it with `vmlab up`" });
    return f;
  };
  app.get("/v1/forwards", (c) => c.json(hooks.network.fabric?.listForwards() ?? []));
  app.post("/v1/forwards", async (c) => {
    const req = await body(c.req.raw, ForwardRequestSchema);
    lab.vm(req.vm);
    const f = fabricOf();
    const clean = Object.fromEntries(Object.entries(req).filter(([, v]) => v !== undefined)) as typeof req;
    return c.json(await f.addForward(clean as Parameters<typeof f.addForward>[0]));
  });
  app.delete("/v1/forwards/:port", async (c) => {
    const { port, proto } = parseQuery({ ...c.req.query(), port: c.req.param("port") }, ForwardDeleteSchema);
    await fabricOf().removeForward(port, proto);
    return c.json({ ok: true });
  });

  // Packet capture: raw pcapng, not NDJSON. Errors (unknown segment, bad filter) come
  // before the first byte as the usual `{error}`; after that the stream just ends.
  app.get("/v1/segments/:segment/capture", (c) => {
    const q = parseQuery(c.req.query(), CaptureQuerySchema);
    const f = fabricOf();
    let ctl!: ReadableStreamDefaultController<Uint8Array>;
    let closed = false;
    let stop = (): void => {};
    const finish = (): void => {
      if (closed) return;
      closed = true;
      stop();
      try {
        ctl.close();
      } catch {
        // already closed or errored by the client going away
      }
    };
    const body = new ReadableStream<Uint8Array>(
      {
        start(x) {
          ctl = x;
        },
        cancel() {
          closed = true;
          stop();
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: CAPTURE_BACKLOG_BYTES }),
    );
    const cap = f.capture(c.req.param("segment"), {
      ...(q.vm === undefined ? {} : { vm: q.vm }),
      ...(q.filter === undefined ? {} : { filter: q.filter }),
      write: (chunk) => {
        if (closed) return;
        try {
          ctl.enqueue(chunk);
        } catch {
          finish();
        }
      },
      full: () => (ctl.desiredSize ?? 0) <= 0,
      onEnd: finish,
    });
    stop = cap.stop;
    c.req.raw.signal.addEventListener("abort", finish);
    lab.ctx.log.write("info", "capture started", { segment: c.req.param("segment"), ...(q.vm ? { vm: q.vm } : {}), ...(q.filter ? { filter: q.filter } : {}) });
    return new Response(body, { headers: { "content-type": "application/vnd.tcpdump.pcapng" } });
  });

  app.post("/v1/provision", () => streamOp((report) => lab.provisionAll(report), lab));

  app.post("/v1/script", async (c) => {
    const req = await body(c.req.raw, ScriptRequestSchema);
    return streamOp((report) => lab.exclusive(`script ${req.path}`, () => hooks.scripts.runMain(req.path, report, "Script")), lab);
  });

  /** Host events from the supervisor (e.g. host.disk_low), so `on` handlers see them. */
  app.post("/v1/host-event", async (c) => {
    const e = await body(c.req.raw, EventSchema);
    if (!e.type.startsWith("host."))
      throw new CodedError("request.invalid", `only host.* events can be posted, not ${e.type}`, {
        subject: e.type,
        hint: "post an event whose type starts with host",
      });
    lab.events.emit(e.type, undefined, e.data);
    // The disk watchdog fired: a guest may be paused on a write that found no space.
    if (e.type === "host.disk_low") await Promise.all([...lab.vms.values()].map((v) => v.checkIo()));
    return c.json({ ok: true });
  });

  app.get("/v1/events", (c) => {
    const history = parseQuery(c.req.query(), EventsQuerySchema).history === "1";
    return ndjsonResponse(
      (write) =>
        new Promise<void>((resolve) => {
          if (history) for (const e of lab.events.history) write({ type: "event", event: e });
          const unsub = lab.events.subscribe((event) => write({ type: "event", event }));
          const beat = setInterval(() => write({ type: "heartbeat", ts: new Date().toISOString() }), EVENT_HEARTBEAT_MS);
          c.req.raw.signal.addEventListener("abort", () => {
            clearInterval(beat);
            unsub();
            resolve();
          });
        }),
    );
  });
  return app;
}
