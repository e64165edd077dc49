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
import { CodedError } from "../errors/mod.ts";

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
    throw new CodedError("daemon.already_running", `Cannot start: a daemon is already serving ${path}`, { subject: path });
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
  return new CodedError("daemon.unreachable", `Cannot reach the daemon at ${path}: ${(e as Error).message}`, {
    subject: path,
    hint: "Run `vmlab daemon status`; `vmlab daemon start` restarts the supervisor.",
  });
}

/**
 * The coded error a non-2xx reply carries. Every reply is rendered as a coded
 * error: a body that is missing, not JSON, `null`, or not `{error: {code,
 * message}}` becomes `daemon.bad_reply` naming the HTTP status.
 */
export async function replyError(r: Response, what = "the request"): Promise<CodedError> {
  let text = "";
  try {
    text = await r.text();
  } catch {
    // no body
  }
  try {
    const body = JSON.parse(text) as unknown;
    const e = body !== null && typeof body === "object" ? (body as { error?: unknown }).error : undefined;
    if (e !== null && typeof e === "object") {
      const j = e as Record<string, unknown>;
      if (typeof j["code"] === "string" && j["code"] && typeof j["message"] === "string") {
        return CodedError.fromJSON({
          code: j["code"],
          message: j["message"],
          ...(typeof j["subject"] === "string" ? { subject: j["subject"] } : {}),
          ...(typeof j["hint"] === "string" ? { hint: j["hint"] } : {}),
          ...(j["detail"] !== null && typeof j["detail"] === "object" ? { detail: j["detail"] as Record<string, unknown> } : {}),
        });
      }
    }
  } catch {
    // not JSON: fall through
  }
  const shown = text.trim().slice(0, 200);
  return new CodedError("daemon.bad_reply", `the daemon answered ${what} with HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ""}${shown ? `: ${shown}` : " and no error body"}`, {
    detail: { status: r.status },
    hint: "See `vmlab logs` and `vmlab daemon status`; this is a bug if it repeats.",
  });
}

/** A 2xx reply's JSON body, or `daemon.bad_reply` when it is not JSON. */
export async function replyJson<T>(r: Response, what = "the request"): Promise<T> {
  const text = await r.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new CodedError("daemon.bad_reply", `the daemon answered ${what} with HTTP ${r.status} and a body that is not JSON`, { detail: { status: r.status }, hint: "See `vmlab logs`; this is a bug if it repeats." });
  }
}

/** One JSON request/response round trip. */
export async function request<T>(socket: string, method: "GET" | "POST" | "DELETE", path: string, body?: unknown, timeoutMs = 600_000): Promise<T> {
  let r: Response;
  try {
    r = await fetch(`http://vmlab${path}`, {
      method,
      unix: socket,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    } as RequestInit);
  } catch (e) {
    throw unreachable(socket, e);
  }
  if (!r.ok) throw await replyError(r, `${method} ${path}`);
  return replyJson<T>(r, `${method} ${path}`);
}

/** POST/GET and deliver each NDJSON record to `onRecord` as it arrives. */
export async function stream(socket: string, method: "GET" | "POST", path: string, body: unknown, onRecord: (rec: unknown) => void, signal?: AbortSignal): Promise<void> {
  let r: Response;
  try {
    r = await fetch(`http://vmlab${path}`, {
      method,
      unix: socket,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      ...(signal ? { signal } : {}),
    } as RequestInit);
  } catch (e) {
    throw unreachable(socket, e);
  }
  if (!r.ok) throw await replyError(r, `${method} ${path}`);
  if (!r.body) return;
  const decoder = new TextDecoder();
  const parse = (line: string): unknown => {
    try {
      return JSON.parse(line);
    } catch {
      throw new CodedError("daemon.bad_reply", `the daemon sent a record that is not JSON on ${method} ${path}: ${line.slice(0, 200)}`, { hint: "See `vmlab logs`; this is a bug if it repeats." });
    }
  };
  let pending = "";
  for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line) onRecord(parse(line));
    }
  }
  if (pending.trim()) onRecord(parse(pending));
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
