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

/** Serve `fetch` on a unix socket; throws `daemon.already_running` if one answers. */
export async function serveUnix(path: string, fetchHandler: FetchHandler): Promise<{ stop(): void }> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  chmodSync(dirname(path), 0o700);
  if (await socketAlive(path)) {
    throw new CodedError("daemon.already_running", `Cannot start: a daemon is already serving ${path}`, { subject: path });
  }
  rmSync(path, { force: true });
  // idleTimeout 0: event and progress streams may stay quiet for minutes.
  const options = { unix: path, fetch: fetchHandler, idleTimeout: 0 };
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

async function decodeError(r: Response): Promise<CodedError> {
  try {
    const body = (await r.json()) as { error?: { code?: string; message?: string; hint?: string; subject?: string } };
    if (body.error?.code && body.error.message) {
      return new CodedError(body.error.code as never, body.error.message, { ...(body.error.hint ? { hint: body.error.hint } : {}), ...(body.error.subject ? { subject: body.error.subject } : {}) });
    }
  } catch {
    // fall through
  }
  return new CodedError("internal", `The daemon answered HTTP ${r.status}`);
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
  if (!r.ok) throw await decodeError(r);
  return (await r.json()) as T;
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
  if (!r.ok) throw await decodeError(r);
  if (!r.body) return;
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line) onRecord(JSON.parse(line));
    }
  }
  if (pending.trim()) onRecord(JSON.parse(pending));
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
