/**
 * HTTP/1.1 over unix sockets: the transport of every control API (DESIGN §4).
 *
 * Server side: `serveUnix` prepares the socket's folder (0700), refuses to
 * start when a live server already answers on the path, removes a stale
 * socket left by a killed process, and restricts the socket itself to the
 * owner. Client side: `request` sends JSON and decodes either the JSON
 * result or a serialised `CodedError`; `stream` reads NDJSON records as they
 * arrive (long operations and event streams).
 */
import { chmodSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { CodedError } from "../errors/mod.ts";
import { ErrorReplySchema } from "./protocol.ts";

/** How long a liveness probe of an existing socket may take. */
export const PROBE_TIMEOUT_MS = 1_000;

type FetchHandler = (req: Request) => Response | Promise<Response>;

/** Is something answering HTTP on this unix socket? */
export async function socketAlive(path: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  try {
    const r = await fetch("http://vmlab/v1/ping", { unix: path, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) } as RequestInit);
    await r.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

/** Bun's own request body limit, kept for servers that only take JSON. */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 128 * 1024 * 1024;

/**
 * Serve `fetch` on a unix socket; throws `daemon.already_running` if one answers.
 * `maxRequestBodySize` raises the body limit for servers whose uploads stream
 * (the lab daemon's file copies); they must cap what they buffer themselves.
 */
export async function serveUnix(path: string, fetchHandler: FetchHandler, opts: { maxRequestBodySize?: number } = {}): Promise<{ stop(): void }> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  chmodSync(dirname(path), 0o700);
  if (await socketAlive(path)) {
    throw new CodedError("daemon.already_running", `cannot start: a daemon is already serving ${path}`, {
      subject: path,
      hint: "stop it first with `vmlab daemon stop`, or use the running one",
    });
  }
  rmSync(path, { force: true });
  // idleTimeout 0: event and progress streams may stay quiet for minutes.
  const options = { unix: path, fetch: fetchHandler, idleTimeout: 0, maxRequestBodySize: opts.maxRequestBodySize ?? DEFAULT_MAX_REQUEST_BODY_BYTES };
  const server = Bun.serve(options as unknown as Parameters<typeof Bun.serve>[0]);
  chmodSync(path, 0o600);
  return {
    stop() {
      server.stop(true);
      rmSync(path, { force: true });
    },
  };
}

function unreachable(path: string, e: unknown): CodedError {
  return new CodedError("daemon.unreachable", `cannot reach the daemon at ${path}: ${(e as Error).message}`, {
    subject: path,
    hint: "run `vmlab daemon status`; `vmlab daemon start` restarts the supervisor",
  });
}

/** A reply that does not match the protocol: the daemon is another version, or broken. */
export function badReply(what: string, problem: string, detail?: Record<string, unknown>): CodedError {
  return new CodedError("daemon.bad_reply", `the daemon answered ${what} with a reply that does not match the protocol: ${problem}`, {
    ...(detail === undefined ? {} : { detail }),
    hint: "the CLI and the daemon may be different versions: stop the daemons with `vmlab daemon stop` and retry; `vmlab logs` has the daemon's side",
  });
}

function issues(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`).join("; ");
}

/** Parse `value` with `schema`, or throw `daemon.bad_reply`. */
export function parseReply<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw badReply(what, issues(r.error));
  return r.data;
}

/**
 * The coded error a non-2xx reply carries (`{error: {code, message, …}}`,
 * checked with the protocol's schema). A body that is missing, not JSON, or
 * not such an error becomes `daemon.bad_reply` naming the HTTP status.
 */
export async function replyError(r: Response, what = "the request"): Promise<CodedError> {
  let text = "";
  try {
    text = await r.text();
  } catch {
    // no body
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = ErrorReplySchema.safeParse(json);
  if (parsed.success) return CodedError.fromJSON(parsed.data.error);
  const shown = text.trim().slice(0, 200);
  return badReply(what, `HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ""}${shown ? `: ${shown}` : " and no error body"}`, { status: r.status });
}

type Method = "GET" | "POST" | "PUT" | "DELETE";

async function send(socket: string, method: Method, path: string, body: unknown, signal: AbortSignal | undefined): Promise<Response> {
  const bytes = body instanceof Uint8Array;
  try {
    return await fetch(`http://vmlab${path}`, {
      method,
      unix: socket,
      headers: body === undefined ? {} : { "content-type": bytes ? "application/octet-stream" : "application/json" },
      body: body === undefined ? undefined : bytes ? body : JSON.stringify(body),
      ...(signal ? { signal } : {}),
    } as RequestInit);
  } catch (e) {
    throw unreachable(socket, e);
  }
}

