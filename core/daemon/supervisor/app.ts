/**
 * The supervisor's control API (hono over `$XDG_RUNTIME_DIR/vmlab/vmlabd.sock`).
 *
 *   GET  /v1/ping                    {version, pid}
 *   GET  /v1/status                  supervisor version, pid, uptime and every lab
 *   GET  /v1/labs                    SupervisorLab[]
 *   GET  /v1/labs/:name              SupervisorLab (404 lab.not_found)
 *   POST /v1/labs/ensure {name,file} start the lab's daemon unless it runs; SupervisorLab
 *   GET  /v1/events[?history=1]      NDJSON: events of every lab and of the host
 *   POST /v1/shutdown                NDJSON progress; stops every lab, then the supervisor
 */
import { Hono } from "hono";
import { VERSION } from "../../version.ts";
import { CodedError } from "../../errors/mod.ts";
import { EnsureRequestSchema, EventsQuerySchema } from "../protocol.ts";
import { mapErrors, ndjsonResponse, parseBody, parseQuery } from "../transport.ts";
import type { Supervisor } from "./supervisor.ts";

export const HEARTBEAT_MS = 15_000;

export function supervisorApp(sup: Supervisor, onShutdown: () => void): Hono {
  const app = new Hono();
  mapErrors(app, sup.log);

  app.get("/v1/ping", (c) => c.json({ ok: true, version: VERSION, pid: process.pid }));
  app.get("/v1/status", (c) =>
    c.json({
      version: VERSION,
      pid: process.pid,
      startedAt: sup.startedAt.toISOString(),
      uptimeSec: Math.round((Date.now() - sup.startedAt.getTime()) / 1000),
      labs: sup.registry.all(),
    }),
  );
  app.get("/v1/labs", (c) => c.json(sup.registry.all()));
  app.get("/v1/labs/:name", (c) => {
    const lab = sup.registry.get(c.req.param("name"));
    if (!lab)
      throw new CodedError("lab.not_found", `no lab named ${c.req.param("name")} is known to the supervisor`, {
        subject: c.req.param("name"),
        hint: "list the labs with `vmlab daemon status`",
      });
    return c.json(lab);
  });
  app.post("/v1/labs/ensure", async (c) => {
    const req = await parseBody(c.req.raw, EnsureRequestSchema);
    return c.json(await sup.ensure(req.name, req.file));
  });
  app.get("/v1/events", (c) => {
    const history = parseQuery(c.req.query(), EventsQuerySchema).history === "1";
    return ndjsonResponse(
      (write) =>
        new Promise<void>((resolve) => {
          if (history) for (const e of sup.history) write({ type: "event", event: e });
          const unsub = sup.subscribe((event) => write({ type: "event", event }));
          const beat = setInterval(() => write({ type: "heartbeat", ts: new Date().toISOString() }), HEARTBEAT_MS);
          c.req.raw.signal.addEventListener("abort", () => {
            clearInterval(beat);
            unsub();
            resolve();
          });
        }),
    );
  });
  app.post("/v1/shutdown", () =>
    ndjsonResponse(async (write) => {
      await sup.stopAll((msg) => write({ type: "log", level: "info", msg }));
      write({ type: "result", ok: true });
      onShutdown();
    }),
  );
  return app;
}
