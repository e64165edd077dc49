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
import { isAbsolute } from "node:path";
import { Hono } from "hono";
import { z } from "zod";
import { VERSION } from "../../version.ts";
import { CodedError } from "../../errors/mod.ts";
import { ndjsonResponse } from "../transport.ts";
import type { Supervisor } from "./supervisor.ts";

const EnsureSchema = z.object({
  name: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a DNS label"),
  file: z.string().refine(isAbsolute, "must be an absolute path"),
});

export const HEARTBEAT_MS = 15_000;

export function supervisorApp(sup: Supervisor, onShutdown: () => void): Hono {
  const app = new Hono();
  app.onError((err, c) => {
    const e = CodedError.from(err);
    sup.log.write("warn", `request failed: ${e.message}`, { code: e.code, path: c.req.path });
    return c.json({ error: e.toJSON() }, e.status as 400);
  });
  app.notFound((c) => c.json({ error: { code: "request.invalid", message: `No such endpoint: ${c.req.method} ${c.req.path}` } }, 404));

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
    if (!lab) throw new CodedError("lab.not_found", `No lab named ${c.req.param("name")} is known to the supervisor`, { subject: c.req.param("name"), hint: "`vmlab daemon status` lists the labs." });
    return c.json(lab);
  });
  app.post("/v1/labs/ensure", async (c) => {
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      throw new CodedError("request.invalid", "Cannot parse the request body as JSON");
    }
    const r = EnsureSchema.safeParse(raw);
    if (!r.success) throw new CodedError("request.invalid", `Invalid request: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    return c.json(await sup.ensure(r.data.name, r.data.file));
  });
  app.get("/v1/events", (c) => {
    const history = c.req.query("history") === "1";
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