/** One JSON request/response round trip; the reply is parsed with `reply` (the protocol's schema). */
export async function request<S extends z.ZodType>(
  socket: string,
  method: Method,
  path: string,
  body: unknown,
  reply: S,
  timeoutMs = 600_000,
): Promise<z.output<S>> {
  const what = `${method} ${path}`;
  const r = await send(socket, method, path, body, AbortSignal.timeout(timeoutMs));
  if (!r.ok) throw await replyError(r, what);
  let json: unknown;
  try {
    json = await r.json();
  } catch (e) {
    throw badReply(what, `the body is not JSON (${(e as Error).message})`, { status: r.status });
  }
  return parseReply(reply, json, what);
}

/** A request whose answer is raw bytes (a guest file); errors still arrive as `{error}` JSON. */
export async function requestBytes(socket: string, method: Method, path: string, body?: Uint8Array): Promise<Uint8Array> {
  const r = await send(socket, method, path, body, undefined);
  if (!r.ok) throw await replyError(r, `${method} ${path}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** POST/GET and deliver each NDJSON record, parsed with `record`, to `onRecord` as it arrives. */
export async function stream<S extends z.ZodType>(
  socket: string,
  method: "GET" | "POST",
  path: string,
  body: unknown,
  record: S,
  onRecord: (rec: z.output<S>) => void,
  signal?: AbortSignal,
): Promise<void> {
  const what = `${method} ${path}`;
  const r = await send(socket, method, path, body, signal);
  if (!r.ok) throw await replyError(r, what);
  if (!r.body) return;
  const deliver = (line: string): void => {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw badReply(what, `a streamed record is not JSON: ${line.slice(0, 200)}`);
    }
    onRecord(parseReply(record, json, what));
  };
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line) deliver(line);
    }
  }
  if (pending.trim()) deliver(pending.trim());
}

// ---- server side ---------------------------------------------------------------

/** A request body parsed with `schema` (an empty body is `{}`), or `request.invalid`; larger than `maxBytes` is `request.too_large`. */
export async function parseBody<S extends z.ZodType>(req: Request, schema: S, maxBytes = DEFAULT_MAX_REQUEST_BODY_BYTES): Promise<z.output<S>> {
  let raw: unknown = {};
  const tooLarge = () =>
    new CodedError("request.too_large", `request body is larger than ${maxBytes} bytes`, {
      hint: "send less data per request (copy large files with `vmlab cp`)",
    });
  if (Number(req.headers.get("content-length") ?? 0) > maxBytes) throw tooLarge();
  const text = await req.text();
  if (text.length > maxBytes) throw tooLarge();
  if (text.trim()) {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new CodedError("request.invalid", "cannot parse the request body as JSON", { hint: "send a JSON object" });
    }
  }
  const r = schema.safeParse(raw);
  if (!r.success)
    throw new CodedError("request.invalid", `invalid request: ${issues(r.error)}`, { hint: "see core/daemon/protocol.ts for the request's shape" });
  return r.data;
}

/** Query parameters parsed with `schema`, or `request.invalid`. */
export function parseQuery<S extends z.ZodType>(query: Record<string, string>, schema: S): z.output<S> {
  const r = schema.safeParse(query);
  if (!r.success)
    throw new CodedError("request.invalid", `invalid query: ${issues(r.error)}`, { hint: "see core/daemon/protocol.ts for the request's parameters" });
  return r.data;
}

/** The one error mapper of a control API: every error leaves as `{error}` with the status of its code. */
export function mapErrors(app: Hono, log: { write(level: "warn", msg: string, fields: Record<string, unknown>): void }): void {
  app.onError((err, c) => {
    const e = CodedError.from(err);
    log.write("warn", `request failed: ${e.message}`, { code: e.code, path: c.req.path });
    return c.json({ error: e.toJSON() }, e.status as ContentfulStatusCode);
  });
  app.notFound((c) =>
    c.json(
      {
        error: new CodedError("request.not_found", `no such endpoint: ${c.req.method} ${c.req.path}`, {
          hint: "the CLI and the daemon may be different versions: restart the daemons with `vmlab daemon stop`",
        }).toJSON(),
      },
      404,
    ),
  );
}

/** An NDJSON response whose records are produced by `run(write)`. */
export function ndjsonResponse(run: (write: (rec: unknown) => void) => Promise<void>): Response {
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(ctl) {
      const write = (rec: unknown): void => {
        try {
          ctl.enqueue(enc.encode(JSON.stringify(rec) + "\n"));
        } catch {
          // The client went away; the operation continues regardless.
        }
      };
      try {
        await run(write);
      } catch (e) {
        write({ type: "result", ok: false, error: CodedError.from(e).toJSON() });
      }
      try {
        ctl.close();
      } catch {
        // already closed
      }
    },
  });
  return new Response(body, { headers: { "content-type": "application/x-ndjson" } });
}
